package io.ehe.db;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * Waits until every transaction of this database that began before a point in time has ended, the
 * way CREATE INDEX CONCURRENTLY waits for older snapshots: after a change that writers see only from
 * their next statement or transaction on (a new target model, a new semantics), a walk that starts
 * once this returns can rely on every writer seeing the change. Counts client backends of the
 * current database with an open transaction ({@code pg_stat_activity.xact_start}) and prepared
 * transactions ({@code pg_prepared_xacts.prepared}); the caller's own backend is excluded. Polls
 * every 200 ms; reads only.
 */
public final class OlderTransactions {

    private static final String OLDEST = """
            SELECT kind, who, state, since, query_start FROM (
                SELECT 'pid ' || a.pid AS who, 'backend' AS kind, a.state, a.xact_start AS since, a.query_start
                  FROM pg_stat_activity a
                 WHERE a.datname = current_database() AND a.backend_type = 'client backend'
                   AND a.pid <> pg_backend_pid() AND a.xact_start < ?
                UNION ALL
                SELECT 'prepared transaction ''' || p.gid || '''', 'prepared', 'prepared', p.prepared, NULL
                  FROM pg_prepared_xacts p
                 WHERE p.database = current_database() AND p.prepared < ?) o
             ORDER BY since LIMIT 1""";

    /** The oldest transaction still open that began before the point waited for. */
    public record Blocker(String who, String state, Instant since, Instant queryStart) {

        /** One line: who, its state, since when (never the query text: it may hold data or secrets). */
        public String describe() {
            return who + " (" + (state == null ? "state unknown" : state) + ", transaction open since " + since
                    + (queryStart == null ? "" : ", current statement since " + queryStart) + ")";
        }
    }

    /** Thrown when an older transaction is still open at the deadline; nothing was changed by waiting. */
    public static final class StillOpenException extends SQLException {
        public StillOpenException(String message) {
            super(message, "55P03");
        }
    }

    private OlderTransactions() {
    }

    /** The server's clock now: the point later writers are sure to be past. */
    public static Instant serverNow(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT clock_timestamp()"); ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getTimestamp(1).toInstant();
        }
    }

    /** The oldest open transaction that began before {@code point}, if any. */
    public static Optional<Blocker> oldest(Connection c, Instant point) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(OLDEST)) {
            ps.setTimestamp(1, Timestamp.from(point));
            ps.setTimestamp(2, Timestamp.from(point));
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                Timestamp q = rs.getTimestamp(5);
                return Optional.of(new Blocker(rs.getString(2), rs.getString(3), rs.getTimestamp(4).toInstant(),
                        q == null ? null : q.toInstant()));
            }
        }
    }

    /**
     * Returns once no transaction that began before {@code point} is open. Must be called outside a
     * transaction of the caller's own that it would then wait for (autocommit, or right after commit).
     *
     * @param what    what is waiting, for the error message
     * @param timeout how long to wait at most
     * @throws StillOpenException (SQLSTATE 55P03) naming the oldest blocker when {@code timeout} passes
     */
    public static void waitFor(Connection c, Instant point, Duration timeout, String what) throws SQLException {
        long deadline = System.nanoTime() + timeout.toNanos();
        boolean autoCommit = c.getAutoCommit();
        while (true) {
            Optional<Blocker> oldest = oldest(c, point);
            if (!autoCommit) {
                c.commit();
            }
            if (oldest.isEmpty()) {
                return;
            }
            if (System.nanoTime() >= deadline) {
                throw new StillOpenException(what + " waited " + PgDuration.human(timeout) + " for transactions that began before it; "
                        + "still open: " + oldest.get().describe() + ". End or wait for that transaction and run it again");
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SQLException("interrupted while waiting for older transactions", "57014", e);
            }
        }
    }
}
