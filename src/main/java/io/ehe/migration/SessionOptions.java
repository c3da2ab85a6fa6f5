package io.ehe.migration;

import io.ehe.db.DatabaseUrl;
import io.ehe.db.PgDuration;
import io.ehe.db.StartupOptions;


/**
 * Adds server settings to the startup packet of the runner's sessions ({@code options=-c name=value}).
 *
 * Why the startup packet and not a SET after connecting: the changeSets that must change
 * lock_timeout for one statement end with {@code RESET lock_timeout}. RESET returns to the session's
 * startup value, so only a startup option keeps Liquibase's own statements after such a changeSet
 * (DATABASECHANGELOG insert, the next changeSet's preconditions) under the short timeout; after a
 * plain SET they would fall back to the server default, usually "wait forever".
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
        out = withSetting(out, "ehe.lock_timeout", ddl);
        return withSetting(out, "ehe.index_lock_timeout", PgDuration.parse(indexLockTimeout).toString());
    }

    static DatabaseUrl withSetting(DatabaseUrl url, String name, String value) {
        return StartupOptions.with(url, name, value);
    }
}
