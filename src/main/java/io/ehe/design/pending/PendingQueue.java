package io.ehe.design.pending;

import io.ehe.db.ConnectionFactory;
import io.ehe.design.DesignNotInstalledException;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The operator's side of the work queue (changeSet 180): the per-model counts, the failed pairs, and
 * retry / pause / resume, each one call of the changeSet's SQL functions (the workers call the same
 * functions themselves: docs/scheduler-on-claims.md). A model that is not a target is a bad value
 * ({@link IllegalArgumentException}); a database without changeSet 180 is
 * {@link DesignNotInstalledException}.
 */
public final class PendingQueue {

    /**
     * ehe_queue_counts() for one target model: pairs pending; claimable now; under a live lease;
     * hidden by backoff or a release's hold; quarantined. oldestPendingSeconds: age of the oldest
     * pending pair by the configured created column (null without one or when nothing is pending).
     * pausedUntil: null when not paused, else the end of the pause ('infinity' = until resumed).
     */
    public record Counts(String model, long pending, long claimable, long claimed, long backingOff, long quarantined,
                         Double oldestPendingSeconds, String pausedUntil) {
    }

    /** One row of event_embedding_pending_failed: state backoff (retryAt set) or quarantined. */
    public record Failed(String model, long eventId, String organizationId, String state, int attempts, String lastError,
                         String lastFailedAt, String retryAt) {
    }

    private final ConnectionFactory connections;

    public PendingQueue(ConnectionFactory connections) {
        this.connections = connections;
    }

    /** Whether changeSet 180 is applied on this connection's database. */
    public static boolean installed(Connection c) throws SQLException {
        try (Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT to_regprocedure('ehe_queue_counts()') IS NOT NULL")) {
            rs.next();
            return rs.getBoolean(1);
        }
    }

