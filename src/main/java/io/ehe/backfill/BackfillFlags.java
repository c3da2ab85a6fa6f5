package io.ehe.backfill;

import io.ehe.db.PgDuration;

import java.time.Duration;

/**
 * The command line's values (null = not given) turned into {@link BackfillSettings}; every check
 * happens here or in the settings' constructor, before anything connects.
 *
 * <p>Batch sizing: adaptive by default (reference size 10000, first batch 1000, aim at 150 ms). {@code --target-batch-ms}
 * alone or with {@code --batch-size}: adaptive from that start. {@code --batch-size} alone: a fixed
 * size, for an operator who wants exactly N rows per transaction.
 */
public record BackfillFlags(Integer batchSize, Integer targetBatchMs, String sleep, Long maxRows, String maxDuration,
                            String lockTimeout, String statementTimeout, Integer maxRetries, String shard, Integer shards,
                            String jobCompletionIndex, boolean thenMigrate, String progressInterval) {

    public BackfillSettings toSettings() {
        BackfillSettings d = BackfillSettings.defaults();
        if (batchSize != null && (batchSize < 1 || batchSize > BackfillSettings.MAX_BATCH_SIZE)) {
            throw new IllegalArgumentException("--batch-size must be between 1 and " + BackfillSettings.MAX_BATCH_SIZE
                    + " (got " + batchSize + ")");
        }
        if (targetBatchMs != null && (targetBatchMs < 10 || targetBatchMs > 60_000)) {
            throw new IllegalArgumentException("--target-batch-ms must be between 10 and 60000 (got " + targetBatchMs + ")");
        }
        if (maxRows != null && (maxRows < 1 || maxRows > BackfillSettings.MAX_ROWS_LIMIT)) {
            throw new IllegalArgumentException("--max-rows must be between 1 and " + BackfillSettings.MAX_ROWS_LIMIT
                    + " (got " + maxRows + ")");
        }
        if (shard != null && shards != null) {
            throw new IllegalArgumentException("--shard and --shards are alternatives: give one");
        }
        int size = batchSize != null ? batchSize : d.batchSize();
        Duration target = targetBatchMs != null ? Duration.ofMillis(targetBatchMs)
                : batchSize != null ? null : d.targetBatch();
        Shard s = shard != null ? Shard.parse(shard)
                : shards != null ? Shard.fromJobIndex(shards, jobCompletionIndex) : Shard.whole();
        return new BackfillSettings(size, target,
                sleep != null ? duration("--sleep", sleep) : d.sleep(),
                maxRows != null ? maxRows : 0,
                maxDuration != null ? duration("--max-duration", maxDuration) : null,
                lockTimeout != null ? duration("--lock-timeout", lockTimeout) : d.lockTimeout(),
                statementTimeout != null ? duration("--statement-timeout", statementTimeout) : d.statementTimeout(),
                maxRetries != null ? maxRetries : d.maxRetries(),
                s, thenMigrate,
                progressInterval != null ? duration("--progress-interval", progressInterval) : d.progressInterval());
    }

    /** Zero passes here ({@code --sleep 0ms}); each setting's own range check refuses it where it means "forever". */
    private static Duration duration(String flag, String text) {
        try {
            return PgDuration.parse(text, true).toDuration();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(flag + ": " + e.getMessage(), e);
        }
    }
}
