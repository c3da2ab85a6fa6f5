package io.ehe.design.pending;

import io.ehe.testing.TestDatabase;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * The queue's SQL API (changeSet 180) called the way any driver would: plain statements with bind
 * parameters, one per call, autocommit. Test code only; the app is TypeScript.
 */
final class QueueSql {

    private QueueSql() {
    }

    /** One claimed pair as ehe_queue_claim returns it; leaseUntil is the server's clock. */
    record Claimed(long eventId, String organizationId, int attempt, UUID token, Timestamp leaseUntil) {
    }

    static List<Claimed> claim(Connection c, String model, int n, double leaseSeconds, String org) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT * FROM ehe_queue_claim(?, ?, ?, ?)")) {
            ps.setString(1, model);
            ps.setInt(2, n);
            ps.setDouble(3, leaseSeconds);
            ps.setString(4, org);
            return read(ps);
        }
    }

    static List<Claimed> claim(TestDatabase db, String model, int n, double leaseSeconds, String org) {
        try (Connection c = db.open()) {
            return claim(c, model, n, leaseSeconds, org);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<Claimed> read(PreparedStatement ps) throws SQLException {
        List<Claimed> out = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(new Claimed(rs.getLong("event_id"), rs.getString("organization_id"), rs.getInt("attempt"),
                        rs.getObject("claim_token", UUID.class), rs.getTimestamp("lease_until")));
            }
        }
        return out;
    }

    /** The new state ('backoff' or 'quarantined'), or null when the token no longer holds the claim. */
    static String fail(Connection c, String model, long event, UUID token, String error, boolean retryable) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT ehe_queue_fail(?, ?, ?, ?, ?)")) {
            ps.setString(1, model);
            ps.setLong(2, event);
            ps.setObject(3, token);
            ps.setString(4, error);
            ps.setBoolean(5, retryable);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getString(1);
            }
        }
    }

    static String fail(TestDatabase db, String model, long event, UUID token, String error, boolean retryable) {
        try (Connection c = db.open()) {
            return fail(c, model, event, token, error, retryable);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** extend or release: the event ids the token still held (and now extended or released). */
    static List<Long> extendOrRelease(Connection c, String function, String model, List<Long> events, UUID token, double seconds) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT * FROM " + function + "(?, ?, ?, ?)")) {
            ps.setString(1, model);
            ps.setArray(2, c.createArrayOf("bigint", events.toArray()));
            ps.setObject(3, token);
            ps.setDouble(4, seconds);
            List<Long> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getLong(1));
                }
            }
            return out;
        }
    }

    static List<Long> extend(TestDatabase db, String model, List<Long> events, UUID token, double seconds) {
        try (Connection c = db.open()) {
            return extendOrRelease(c, "ehe_queue_extend", model, events, token, seconds);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    static List<Long> release(TestDatabase db, String model, List<Long> events, UUID token) {
        try (Connection c = db.open()) {
            return extendOrRelease(c, "ehe_queue_release", model, events, token, 0);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The app's worker write of one (event, model): lock the live event, delete its rows, insert chunk 0. */
    static void embed(Connection c, long event, String model) throws SQLException {
        boolean auto = c.getAutoCommit();
        c.setAutoCommit(false);
        try (var st = c.createStatement()) {
            try (ResultSet rs = st.executeQuery("SELECT 1 FROM events WHERE id = " + event + " AND superseded_by IS NULL FOR SHARE")) {
                if (!rs.next()) {
                    c.rollback();
                    return;
                }
            }
            st.execute("DELETE FROM event_embeddings WHERE event_id = " + event + " AND embedding_model = '" + model + "'");
            st.execute("INSERT INTO event_embeddings (event_id, embedding_model, chunk_index, embedding) VALUES ("
                    + event + ", '" + model + "', 0, '{0.1,0.2}')");
            c.commit();
        } catch (SQLException e) {
            c.rollback();
            throw e;
        } finally {
            c.setAutoCommit(auto);
        }
    }

    /** Figures of ehe_queue_counts() for one model: pending, claimable, claimed, backing_off, quarantined. */
    static long[] counts(TestDatabase db, String model) {
        return db.queryList("SELECT pending, claimable, claimed, backing_off, quarantined FROM ehe_queue_counts() WHERE model = '" + model + "'",
                rs -> {
                    try {
                        return new long[] {rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getLong(4), rs.getLong(5)};
                    } catch (SQLException e) {
                        throw new IllegalStateException(e);
                    }
                }).get(0);
    }
}