    /** The counts of every target not being removed, in model order; empty when changeSet 180 is not applied. */
    public static List<Counts> counts(Connection c) throws SQLException {
        List<Counts> out = new ArrayList<>();
        if (!installed(c)) {
            return out;
        }
        try (Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT model, pending, claimable, claimed, backing_off, quarantined, oldest_pending_seconds, "
                     + "CASE WHEN paused_until = 'infinity' THEN 'infinity' ELSE to_char(paused_until AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') END "
                     + "FROM ehe_queue_counts()")) {
            while (rs.next()) {
                double oldest = rs.getDouble(7);
                out.add(new Counts(rs.getString(1), rs.getLong(2), rs.getLong(3), rs.getLong(4), rs.getLong(5), rs.getLong(6),
                        rs.wasNull() ? null : oldest, rs.getString(8)));
            }
        }
        return out;
    }

    /** Failed pairs of a model (quarantined only, or also those backing off), oldest failure first, at most limit. */
    public List<Failed> failed(String model, String organization, boolean includeBackoff, int limit) throws SQLException {
        try (Connection c = open(model)) {
            List<Failed> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("""
                    SELECT model, event_id, organization_id, state, attempts, last_error,
                           to_char(last_failed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
                           to_char(retry_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
                      FROM event_embedding_pending_failed
                     WHERE model = ? AND (?::text IS NULL OR organization_id = ?) AND (state = 'quarantined' OR ?)
                     ORDER BY last_failed_at, event_id LIMIT ?""")) {
                ps.setString(1, model);
                ps.setString(2, organization);
                ps.setString(3, organization);
                ps.setBoolean(4, includeBackoff);
                ps.setInt(5, limit);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(new Failed(rs.getString(1), rs.getLong(2), rs.getString(3), rs.getString(4), rs.getInt(5),
                                rs.getString(6), rs.getString(7), rs.getString(8)));
                    }
                }
            }
            return out;
        }
    }

    /**
     * Puts quarantined pairs of a model back in the queue with their attempts reset (all of them, or
     * those of the given events and/or organization). dryRun: counts them and changes nothing.
     * Returns the number of pairs (that would be) put back.
     */
    public int retry(String model, List<Long> eventIds, String organization, boolean dryRun) throws SQLException {
        try (Connection c = open(model)) {
            Array ids = eventIds == null || eventIds.isEmpty() ? null : c.createArrayOf("bigint", eventIds.toArray());
            String sql = dryRun
                    ? """
                      SELECT count(*) FROM event_embedding_pending_failed
                       WHERE model = ? AND state = 'quarantined' AND (?::bigint[] IS NULL OR event_id = ANY (?::bigint[]))
                         AND (?::text IS NULL OR organization_id = ?)"""
                    : "SELECT ehe_queue_retry(?, ?::bigint[], ?)";
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                ps.setString(1, model);
                ps.setArray(2, ids);
                if (dryRun) {
                    ps.setArray(3, ids);
                    ps.setString(4, organization);
                    ps.setString(5, organization);
                } else {
                    ps.setString(3, organization);
                }
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getInt(1);
                }
            }
        }
    }

    /** Pauses a model until a time (null: until resumed): its pairs are not claimable, no attempt is counted. */
    public void pause(String model, Instant until, String reason) throws SQLException {
        try (Connection c = open(model);
             PreparedStatement ps = c.prepareStatement("SELECT ehe_queue_pause(?, coalesce(?, 'infinity'::timestamptz), ?)")) {
            ps.setString(1, model);
            ps.setTimestamp(2, until == null ? null : Timestamp.from(until));
            ps.setString(3, reason);
            ps.executeQuery().close();
        }
    }

    /** Ends a pause; false when the model was not paused. */
    public boolean resume(String model) throws SQLException {
        try (Connection c = open(model);
             PreparedStatement ps = c.prepareStatement("SELECT ehe_queue_resume(?)")) {
            ps.setString(1, model);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        }
    }

    /** What a sweep did: claim rows deleted, rounds run, and whether rows were still left when it stopped at maxRounds. */
    public record Swept(long deleted, int rounds, boolean more) {
    }

    /**
     * Deletes the claim rows that match no pending pair (done, or pending again as a newer row), in
     * rounds of at most batch rows (ehe_queue_sweep, one short transaction each, never waiting for a
     * row lock) until a round deletes fewer than batch or maxRounds rounds ran. Expired leases and
     * ended backoffs need no sweep: a claim takes them over; this only keeps the table at the size of
     * the live queue. Throws DesignNotInstalledException without changeSet 180.
     */
    public Swept sweep(int batch, int maxRounds) throws SQLException {
        try (Connection c = connections.open()) {
            if (!installed(c)) {
                throw new DesignNotInstalledException("the work queue (changeSet 180) is not applied here: run migrate --design pending-table");
            }
            long total = 0;
            int rounds = 0;
            try (PreparedStatement ps = c.prepareStatement("SELECT ehe_queue_sweep(?)")) {
                ps.setInt(1, batch);
                while (rounds < maxRounds) {
                    rounds++;
                    int n;
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        n = rs.getInt(1);
                    }
                    total += n;
                    if (n < batch) {
                        return new Swept(total, rounds, false);
                    }
                }
            }
            return new Swept(total, rounds, true);
        }
    }

    private Connection open(String model) throws SQLException {
        Connection c = connections.open();
        try {
            if (!installed(c)) {
                throw new DesignNotInstalledException("the work queue (changeSet 180) is not applied here: run migrate --design pending-table");
            }
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT EXISTS (SELECT 1 FROM event_embedding_pending_targets WHERE model = ? AND state <> 'removing')")) {
                ps.setString(1, model);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    if (!rs.getBoolean(1)) {
                        throw new IllegalArgumentException("model '" + model + "' is not a target model of the pending table ('status' lists them)"
                                + Target.caseHint(c, model));
                    }
                }
            }
            return c;
        } catch (SQLException | RuntimeException e) {
            c.close();
            throw e;
        }
    }
}
