package io.ehe.cli;

import io.ehe.db.PgDuration;
import io.ehe.migration.MigrationSettings;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.time.Duration;

/** How patient migrate and rollback are with locks: shared by both commands; --lock-timeout is {@link LockTimeoutOption}. */
public final class LockOptions {

    @Mixin
    LockTimeoutOption lockTimeout;

    @Option(names = "--index-lock-timeout", paramLabel = "DURATION", converter = DurationConverter.class,
            defaultValue = "${env:EHE_INDEX_LOCK_TIMEOUT:-10min}",
            description = "lock_timeout of CREATE/DROP INDEX CONCURRENTLY, which waits for older transactions but never blocks reads or writes (default: ${DEFAULT-VALUE})")
    PgDuration indexLockTimeout;

    @Option(names = "--max-attempts", paramLabel = "N", converter = PositiveIntConverter.class,
            defaultValue = "${env:EHE_MAX_ATTEMPTS:-5}",
            description = "attempts per run when a lock is not granted (default: ${DEFAULT-VALUE}, env EHE_MAX_ATTEMPTS)")
    int maxAttempts;

    @Option(names = "--retry-backoff", paramLabel = "DURATION", converter = DurationConverter.class,
            defaultValue = "${env:EHE_RETRY_BACKOFF:-2s}",
            description = "pause after the first refused lock, doubled after each further one, at most 60s (default: ${DEFAULT-VALUE})")
    PgDuration retryBackoff;

    @Option(names = "--wait-log-every", paramLabel = "DURATION", converter = DurationConverter.class,
            defaultValue = "${env:EHE_WAIT_LOG_EVERY:-10s}",
            description = "while a changeSet waits for a lock (or the run for the migration lock), log at least this often which "
                    + "changeSet waits, for whom (pid, role, state, transaction age, query start; never the query) and how long it may "
                    + "still wait (default: ${DEFAULT-VALUE}, env EHE_WAIT_LOG_EVERY)")
    PgDuration waitLogEvery;

    /** --lock-timeout, the one declaration the other commands share ({@link LockTimeoutOption}). */
    Duration lockTimeout() {
        return lockTimeout.lockTimeout();
    }

    MigrationSettings settings(boolean withBaseline) {
        return MigrationSettings.defaults()
                .withLockTimeout(lockTimeout.setting())
                .withIndexLockTimeout(indexLockTimeout.toString())
                .withRetries(maxAttempts, retryBackoff.toDuration())
                .withBaseline(withBaseline)
                .withWaitLogEvery(waitLogEvery.toDuration());
    }
}
