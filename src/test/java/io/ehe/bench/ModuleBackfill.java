package io.ehe.bench;

import io.ehe.backfill.Backfill;
import io.ehe.backfill.BackfillListener;
import io.ehe.backfill.BackfillSettings;
import io.ehe.backfill.BackfillSummary;
import io.ehe.backfill.BatchResult;
import io.ehe.testing.TestDatabase;

import java.util.ArrayList;
import java.util.List;

/** This module's backfill, with its default settings, through its Java API (the same code the CLI runs). */
final class ModuleBackfill implements BackfillStrategy {

    private final BackfillSettings settings;
    private final String label;

    ModuleBackfill(BackfillSettings settings, String label) {
        this.settings = settings;
        this.label = label;
    }

    static ModuleBackfill defaults() {
        return new ModuleBackfill(BackfillSettings.defaults(), "this module (defaults)");
    }

    @Override
    public String name() {
        return label;
    }

    @Override
    public Result fill(TestDatabase db) throws Exception {
        List<Double> batches = new ArrayList<>();
        List<double[]> progress = new ArrayList<>();
        progress.add(new double[]{0, 0});
        long start = System.nanoTime();
        long[] done = {0};
        BackfillSummary summary = Backfill.run(db.connections(), settings, new BackfillListener() {
            @Override
            public void onBatch(BatchResult batch) {
                batches.add(batch.lockHeld().toNanos() / 1e6);
                done[0] += batch.updated();
                progress.add(new double[]{(System.nanoTime() - start) / 1e6, done[0]});
            }
        });
        lastSummary = summary;
        return new Result(batches, progress, done[0]);
    }

    BackfillSummary lastSummary;
}
