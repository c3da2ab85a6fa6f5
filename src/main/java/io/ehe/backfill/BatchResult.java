package io.ehe.backfill;

import java.time.Duration;

/**
 * One committed batch: the ids ({@code fromExclusive}, {@code toInclusive}] were walked,
 * {@code scanned} rows of them read, {@code setTrue}/{@code setFalse} NULL rows filled;
 * {@code lockHeld} is the time from the start of the locking statement to the end of the commit,
 * the longest any of its row locks can have been held.
 */
public record BatchResult(long fromExclusive, long toInclusive, long scanned, long setTrue, long setFalse,
                          Duration lockHeld, int batchSize) {

    public long updated() {
        return setTrue + setFalse;
    }
}
