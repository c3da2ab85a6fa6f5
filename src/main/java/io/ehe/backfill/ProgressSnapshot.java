package io.ehe.backfill;

import io.ehe.db.PgDuration;

import java.time.Duration;

/**
 * Where a shard stands: rows walked and filled so far (all runs), an estimate of the rows left to
 * walk (from the table's row estimate and the id range still ahead), the walk rate of this run, the
 * ETA at that rate, and the batch size in use.
 */
public record ProgressSnapshot(Shard shard, long rowsWalked, long rowsTrue, long rowsFalse, long rowsLeftEstimate,
                               double rowsPerSecond, Duration eta, int batchSize) {

    public String line() {
        return String.format("backfill %s: %,d rows walked (%,d set true, %,d set false), ~%,d left, %,.0f rows/s, ETA %s, batch %,d",
                shard, rowsWalked, rowsTrue, rowsFalse, rowsLeftEstimate, rowsPerSecond,
                eta == null ? "unknown" : PgDuration.human(eta), batchSize);
    }
}
