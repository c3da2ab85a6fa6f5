package io.ehe.db;

import org.postgresql.core.BaseConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Watches one session whose statements may wait for locks under lock_timeout (configure's
 * re-derivation: the semantics row, the triggers on events and event_embeddings, the TRUNCATE of the
 * pending table, each waiting for the app's transactions that hold a conflicting lock; targets add and
 * remove, whose removal commits batch by batch; partitions sync's trigger and recording steps). While it
 * runs, a daemon thread polls every {@link OlderTransactions#POLL}:
 * <ul>
 *   <li>a stop request (SIGINT/SIGTERM) sends the server a cancel for the statement in flight, which ends
 *       a lock wait at once (SQLSTATE 57014); {@link #stopped()} then says the failure was the signal's;</li>
 *   <li>a statement waiting for a lock longer than {@link OlderTransactions#FIRST_LOG} is logged with
 *       whom it waits for ({@link Blocker}: pid, role, state, transaction age, statement start) and how
 *       long it will still wait, then again every {@link OlderTransactions#LOG_EVERY}.</li>
 * </ul>
 * The watch's own session (opened at the first log only) reads pg_stat_activity and pg_blocking_pids:
 * no lock, no write.
 */
public final class LockWaitWatch implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger("wait");
    private static final String BLOCKER = """
            SELECT %s
              FROM unnest(pg_catalog.pg_blocking_pids(?)) AS bp(pid)
              LEFT JOIN pg_catalog.pg_stat_activity b ON b.pid = bp.pid
             ORDER BY b.xact_start NULLS LAST LIMIT 1""".formatted(Blocker.columns("bp.pid", "b"));

    private final ConnectionFactory connections;
    private final Connection worker;
    private final int workerPid;
    private final String what;
    private final Duration lockTimeout;
    private final BooleanSupplier stop;
    private final Thread thread;
    private volatile boolean closed;
    private volatile boolean stopped;
    private volatile String step = "a statement";
    private volatile Blocker lastSeen;

    private LockWaitWatch(ConnectionFactory connections, Connection worker, int workerPid, String what, Duration lockTimeout, BooleanSupplier stop) {
        this.connections = connections;
        this.worker = worker;
        this.workerPid = workerPid;
        this.what = what;
        this.lockTimeout = lockTimeout;
        this.stop = stop;
        this.thread = new Thread(this::watch, "lock-wait-watch");
        this.thread.setDaemon(true);
    }

    /**
     * Starts watching {@code worker} (its statements run under {@code lockTimeout}, which ends each lock
     * wait by itself: the watch only names and interrupts). {@code what} names the command in the log.
     */
    public static LockWaitWatch start(ConnectionFactory connections, Connection worker, String what, Duration lockTimeout,
                                      BooleanSupplier stop) throws SQLException {
        int pid;
        try (PreparedStatement ps = worker.prepareStatement("SELECT pg_catalog.pg_backend_pid()"); ResultSet rs = ps.executeQuery()) {
            rs.next();
            pid = rs.getInt(1);
        }
        LockWaitWatch w = new LockWaitWatch(connections, worker, pid, what, lockTimeout, stop);
        w.thread.start();
        return w;
    }

    /** True when a stop request cancelled the worker's statement: its failure is the signal's. */
    public boolean stopped() {
        return stopped;
    }

    /**
     * What the worker does from now on, named in the wait line and the refusal ("replacing the triggers
     * on ..."). A blocker seen during an earlier step is forgotten: it need not be the one this step waits for.
     */
    public void step(String step) {
        this.step = step;
        this.lastSeen = null;
    }

    /**
     * The one error line for a statement of the worker's that got no lock within lock_timeout
     * ({@code cause}, SQLSTATE 55P03; the result keeps it, so exit 4): the step, the blocker, then
     * {@code outcome}, the caller's words for what changed and what to do (it knows whether its work was
     * one transaction, now rolled back). The blocker is the one the watch saw while this step waited
     * (pg_blocking_pids: exact), else whoever holds a lock on {@code relations} now (the waiting request is
     * gone once refused, the holder usually still holds on).
     */
    public SQLException refused(SQLException cause, List<String> relations, String outcome) {
        Blocker seen = lastSeen;
        String whom = seen != null ? seen.describe() : holdersNow(relations);
        return new SQLException(what + ": " + step + " got no lock within --lock-timeout " + asGiven(lockTimeout) + "; it waited for "
                + whom + ". " + outcome, SqlErrors.LOCK_NOT_AVAILABLE, cause);
    }

    /**
     * {@code e} as the worker should throw it: a lock not granted within lock_timeout rolls back
     * {@code c}'s open transaction (its earlier commits stay) and becomes {@link #refused}'s one line,
     * {@code outcome} asked only then; any other error comes back as it came.
     */
    public SQLException refusedOrAsIs(Connection c, SQLException e, List<String> relations, Supplier<String> outcome) throws SQLException {
        if (!SqlErrors.isLockNotGranted(e)) {
            return e;
        }
        c.rollback();
        return refused(e, relations, outcome.get());
    }

    private String holdersNow(List<String> relations) {
        try (Connection c = connections.open()) {
            List<String> holders = LockHolders.on(c, relations);
            return holders.isEmpty() ? "a session no longer seen (none holds a lock on " + String.join(", ", relations) + " now)"
                    : String.join("; ", holders);
        } catch (SQLException e) {
            return "a session this run could not look up (" + e.getMessage() + ")";
        }
    }

    /** As an operator would pass it again: 5s, 1min, 250ms. */
    private static String asGiven(Duration d) {
        long ms = d.toMillis();
        return ms % 60_000 == 0 ? ms / 60_000 + "min" : ms % 1000 == 0 ? ms / 1000 + "s" : ms + "ms";
    }

    @Override
    public void close() {
        closed = true;
        thread.interrupt();
        try {
            thread.join(2_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void watch() {
        Connection watcher = null;
        long waitingSince = 0;
        long nextLog = 0;
        try {
            while (!closed) {
                if (stop.getAsBoolean()) {
                    // Again at every poll: a cancel that came between two statements reached none of them.
                    stopped = true;
                    worker.unwrap(BaseConnection.class).cancelQuery();
                    Thread.sleep(OlderTransactions.POLL.toMillis());
                    continue;
                }
                long now = System.nanoTime();
                if (waitingSince == 0 || now >= nextLog) {
                    if (waitingSince != 0 && watcher == null) {
                        watcher = connections.open();
                        watcher.setAutoCommit(true);
                    }
                    if (watcher != null) {
                        Optional<Blocker> blocker = blocker(watcher);
                        if (blocker.isPresent()) {
                            lastSeen = blocker.get();
                            Duration waited = Duration.ofNanos(now - waitingSince);
                            Duration left = lockTimeout.minus(waited);
                            LOG.info("{}: {} waits for a lock held by {}; waited {}, will wait at most {} more (--lock-timeout)",
                                    what, step, blocker.get().describe(), PgDuration.human(waited), PgDuration.human(left.isNegative() ? Duration.ZERO : left));
                        } else {
                            waitingSince = 0; // the wait ended: the next one starts its own clock
                        }
                        nextLog = now + OlderTransactions.LOG_EVERY.toNanos();
                    }
                    if (waitingSince == 0) {
                        waitingSince = now;
                        nextLog = now + OlderTransactions.FIRST_LOG.toNanos();
                    }
                }
                Thread.sleep(OlderTransactions.POLL.toMillis());
            }
        } catch (InterruptedException e) {
            // closed
        } catch (SQLException | RuntimeException e) {
            LOG.debug("{}: the lock-wait watch ended: {}", what, e.toString());
        } finally {
            if (watcher != null) {
                try {
                    watcher.close();
                } catch (SQLException ignored) {
                    // the watch's own read-only session
                }
            }
        }
    }

    private Optional<Blocker> blocker(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(BLOCKER)) {
            ps.setInt(1, workerPid);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                return Optional.of(Blocker.read(rs, 1));
            }
        }
    }
}
