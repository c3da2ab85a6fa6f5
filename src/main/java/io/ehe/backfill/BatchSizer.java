package io.ehe.backfill;

import java.time.Duration;

/**
 * Chooses the next batch's size. Fixed: always {@code --batch-size}. Adaptive: the first batch walks
 * a tenth of {@code --batch-size}, because nothing is known yet and a cold first batch (plan, pages,
 * connection) measured two to four times the per-row cost of the later ones: at full size it was the
 * slowest lock hold of the whole run. After that, from the last batches' lock-hold time per row, the
 * size that would hold the locks for {@code --target-batch-ms}; it may at most double from one batch
 * to the next (one fast batch on a warm cache must not make the next one huge) but shrinks at once
 * (a slow batch is what hurts the application). Clamped to [batchSize/100, 10 x batchSize] within
 * [1, 1,000,000]. In both modes a statement timeout halves the size, so a retry can get through.
 */
final class BatchSizer {

    private final boolean adaptive;
    private final double targetMillis;
    private final int min;
    private final int max;
    private int current;
    private double millisPerRow = -1;

    BatchSizer(BackfillSettings settings) {
        this.adaptive = settings.adaptive();
        this.targetMillis = adaptive ? settings.targetBatch().toMillis() : 0;
        this.min = Math.max(1, settings.batchSize() / 100);
        this.current = adaptive ? Math.max(min, settings.batchSize() / 10) : settings.batchSize();
        this.max = (int) Math.min(BackfillSettings.MAX_BATCH_SIZE, 10L * settings.batchSize());
    }

    int next() {
        return current;
    }

    /** Learns from a committed batch that walked {@code rows} rows and held its locks for {@code held}. */
    void observe(long rows, Duration held) {
        if (!adaptive || rows <= 0) {
            return;
        }
        double perRow = Math.max(held.toNanos() / 1e6, 0.01) / rows;
        // Smooth over two batches: one batch that waited on I/O should not halve the next blindly.
        millisPerRow = millisPerRow < 0 ? perRow : 0.5 * millisPerRow + 0.5 * perRow;
        double ideal = targetMillis / Math.max(millisPerRow, perRow);
        long proposed = (long) Math.min(ideal, 2.0 * current);
        current = (int) Math.max(min, Math.min(max, proposed));
    }

    /** A statement timed out: try half as many rows. */
    void onTimeout() {
        current = Math.max(1, current / 2);
    }
}
