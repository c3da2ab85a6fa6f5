package io.ehe.migration;

import io.ehe.db.SqlErrors;
import liquibase.exception.LockException;
import org.postgresql.core.BaseConnection;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A stop asked of a running migrate or rollback (SIGINT/SIGTERM; issue 28: every wait interruptible,
 * their lock waits included), and how it reaches each of them. Both share this one mechanism: the
 * {@link ChangelogRunner}'s writing sessions, the {@link LockRetry} pause, the migration lock's poll.
 *
 * 1. {@link #request} sets the flag and, from the signal's thread: releases the backoff pause between
 *    attempts ({@link LockRetry}); sends a cancel request (pgjdbc's, SQLSTATE 57014 on the server) for
 *    the statement in flight on every writing session of the run, which ends a DDL statement waiting
 *    for its lock under lock_timeout at once; and interrupts the migrating thread, which ends the
 *    migration lock's poll ({@link AdvisoryLockService} sleeps between tries).
 * 2. The cancelled statement fails its changeSet. A transactional changeSet rolls back whole, history
 *    row included ({@link AtomicChangeSetDatabase}); a CREATE INDEX CONCURRENTLY leaves an INVALID
 *    index, which the next run rebuilds. ChangeSets committed before the signal stay applied.
 *    In a rollback the same: the changeSet whose rollback was in flight is restored whole and keeps its
 *    history row (its rollback and the row's delete commit together); those rolled back before stay so.
 *    The two that run outside a transaction (040, 050) roll back statement by statement: a cancel may
 *    leave part undone, its history row kept; their rollback statements are safe to run again.
 * 3. A cancel that reached no statement (the signal came between two statements) ends nothing by
 *    itself: {@link AtomicChangeSetDatabase} checks the flag before each change and before each
 *    changeSet's rollback, so no changeSet starts (or starts rolling back) after the signal.
 * 4. Whatever the run then throws becomes {@link MigrationInterruptedException} ({@link #stopped}, from
 *    {@link Migrator} and {@link Rollbacker}): one line, exit 7, what to run to finish.
 */
public final class Interruption {

    private final CountDownLatch requested = new CountDownLatch(1);
    private final Set<Connection> sessions = ConcurrentHashMap.newKeySet();
    private volatile Thread worker;

    /** The thread that runs the migration (interrupted on a request); the caller's. */
    public Interruption bindToCurrentThread() {
        this.worker = Thread.currentThread();
        return this;
    }

    /** Asks the run to stop (see the class comment); safe from any thread, more than once. */
    public void request() {
        if (requested()) {
            return;
        }
        requested.countDown();
        for (Connection c : sessions) {
            try {
                c.unwrap(BaseConnection.class).cancelQuery();
            } catch (SQLException | RuntimeException ignored) {
                // the session ended meanwhile: nothing of it is in flight
            }
        }
        Thread w = worker;
        if (w != null) {
            w.interrupt();
        }
    }

    public boolean requested() {
        return requested.getCount() == 0;
    }

    /**
     * The error of a run this stop ended: "{@code command} stopped by a signal", what the stop ended
     * (read from {@code e}, what the run threw), then {@code consequence}. Clears the worker's interrupt
     * first, so the error path can still open a connection.
     */
    MigrationInterruptedException stopped(String command, Exception e, String consequence) {
        clearInterrupt();
        return new MigrationInterruptedException(command + " stopped by a signal " + during(e) + "; " + consequence, e);
    }

    /** What the stop ended, from what the run threw. */
    private static String during(Throwable e) {
        for (Throwable c = e; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof SQLException sql && "57014".equals(sql.getSQLState())) {
                return "while a statement waited for its lock or ran (cancelled)";
            }
            if (c instanceof LockException) {
                return "while it waited for the migration lock";
            }
        }
        return SqlErrors.isLockNotGranted(e) ? "while it paused before retrying a refused lock" : "between two changeSets";
    }

    /** Clears the worker's interrupt once the run has stopped, so the error path can still open a connection. */
    private void clearInterrupt() {
        if (Thread.currentThread() == worker) {
            Thread.interrupted();
        }
    }

    /** Sleeps up to {@code d}; true when a stop was asked meanwhile (or before). */
    boolean pause(Duration d) {
        try {
            return requested.await(d.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            return true;
        }
    }

    /** A writing session of this run, whose statement in flight a request cancels. */
    void register(Connection c) {
        sessions.add(c);
    }

    void unregister(Connection c) {
        sessions.remove(c);
    }
}
