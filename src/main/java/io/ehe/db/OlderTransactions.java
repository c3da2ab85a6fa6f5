package io.ehe.db;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.BooleanSupplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Waits until every transaction of this database that began before a point in time has ended, the
 * way CREATE INDEX CONCURRENTLY waits for older snapshots: after a change that writers see only from
 * their next statement or transaction on (a new target model, a new semantics), a walk that starts
 * once this returns can rely on every writer seeing the change. Counts client backends of the
 * current database with an open transaction ({@code pg_stat_activity.xact_start}) and prepared
 * transactions ({@code pg_prepared_xacts.prepared}); the caller's own backend is excluded. Polls
 * every 200 ms; reads only.
 *
 * How it stays exact for a role that is not a superuser (the tested install path, issue 24):
 * <ol>
 * <li>pg_stat_activity hides xact_start of other roles' sessions from a role without pg_read_all_stats,
 *     so a wait on xact_start alone returned at once while the app's transaction was open (found by a
 *     new-user trial: a fill called ready that missed an event, a removed target that kept a row).</li>
 * <li>pg_locks is readable by every role: each open transaction holds the ExclusiveLock on its own
 *     virtual transaction id until it ends. The wait takes, when it starts, the virtual ids of every
 *     other session of this database with a user (autovacuum has none), and returns only once none of
 *     them is held any more: the way CREATE INDEX CONCURRENTLY waits. A virtual id is never reused by
 *     a later transaction, so a busy app with ever new transactions cannot hold the wait forever.</li>
 * <li>xact_start, where visible, still names the oldest blocker in the log and the error; where hidden,
 *     the blocker is named by pid and role only ({@link Blocker}).</li>
 * </ol>
 */
public final class OlderTransactions {

    private static final String OLDEST = """
            SELECT * FROM (
                SELECT %s
                  FROM pg_stat_activity a
                 WHERE a.datname = current_database() AND a.backend_type = 'client backend'
                   AND a.pid <> pg_backend_pid() AND a.xact_start < ?
                UNION ALL
                SELECT %s
                  FROM pg_prepared_xacts p
                 WHERE p.database = current_database() AND p.prepared < ?) o
             ORDER BY 4 LIMIT 1""".formatted(Blocker.columns("a.pid", "a"), Blocker.preparedColumns("p"));
    /** Virtual transaction ids open now in other sessions (with a user) of this database; the caller's own excluded. */
    private static final String OPEN_NOW = """
            SELECT l.virtualxid FROM pg_catalog.pg_locks l JOIN pg_catalog.pg_stat_activity a ON a.pid = l.pid
             WHERE l.locktype = 'virtualxid' AND l.mode = 'ExclusiveLock' AND l.granted
               AND a.datname = current_database() AND a.usesysid IS NOT NULL AND l.pid <> pg_catalog.pg_backend_pid()""";
    /**
     * Open transactions by their virtual transaction id lock (held by every open transaction, visible to
     * every role), with what pg_stat_activity shows this role of them (its role always; start and state
     * null where hidden).
     */
    private static final String OPEN = """
            SELECT %s
              FROM pg_catalog.pg_locks l LEFT JOIN pg_catalog.pg_stat_activity a ON a.pid = l.pid
             WHERE l.locktype = 'virtualxid' AND l.mode = 'ExclusiveLock' AND l.granted""".formatted(Blocker.columns("l.pid", "a"));
    /** Of those open when a wait started, the one still open (oldest first where its start is visible). */
    private static final String STILL_OPEN = OPEN + """

               AND l.virtualxid = ANY (?)
             ORDER BY a.xact_start NULLS LAST LIMIT 1""";
    /**
     * Of this database's other sessions, those with a snapshot or transaction id (what CREATE INDEX
     * CONCURRENTLY waits for; both columns are visible to every role) whose transaction is at least the
     * given age, or whose start this role cannot see (it may be that old).
     */
    private static final String OPEN_FOR = OPEN + """

               AND a.datname = current_database() AND a.usesysid IS NOT NULL AND l.pid <> pg_catalog.pg_backend_pid()
               AND (a.backend_xid IS NOT NULL OR a.backend_xmin IS NOT NULL)
               AND (a.xact_start IS NULL OR a.xact_start <= clock_timestamp() - ?::interval)
             ORDER BY a.xact_start NULLS LAST""";
    /** Prepared transactions of this database at least the given age, in {@link #OPEN}'s shape. */
    private static final String PREPARED_FOR = """
            SELECT %s
              FROM pg_catalog.pg_prepared_xacts p
             WHERE p.database = current_database() AND p.prepared <= clock_timestamp() - ?::interval
             ORDER BY p.prepared""".formatted(Blocker.preparedColumns("p"));
    /** The first "still waiting" line comes after this; then one at least every {@link #LOG_EVERY}. */
    static final Duration FIRST_LOG = Duration.ofSeconds(2);
    static final Duration LOG_EVERY = Duration.ofSeconds(10);
    /** How often the wait polls the server and the stop request: a stop ends it within this. */
    static final Duration POLL = Duration.ofMillis(200);
    private static final Logger LOG = LoggerFactory.getLogger("wait");

