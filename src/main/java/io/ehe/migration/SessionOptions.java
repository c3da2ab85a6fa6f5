package io.ehe.migration;

import io.ehe.db.DatabaseUrl;
import io.ehe.db.PgDuration;
import io.ehe.db.StartupOptions;
import io.ehe.db.UnsuitableConnectionException;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Adds server settings to the startup packet of the runner's sessions ({@code options=-c name=value}).
 *
 * Why the startup packet and not a SET after connecting: the changeSets that must change
 * lock_timeout for one statement end with {@code RESET lock_timeout}. RESET returns to the session's
 * startup value, so only a startup option keeps Liquibase's own statements after such a changeSet
 * (DATABASECHANGELOG insert, the next changeSet's preconditions) under the short timeout; after a
 * plain SET they would fall back to the server default, usually "wait forever".
 *
 * Every timeout the runner relies on is set here, per statement kind, and read back after connecting
 * ({@link #requireTimeouts}), so that a role or database default ({@code ALTER ROLE migrator SET
 * statement_timeout = '150ms'}, issue 24) changes nothing (startup options outrank role and database
 * settings in PostgreSQL):
 * <ul>
 * <li>lock_timeout: the DDL's wait for a lock (--lock-timeout); each changeSet sets its own from
 *     ehe.lock_timeout / ehe.index_lock_timeout (the index build's wait for older transactions);</li>
 * <li>statement_timeout 0: no statement of the runner is cut short by time. A CREATE INDEX
 *     CONCURRENTLY cancelled half way leaves an INVALID index, and every wait it has is a lock wait
 *     already bounded by the index lock timeout; the DDL's waits are bounded by lock_timeout;</li>
 * <li>idle_in_transaction_session_timeout 0: between two statements of a changeSet's transaction the
 *     runner is working (Liquibase, the lock retries), never idle on purpose; being killed there would
 *     drop the migration lock with the session;</li>
 * <li>transaction_timeout 0 (PostgreSQL 17+, where it exists; a plain SET after the session check,
 *     since a startup option naming it fails on 14-16): same reason as statement_timeout.</li>
 * </ul>
 */
public final class SessionOptions {

    private SessionOptions() {
    }

    public static DatabaseUrl withLockTimeout(DatabaseUrl url, String lockTimeout) {
        return withSetting(url, "lock_timeout", PgDuration.parse(lockTimeout).toString());
    }

    /**
     * lock_timeout for Liquibase's own statements, plus the two custom settings the changeSets read
     * ({@code ehe.lock_timeout}, {@code ehe.index_lock_timeout}) to set their own timeouts.
     */
    public static DatabaseUrl withLockTimeouts(DatabaseUrl url, String lockTimeout, String indexLockTimeout) {
        String ddl = PgDuration.parse(lockTimeout).toString();
        DatabaseUrl out = withSetting(url, "lock_timeout", ddl);
        out = withSetting(out, "statement_timeout", "0");
        out = withSetting(out, "idle_in_transaction_session_timeout", "0");
        out = withSetting(out, "ehe.lock_timeout", ddl);
        return withSetting(out, "ehe.index_lock_timeout", PgDuration.parse(indexLockTimeout).toString());
    }

    static DatabaseUrl withSetting(DatabaseUrl url, String name, String value) {
        return StartupOptions.with(url, name, value);
    }

    /**
     * The timeouts a writing session must carry (milliseconds, as pg_settings reports them), read back
     * right after connecting; sets transaction_timeout on PostgreSQL 17+. Throws
     * UnsuitableConnectionException naming the first setting that differs (something between the runner
     * and PostgreSQL rewrote the startup options), before anything is written.
     */
    public static void requireTimeouts(Connection connection, String lockTimeout) throws SQLException {
        if (connection.getMetaData().getDatabaseMajorVersion() >= 17) {
            try (Statement st = connection.createStatement()) {
                st.execute("SET transaction_timeout = 0");
            }
        }
        Map<String, Long> expected = new LinkedHashMap<>();
        expected.put("lock_timeout", PgDuration.parse(lockTimeout).toDuration().toMillis());
        expected.put("statement_timeout", 0L);
        expected.put("idle_in_transaction_session_timeout", 0L);
        expected.put("transaction_timeout", 0L);
        try (PreparedStatement ps = connection.prepareStatement(
                "SELECT name, setting::bigint FROM pg_catalog.pg_settings WHERE name = ANY (?)")) {
            ps.setArray(1, connection.createArrayOf("text", expected.keySet().toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    long want = expected.get(rs.getString(1));
                    if (rs.getLong(2) != want) {
                        throw new UnsuitableConnectionException("the runner's session has " + rs.getString(1) + " = " + rs.getLong(2)
                                + " ms where it set " + want + " ms: something between the runner and PostgreSQL rewrites startup"
                                + " options; connect the runner to PostgreSQL itself");
                    }
                }
            }
        }
    }
}
