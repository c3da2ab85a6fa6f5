package io.ehe.backfill;

import io.ehe.db.PgDuration;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Where a shard stands: rows walked and filled so far (all runs), an estimate of the rows left to
 * walk (from the table's row estimate and the id range still ahead), the walk rate of this run, the
 * ETA at that rate, and the batch size in use.
 */
public record ProgressSnapshot(Shard shard, long rowsWalked, long rowsTrue, long rowsFalse, long rowsLeftEstimate,
                               double rowsPerSecond, Duration eta, int batchSize) {

    public String line() {
        return line(FillStep.COLUMN_COUNTS);
    }

    /** {@code counts} words rows_true and rows_false for the design ({@link FillStep#countsFormat()}). */
    public String line(String counts) {
        return String.format("backfill %s: %,d rows walked (" + counts + "), ~%,d left, %,.0f rows/s, ETA %s, batch %,d",
                shard, rowsWalked, rowsTrue, rowsFalse, rowsLeftEstimate, rowsPerSecond,
                eta == null ? "unknown" : PgDuration.human(eta), batchSize);
    }

    /**
     * The line's numbers as log fields (README "JSON logs" lists them; keep the names stable: dashboards
     * query them). {@code eta_ms} is left out while the rate is zero. The line's kind is {@code log_event},
     * not {@code event}: ECS-mapped Elasticsearch indices hold an object under {@code event}.
     */
    public Map<String, Object> fields() {
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("log_event", "backfill_progress");
        f.putAll(shard.logFields());
        f.put("rows_walked", rowsWalked);
        f.put("rows_true", rowsTrue);
        f.put("rows_false", rowsFalse);
        f.put("rows_left_estimate", rowsLeftEstimate);
        f.put("rows_per_second", Math.round(rowsPerSecond));
        if (eta != null) {
            f.put("eta_ms", eta.toMillis());
        }
        f.put("batch_size", batchSize);
        return f;
    }
}
