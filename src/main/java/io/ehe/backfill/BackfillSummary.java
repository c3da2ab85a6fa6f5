package io.ehe.backfill;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What one run did. {@code rowsScanned} counts the rows the keyset walk read in this run (a restart
 * after SIGKILL reads only what lies beyond the last committed batch); {@code sweepFilled} the NULL
 * rows the final sweep filled; {@code lockHolds} the lock-hold time of every batch, in order;
 * {@code countKeys} the summary's names for rowsTrue and rowsFalse, which the design's step says
 * ({@link FillStep#countKeys()}): what the pending-table fill counts is no row set true or false.
 */
public record BackfillSummary(Status status, Shard shard, long rowsTrue, long rowsFalse, long batches, long retries,
                              long rowsScanned, long sweepFilled, long rowsLeftLocked, Duration wall,
                              List<Duration> lockHolds, int lastBatchSize, boolean allShardsDone, boolean migrated,
                              List<String> countKeys) {

    /** The column backfill's summary: its two counts under the keys rows_true and rows_false. */
    public BackfillSummary(Status status, Shard shard, long rowsTrue, long rowsFalse, long batches, long retries,
                           long rowsScanned, long sweepFilled, long rowsLeftLocked, Duration wall,
                           List<Duration> lockHolds, int lastBatchSize, boolean allShardsDone, boolean migrated) {
        this(status, shard, rowsTrue, rowsFalse, batches, retries, rowsScanned, sweepFilled, rowsLeftLocked, wall,
                lockHolds, lastBatchSize, allShardsDone, migrated, FillStep.COLUMN_COUNT_KEYS);
    }

    public enum Status {
        /** No NULL left in the shard's range. */
        COMPLETE,
        /** A previous run had completed this shard; nothing to do. */
        ALREADY_COMPLETE,
        /** SIGTERM/SIGINT or a caller's stop request; safe to resume. */
        STOPPED,
        /** --max-rows reached; safe to resume. */
        MAX_ROWS,
        /** --max-duration reached; safe to resume. */
        MAX_DURATION,
        /** The final sweep gave up on rows other transactions kept locked; run again. */
        ROWS_LOCKED;

        public boolean complete() {
            return this == COMPLETE || this == ALREADY_COMPLETE;
        }
    }

    public boolean complete() {
        return status.complete();
    }

    /** The p-th percentile (0..100) of the batch lock-hold times, nearest rank; zero without batches. */
    public Duration lockHoldPercentile(double p) {
        if (lockHolds.isEmpty()) {
            return Duration.ZERO;
        }
        List<Duration> sorted = lockHolds.stream().sorted().toList();
        int rank = (int) Math.ceil(p / 100.0 * sorted.size());
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, rank - 1)));
    }

    /** One line of key=value pairs (stable names: tests and scripts parse it). */
    public String line() {
        return String.format("backfill summary: status=%s shard=%s %s=%d %s=%d batches=%d retries=%d"
                        + " rows_scanned=%d sweep_filled=%d rows_left_locked=%d wall_ms=%d p99_lock_ms=%d last_batch_size=%d"
                        + " all_shards_done=%s migrated=%s",
                status.name().toLowerCase(), shard, countKeys.get(0), rowsTrue, countKeys.get(1), rowsFalse, batches, retries,
                rowsScanned, sweepFilled,
                rowsLeftLocked, wall.toMillis(), lockHoldPercentile(99).toMillis(), lastBatchSize, allShardsDone, migrated);
    }

    /**
     * The summary's keys and values as log fields: the same names as {@link #line()}, plus
     * {@code log_event} and the shard's index and count as numbers (README "JSON logs").
     */
    public Map<String, Object> fields() {
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("log_event", "backfill_summary");
        f.put("status", status.name().toLowerCase());
        f.putAll(shard.logFields());
        f.put(countKeys.get(0), rowsTrue);
        f.put(countKeys.get(1), rowsFalse);
        f.put("batches", batches);
        f.put("retries", retries);
        f.put("rows_scanned", rowsScanned);
        f.put("sweep_filled", sweepFilled);
        f.put("rows_left_locked", rowsLeftLocked);
        f.put("wall_ms", wall.toMillis());
        f.put("p99_lock_ms", lockHoldPercentile(99).toMillis());
        f.put("last_batch_size", lastBatchSize);
        f.put("all_shards_done", allShardsDone);
        f.put("migrated", migrated);
        return f;
    }
}
