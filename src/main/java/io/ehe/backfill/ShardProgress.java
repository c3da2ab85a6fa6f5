package io.ehe.backfill;

/**
 * One row of the progress table: shard {@code index}/{@code count} walks the ids in
 * ({@code rangeStart}, {@code rangeEnd}] ({@link Long#MAX_VALUE} = unbounded above); every id up to
 * {@code lastId} has been walked by a committed batch. Counters are cumulative over all runs.
 */
public record ShardProgress(Shard shard, long rangeStart, long rangeEnd, long lastId, boolean walked, boolean done,
                            long rowsScanned, long rowsTrue, long rowsFalse, long batches) {

    public boolean unboundedAbove() {
        return rangeEnd == Long.MAX_VALUE;
    }

    /** An id bound as logs and status print it: the sentinels of an open range read as -inf / +inf. */
    public static String bound(long id) {
        return id == Long.MIN_VALUE ? "-inf" : id == Long.MAX_VALUE ? "+inf" : Long.toString(id);
    }
}
