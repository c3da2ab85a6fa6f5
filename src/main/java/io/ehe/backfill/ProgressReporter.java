package io.ehe.backfill;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;

/**
 * Logs a progress line every --progress-interval and on demand. Rows left are estimated without
 * counting (a count is a full scan): the table's row estimate spread evenly over [min(id), max(id)],
 * times the ids still ahead of the cursor in this shard's range.
 */
final class ProgressReporter {

    private static final Logger LOG = LoggerFactory.getLogger("backfill");

    private final Shard shard;
    private final Duration interval;
    private final BackfillListener listener;
    private final double rowsPerId;
    private final long effectiveEnd;
    private final long floor;
    private final String counts;
    private final long startedNanos = System.nanoTime();
    private long lastReportNanos = System.nanoTime();

    ProgressReporter(ShardProgress progress, TableEstimate estimate, Duration interval, BackfillListener listener, String counts) {
        this.counts = counts;
        this.shard = progress.shard();
        this.interval = interval;
        this.listener = listener;
        this.rowsPerId = estimate.rowsPerId();
        this.effectiveEnd = Math.min(progress.rangeEnd(), estimate.maxId());
        this.floor = Math.max(progress.rangeStart(), estimate.minId() - 1);
    }

    void maybeReport(long cursor, long walked, long setTrue, long setFalse, long walkedThisRun, int batchSize) {
        if (System.nanoTime() - lastReportNanos >= interval.toNanos()) {
            report(cursor, walked, setTrue, setFalse, walkedThisRun, batchSize);
        }
    }

    ProgressSnapshot report(long cursor, long walked, long setTrue, long setFalse, long walkedThisRun, int batchSize) {
        lastReportNanos = System.nanoTime();
        double seconds = Math.max(1e-3, (lastReportNanos - startedNanos) / 1e9);
        double rate = walkedThisRun / seconds;
        long left = cursor >= effectiveEnd ? 0 : (long) Math.ceil(rowsPerId * ((double) effectiveEnd - Math.max(cursor, floor)));
        Duration eta = rate > 0 ? Duration.ofMillis((long) (left / rate * 1000)) : null;
        ProgressSnapshot snapshot = new ProgressSnapshot(shard, walked, setTrue, setFalse, left, rate, eta, batchSize);
        LogLine.info(LOG, snapshot.line(counts), snapshot.fields());
        listener.onProgress(snapshot);
        return snapshot;
    }

}
