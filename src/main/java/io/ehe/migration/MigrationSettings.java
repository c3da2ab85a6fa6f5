package io.ehe.migration;

import java.time.Duration;

/**
 * What a migration run may do and how patiently.
 *
 * @param lockTimeout      lock_timeout for every DDL statement of the changelog (PostgreSQL syntax, e.g. "5s")
 * @param indexLockTimeout lock_timeout for CREATE INDEX CONCURRENTLY, which waits for older transactions
 * @param withBaseline     create the two upstream tables first (development, tests, demo only)
 * @param maxAttempts      how many times a changeSet whose lock was not granted is tried
 * @param firstBackoff     pause after the first refusal; doubles each time, capped at 60 s
 */
public record MigrationSettings(String lockTimeout, String indexLockTimeout, boolean withBaseline,
                                int maxAttempts, Duration firstBackoff) {

    public static final String DEFAULT_LOCK_TIMEOUT = "5s";
    public static final String DEFAULT_INDEX_LOCK_TIMEOUT = "10min";
    public static final int DEFAULT_ATTEMPTS = 5;

    public static MigrationSettings defaults() {
        return new MigrationSettings(DEFAULT_LOCK_TIMEOUT, DEFAULT_INDEX_LOCK_TIMEOUT, false, DEFAULT_ATTEMPTS,
                Duration.ofSeconds(2));
    }

    public MigrationSettings withBaseline(boolean baseline) {
        return new MigrationSettings(lockTimeout, indexLockTimeout, baseline, maxAttempts, firstBackoff);
    }

    public MigrationSettings withLockTimeout(String timeout) {
        return new MigrationSettings(timeout, indexLockTimeout, withBaseline, maxAttempts, firstBackoff);
    }

    public MigrationSettings withIndexLockTimeout(String timeout) {
        return new MigrationSettings(lockTimeout, timeout, withBaseline, maxAttempts, firstBackoff);
    }

    public MigrationSettings withRetries(int attempts, Duration backoff) {
        return new MigrationSettings(lockTimeout, indexLockTimeout, withBaseline, attempts, backoff);
    }

    public Duration backoff(int attempt) {
        long millis = firstBackoff.toMillis() << Math.min(attempt - 1, 16);
        return Duration.ofMillis(Math.min(millis, 60_000L));
    }
}
