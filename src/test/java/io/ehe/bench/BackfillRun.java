package io.ehe.bench;

import java.util.List;

/**
 * One backfill strategy's run on one fresh copy of the data.
 *
 * @param batchMillis how long each transaction held its row locks (the whole run for the single UPDATE)
 * @param progress    (elapsed ms, rows committed so far) after each commit, for the plot
 * @param autovacuums autovacuum runs on events that finished during the backfill (they share the cores)
 * @param vacuumMillis a manual VACUUM of events right after: the dead rows the strategy left behind
 */
record BackfillRun(String strategy, double wallMillis, List<Double> batchMillis, List<double[]> progress,
                   long rowsUpdated, long updates, long hotUpdates, Stats writerLatency, int writerWrites,
                   long autovacuums, double vacuumMillis) {

    double hotRatio() {
        return updates == 0 ? 0 : (double) hotUpdates / updates;
    }
}
