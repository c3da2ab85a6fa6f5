package io.ehe.backfill;

/** Hooks for a caller of the Java API (the benchmark, tests): called on the backfill's thread. */
public interface BackfillListener {

    BackfillListener NONE = new BackfillListener() {
    };

    /** After every committed batch, walk and sweep alike. */
    default void onBatch(BatchResult batch) {
    }

    /** Every --progress-interval and once at the end of the walk. */
    default void onProgress(ProgressSnapshot progress) {
    }
}
