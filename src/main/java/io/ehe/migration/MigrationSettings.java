package io.ehe.migration;

import io.ehe.catalog.Design;

import java.time.Duration;

/**
 * What a migration run may do and how patiently.
 *
 * @param lockTimeout      lock_timeout for every DDL statement of the changelog (PostgreSQL syntax, e.g. "5s")
 * @param indexLockTimeout lock_timeout for CREATE INDEX CONCURRENTLY, which waits for older transactions
 * @param withBaseline     create the two upstream tables first (development, tests, demo only)
 * @param maxAttempts      how many times a changeSet whose lock was not granted is tried
 * @param firstBackoff     pause after the first refusal; doubles each time, capped at 60 s
 * @param design           which design an update installs (the changelog parameter ehe.design and a
 *                         label filter); rollback and status read every changeSet regardless
 * @param waitLogEvery     how often a lock wait logs whom it waits for ({@link WaitWatch}, the migration lock's
 *                         poll); positive
 */
public record MigrationSettings(String lockTimeout, String indexLockTimeout, boolean withBaseline,
                                int maxAttempts, Duration firstBackoff, Design design, Duration waitLogEvery) {

    public static final String DEFAULT_LOCK_TIMEOUT = "5s";
    public static final String DEFAULT_INDEX_LOCK_TIMEOUT = "10min";
    public static final int DEFAULT_ATTEMPTS = 5;
    public static final Duration DEFAULT_WAIT_LOG_EVERY = Duration.ofSeconds(10);

    public static MigrationSettings defaults() {
        return new MigrationSettings(DEFAULT_LOCK_TIMEOUT, DEFAULT_INDEX_LOCK_TIMEOUT, false, DEFAULT_ATTEMPTS,
                Duration.ofSeconds(2), Design.DEFAULT, DEFAULT_WAIT_LOG_EVERY);
    }

    public MigrationSettings withBaseline(boolean baseline) {
        return new MigrationSettings(lockTimeout, indexLockTimeout, baseline, maxAttempts, firstBackoff, design, waitLogEvery);
    }

    public MigrationSettings withLockTimeout(String timeout) {
        return new MigrationSettings(timeout, indexLockTimeout, withBaseline, maxAttempts, firstBackoff, design, waitLogEvery);
    }

    public MigrationSettings withIndexLockTimeout(String timeout) {
        return new MigrationSettings(lockTimeout, timeout, withBaseline, maxAttempts, firstBackoff, design, waitLogEvery);
    }

    public MigrationSettings withRetries(int attempts, Duration backoff) {
        return new MigrationSettings(lockTimeout, indexLockTimeout, withBaseline, attempts, backoff, design, waitLogEvery);
    }

    public MigrationSettings withDesign(Design d) {
        return new MigrationSettings(lockTimeout, indexLockTimeout, withBaseline, maxAttempts, firstBackoff, d, waitLogEvery);
    }

    public MigrationSettings withWaitLogEvery(Duration every) {
        return new MigrationSettings(lockTimeout, indexLockTimeout, withBaseline, maxAttempts, firstBackoff, design, every);
    }

    public Duration backoff(int attempt) {
        long millis = firstBackoff.toMillis() << Math.min(attempt - 1, 16);
        return Duration.ofMillis(Math.min(millis, 60_000L));
    }
}
