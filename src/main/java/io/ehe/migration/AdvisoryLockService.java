package io.ehe.migration;

import io.ehe.db.Blocker;
import liquibase.database.Database;
import liquibase.database.core.PostgresDatabase;
import liquibase.database.jvm.JdbcConnection;
import liquibase.exception.DatabaseException;
import liquibase.exception.LockException;
import liquibase.lockservice.DatabaseChangeLogLock;
import liquibase.lockservice.LockService;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Liquibase's changelog lock as a session-level PostgreSQL advisory lock instead of a row in
 * DATABASECHANGELOGLOCK.
 *
 * 1. The lock belongs to the database session: a runner killed with SIGKILL loses its connection and
 *    the server releases the lock with it. The table lock of stock Liquibase outlives the pod and the
 *    next run waits, then fails (liquibase#1311).
 * 2. Waiting is try-and-poll ({@code pg_try_advisory_lock}), each try committed at once. A blocking
 *    {@code pg_advisory_lock} would sit in an open transaction, and CREATE INDEX CONCURRENTLY run by
 *    the lock holder waits for every open transaction to end: holder and waiter would deadlock.
 * 3. Nothing is created in the database, so a dry run changes nothing.
 *
 * The runner registers it (META-INF/services). An app that runs this changelog from its own Liquibase
 * opts in by adding the events-has-embedding-&lt;version&gt;-advisory-lock.jar, which holds this class and
 * its registration only; it then takes the lock for the app's whole changelog. It needs liquibase-core
 * and the JDK, nothing else: it logs through java.util.logging, which Liquibase, Spring Boot and the
 * runner (io.ehe.migration.LogBridge) all route to their own logging.
 */
public class AdvisoryLockService implements LockService {

    /** "ehe-migr" as a bigint: the same key for every runner of this changelog. */
    public static final long LOCK_KEY = 0x6568652d6d696772L;

    private static final Logger LOG = Logger.getLogger(AdvisoryLockService.class.getName());

    private Database database;
    private boolean hasLock;
    private long waitMillis = 5 * 60_000L;
    private long recheckMillis = 1_000L;
    private long logEveryMillis = 10_000L;

    @Override
    public int getPriority() {
        return PRIORITY_DATABASE + 10;
    }

    @Override
    public boolean supports(Database database) {
        return database instanceof PostgresDatabase;
    }

    @Override
    public void setDatabase(Database database) {
        this.database = database;
    }

    @Override
    public void setChangeLogLockWaitTime(long minutes) {
        this.waitMillis = minutes * 60_000L;
    }

    @Override
    public void setChangeLogLockRecheckTime(long seconds) {
        this.recheckMillis = Math.max(200L, seconds * 1000L);
    }

    /**
     * How often a wait for the lock logs who holds it and how long it may still wait, in milliseconds
     * (the runner's --wait-log-every; 10 s when not set). Positive.
     */
    public void logWaitEvery(long millis) {
        this.logEveryMillis = Math.max(1L, millis);
    }

    /** Tests and the CLI shorten the wait without going through Liquibase's global configuration. */
    public static long configuredWaitMillis() {
        String v = System.getProperty("ehe.migrationLockWaitMillis");
        return v == null ? -1 : Long.parseLong(v);
    }

    @Override
    public boolean hasChangeLogLock() {
        return hasLock;
    }

    @Override
    public void waitForLock() throws LockException {
        long limit = configuredWaitMillis() >= 0 ? configuredWaitMillis() : waitMillis;
        long deadline = System.currentTimeMillis() + limit;
        long nextLog = 0;
        while (!acquireLock()) {
            long now = System.currentTimeMillis();
            if (now >= deadline) {
                throw new LockException("could not acquire the migration lock (advisory lock " + LOCK_KEY
                        + ") within " + (limit / 1000) + " s: held by " + describeHolders());
            }
            if (now >= nextLog) {
                // Every interval, not once: an operator watching a wait of minutes sees it is still the same holder.
                LOG.log(Level.INFO, "waiting for the migration lock, held by {0}; gives up in {1} s if it stays held",
                        new Object[] {describeHolders(), Long.toString((deadline - now + 999) / 1000)});
                nextLog = now + logEveryMillis;
            }
            try {
                Thread.sleep(Math.min(recheckMillis, Math.max(1L, Math.min(logEveryMillis, deadline - now))));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new LockException("interrupted while waiting for the migration lock");
            }
        }
    }

    @Override
    public boolean acquireLock() throws LockException {
        if (hasLock) {
            return true;
        }
        try {
            Connection c = jdbc();
            try (PreparedStatement ps = c.prepareStatement("SELECT pg_try_advisory_lock(?)")) {
                ps.setLong(1, LOCK_KEY);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    hasLock = rs.getBoolean(1);
                }
            }
            endTransaction(c);
            return hasLock;
        } catch (SQLException | DatabaseException e) {
            throw new LockException(e);
        }
    }

    @Override
    public void releaseLock() throws LockException {
        if (!hasLock) {
            return;
        }
        try {
            Connection c = jdbc();
            if (!c.isClosed()) {
                try (PreparedStatement ps = c.prepareStatement("SELECT pg_advisory_unlock(?)")) {
                    ps.setLong(1, LOCK_KEY);
                    ps.execute();
                }
                endTransaction(c);
            }
        } catch (SQLException | DatabaseException e) {
            throw new LockException(e);
        } finally {
            hasLock = false;
        }
    }

    @Override
    public DatabaseChangeLogLock[] listLocks() throws LockException {
        try {
            List<DatabaseChangeLogLock> locks = new ArrayList<>();
            for (String holder : holders()) {
                locks.add(new DatabaseChangeLogLock(locks.size() + 1, new Date(), holder));
            }
            return locks.toArray(new DatabaseChangeLogLock[0]);
        } catch (SQLException | DatabaseException e) {
            throw new LockException(e);
        }
    }

    @Override
    public void forceReleaseLock() throws LockException {
        // Another session's advisory lock cannot be released from here, and need not be: it ends with
        // that session. Only our own is released.
        releaseLock();
    }

    @Override
    public void reset() {
        hasLock = false;
    }

    @Override
    public void init() {
        // Nothing to create: that is the point.
    }

    @Override
    public void destroy() {
        // Nothing was created.
    }

    private String describeHolders() {
        try {
            List<String> h = holders();
            return h.isEmpty() ? "a session that just ended" : String.join("; ", h);
        } catch (SQLException | DatabaseException e) {
            return "another session (" + e.getMessage() + ")";
        }
    }

    private List<String> holders() throws SQLException, DatabaseException {
        Connection c = jdbc();
        List<String> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT " + Blocker.columns("a.pid", "a")
                        + ", coalesce(a.application_name, ''), coalesce(a.client_addr::text, 'local')"
                        + " FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid"
                        + " WHERE l.locktype = 'advisory' AND l.granted AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())"
                        + " AND l.classid = ?::bigint::oid AND l.objid = ?::bigint::oid AND l.objsubid = 1")) {
            ps.setLong(1, LOCK_KEY >>> 32);
            ps.setLong(2, LOCK_KEY & 0xffffffffL);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    // As every wait names a blocker, and from where: the holder is most likely another runner.
                    out.add(Blocker.read(rs, 1).describe() + " from " + rs.getString(9)
                            + (rs.getString(8).isEmpty() ? "" : " (application " + rs.getString(8) + ")"));
                }
            }
        }
        endTransaction(c);
        return out;
    }

    private Connection jdbc() throws DatabaseException {
        if (!(database.getConnection() instanceof JdbcConnection jdbc)) {
            throw new DatabaseException("the advisory lock needs a live JDBC connection");
        }
        return jdbc.getUnderlyingConnection();
    }

    /** Never leave a transaction open on the runner's session (see 2. above). */
    private static void endTransaction(Connection c) throws SQLException {
        if (!c.getAutoCommit()) {
            c.commit();
        }
    }
}