    /** Thrown when a stop was requested (SIGTERM/SIGINT) during the wait; nothing was changed by waiting. */
    public static final class WaitStoppedException extends SQLException {
        public WaitStoppedException(String message) {
            super(message, "57014");
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
                return rs.next() ? Optional.of(Blocker.read(rs, 1)) : Optional.empty();
            }
        }
    }

    /** The virtual transaction ids of the transactions open now in other sessions of this database. */
    static String[] openNow(Connection c) throws SQLException {
        List<String> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(OPEN_NOW); ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out.toArray(String[]::new);
    }

    /** Of {@code open}, one transaction still open, if any (the oldest where its start is visible to this role). */
    static Optional<Blocker> stillOpen(Connection c, String[] open) throws SQLException {
        if (open.length == 0) {
            return Optional.empty();
        }
        try (PreparedStatement ps = c.prepareStatement(STILL_OPEN)) {
            ps.setArray(1, c.createArrayOf("text", open));
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(Blocker.read(rs, 1)) : Optional.empty();
            }
        }
    }

    /**
     * Every transaction of this database, but the caller's own, open for at least {@code age}: sessions
     * with a snapshot or a transaction id (one whose start this role cannot see is listed too: it may be
     * that old), oldest first, then prepared transactions. What a CREATE INDEX CONCURRENTLY that waited
     * {@code age} was waiting for. Reads only; empty when none.
     */
    public static List<Blocker> openFor(Connection c, Duration age) throws SQLException {
        List<Blocker> out = new ArrayList<>();
        for (String sql : new String[] {OPEN_FOR, PREPARED_FOR}) {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                ps.setString(1, PgDuration.toSetting(age));
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(Blocker.read(rs, 1));
                    }
                }
            }
        }
        return out;
    }

    /** {@link #waitFor(Connection, Instant, Duration, String, BooleanSupplier)} that no stop request ends. */
    public static void waitFor(Connection c, Instant point, Duration timeout, String what) throws SQLException {
        waitFor(c, point, timeout, what, () -> false);
    }

    /**
     * Returns once no transaction that began before {@code point} is open. Must be called outside a
     * transaction of the caller's own that it would then wait for (autocommit, or right after commit).
     * A wait longer than {@link #FIRST_LOG} logs whom it waits for (pid, state, age, statement start)
     * and how long it will still wait, then again every {@link #LOG_EVERY}.
     *
     * @param what    what is waiting, for the log and the error message
     * @param timeout how long to wait at most, exactly as given
     * @param stop    polled every {@link #POLL}: true ends the wait (SIGTERM/SIGINT)
     * @throws StillOpenException   (SQLSTATE 55P03) naming the oldest blocker when {@code timeout} passes
     * @throws WaitStoppedException (SQLSTATE 57014) when {@code stop} turned true
     */
    public static void waitFor(Connection c, Instant point, Duration timeout, String what, BooleanSupplier stop) throws SQLException {
        waitFor(c, point, timeout, what, stop, "Nothing was changed by the wait: run it again");
    }

    /**
     * As {@link #waitFor(Connection, Instant, Duration, String, BooleanSupplier)}, for a caller that committed
     * a change before waiting: the stop's message ends with {@code stays}, what that change leaves behind
     * and what to run, instead of saying that nothing was changed.
     */
    public static void waitFor(Connection c, Instant point, Duration timeout, String what, BooleanSupplier stop, String stays)
            throws SQLException {
        long started = System.nanoTime();
        long deadline = started + timeout.toNanos();
        long nextLog = started + FIRST_LOG.toNanos();
        boolean autoCommit = c.getAutoCommit();
        String[] open = openNow(c);
        while (true) {
            Optional<Blocker> oldest = oldest(c, point);
            if (oldest.isEmpty()) {
                oldest = stillOpen(c, open);
            }
            if (!autoCommit) {
                c.commit();
            }
            if (oldest.isEmpty()) {
                return;
            }
            long now = System.nanoTime();
            if (stop.getAsBoolean()) {
                throw new WaitStoppedException(what + " stopped (signal) while waiting for transactions that began before it; still open: "
                        + oldest.get().describe() + ". " + stays);
            }
            if (now >= deadline) {
                throw new StillOpenException(what + " waited " + PgDuration.human(timeout) + " for transactions that began before it; "
                        + "still open: " + oldest.get().describe() + ". End or wait for that transaction and run it again");
            }
            if (now >= nextLog) {
                LOG.info("{}: waiting for transactions that began before it; oldest still open: {}; waited {}, will wait at most {} more",
                        what, oldest.get().describe(), PgDuration.human(Duration.ofNanos(now - started)),
                        PgDuration.human(Duration.ofNanos(deadline - now)));
                nextLog = now + LOG_EVERY.toNanos();
            }
            try {
                Thread.sleep(Math.max(1, Math.min(POLL.toMillis(), (deadline - now) / 1_000_000)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new WaitStoppedException("interrupted while waiting for older transactions");
            }
        }
    }
}
