package io.ehe.backfill;

import io.ehe.db.PgDuration;

import java.time.Duration;

/**
 * Everything a backfill run may do, validated when built (so the CLI refuses a bad value before any
 * connection is made, and the in-process API cannot be handed one either).
 *
 * @param batchSize        rows per batch when fixed; when adaptive, the reference size (the first batch walks a tenth of it)
 * @param targetBatch      adaptive sizing: aim for batches that hold their row locks about this long;
 *                         {@code null} means a fixed batch size
 * @param sleep            pause after every committed batch (0 = none)
 * @param maxRows          stop (safe to resume) after walking this many rows in this run; 0 = no limit
 * @param maxDuration      stop (safe to resume) after this long; {@code null} = no limit
 * @param lockTimeout      lock_timeout of every batch transaction (SET LOCAL)
 * @param statementTimeout statement_timeout of every batch transaction (SET LOCAL)
 * @param maxRetries       how many times one batch is retried after a transient error
 * @param shard            which part of the id space this process walks
 * @param thenMigrate      once no NULL is left, apply the deferred changeSets (index, NOT NULL)
 * @param progressInterval how often a progress line is logged
 */
public record BackfillSettings(int batchSize, Duration targetBatch, Duration sleep, long maxRows, Duration maxDuration,
                               Duration lockTimeout, Duration statementTimeout, int maxRetries, Shard shard,
                               boolean thenMigrate, Duration progressInterval) {

    public static final int DEFAULT_BATCH_SIZE = 10_000;
    public static final int MAX_BATCH_SIZE = 1_000_000;
    /** The tail overshoots the aim by about half (a checkpoint or WAL flush lands on some batch): 150 keeps p99 under 250 ms. */
    public static final Duration DEFAULT_TARGET_BATCH = Duration.ofMillis(150);
    public static final Duration DEFAULT_LOCK_TIMEOUT = Duration.ofSeconds(2);
    public static final Duration DEFAULT_STATEMENT_TIMEOUT = Duration.ofSeconds(30);
    public static final int DEFAULT_MAX_RETRIES = 10;
    public static final Duration DEFAULT_PROGRESS_INTERVAL = Duration.ofSeconds(5);
    public static final long MAX_ROWS_LIMIT = 1_000_000_000_000L;

    public BackfillSettings {
        range("--batch-size", batchSize, 1, MAX_BATCH_SIZE);
        if (targetBatch != null) {
            range("--target-batch-ms", targetBatch, Duration.ofMillis(10), Duration.ofMinutes(1));
        }
        range("--sleep", sleep, Duration.ZERO, Duration.ofHours(1));
        if (maxRows != 0) {
            range("--max-rows", maxRows, 1, MAX_ROWS_LIMIT);
        }
        if (maxDuration != null) {
            range("--max-duration", maxDuration, Duration.ofSeconds(1), Duration.ofDays(30));
        }
        range("--lock-timeout", lockTimeout, Duration.ofMillis(1), Duration.ofMinutes(10));
        range("--statement-timeout", statementTimeout, Duration.ofMillis(100), Duration.ofHours(1));
        range("--max-retries", maxRetries, 0, 1000);
        if (shard == null) {
            throw new IllegalArgumentException("shard is required (Shard.whole() for the whole table)");
        }
        range("--progress-interval", progressInterval, Duration.ofSeconds(1), Duration.ofHours(1));
    }

    public static BackfillSettings defaults() {
        return new BackfillSettings(DEFAULT_BATCH_SIZE, DEFAULT_TARGET_BATCH, Duration.ZERO, 0, null,
                DEFAULT_LOCK_TIMEOUT, DEFAULT_STATEMENT_TIMEOUT, DEFAULT_MAX_RETRIES, Shard.whole(), false,
                DEFAULT_PROGRESS_INTERVAL);
    }

    public boolean adaptive() {
        return targetBatch != null;
    }

    /** A fixed batch size (adaptive sizing off). */
    public BackfillSettings withFixedBatchSize(int n) {
        return new BackfillSettings(n, null, sleep, maxRows, maxDuration, lockTimeout, statementTimeout, maxRetries,
                shard, thenMigrate, progressInterval);
    }

    /** Adaptive sizing aiming at {@code target} per batch, starting at {@code start} rows. */
    public BackfillSettings withAdaptiveBatch(int start, Duration target) {
        return new BackfillSettings(start, target, sleep, maxRows, maxDuration, lockTimeout, statementTimeout, maxRetries,
                shard, thenMigrate, progressInterval);
    }

    public BackfillSettings withSleep(Duration d) {
        return new BackfillSettings(batchSize, targetBatch, d, maxRows, maxDuration, lockTimeout, statementTimeout,
                maxRetries, shard, thenMigrate, progressInterval);
    }

    public BackfillSettings withLimits(long rows, Duration duration) {
        return new BackfillSettings(batchSize, targetBatch, sleep, rows, duration, lockTimeout, statementTimeout,
                maxRetries, shard, thenMigrate, progressInterval);
    }

    public BackfillSettings withTimeouts(Duration lock, Duration statement, int retries) {
        return new BackfillSettings(batchSize, targetBatch, sleep, maxRows, maxDuration, lock, statement, retries,
                shard, thenMigrate, progressInterval);
    }

    public BackfillSettings withShard(Shard s) {
        return new BackfillSettings(batchSize, targetBatch, sleep, maxRows, maxDuration, lockTimeout, statementTimeout,
                maxRetries, s, thenMigrate, progressInterval);
    }

    public BackfillSettings withThenMigrate(boolean migrate) {
        return new BackfillSettings(batchSize, targetBatch, sleep, maxRows, maxDuration, lockTimeout, statementTimeout,
                maxRetries, shard, migrate, progressInterval);
    }

    public BackfillSettings withProgressInterval(Duration d) {
        return new BackfillSettings(batchSize, targetBatch, sleep, maxRows, maxDuration, lockTimeout, statementTimeout,
                maxRetries, shard, thenMigrate, d);
    }

    private static void range(String flag, long value, long min, long max) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(flag + " must be between " + min + " and " + max + " (got " + value + ")");
        }
    }

    private static void range(String flag, Duration value, Duration min, Duration max) {
        if (value == null) {
            throw new IllegalArgumentException(flag + " is required");
        }
        if (value.compareTo(min) < 0 || value.compareTo(max) > 0) {
            throw new IllegalArgumentException(flag + " must be between " + PgDuration.human(min) + " and "
                    + PgDuration.human(max) + " (got " + PgDuration.human(value) + ")");
        }
    }
}
