package io.ehe.bench;

import io.ehe.migration.ChangelogRunner;
import io.ehe.testing.Migrations;
import io.ehe.testing.TestDatabase;

import java.util.ArrayList;
import java.util.List;

/**
 * The deferred changeSets (CREATE INDEX CONCURRENTLY, then NOT NULL) through the module's runner, with
 * the app writing meanwhile; repeated by rolling both back (050, then 040) and applying them again.
 */
final class IndexBuildBench {

    /** @param writesDuring median count of the app's writes completed while one migrate ran */
    record Result(Stats migrateMillis, int writesDuring, Stats writerLatency, String indexSize) {
    }

    static Result run(TestDatabase db, int writesPerSecond, int repeats) throws Exception {
        List<Double> millis = new ArrayList<>();
        List<Double> writes = new ArrayList<>();
        List<Double> latencies = new ArrayList<>();
        ChangelogRunner runner = new ChangelogRunner(db.connections(), Migrations.settings(false));
        for (int i = 0; i < repeats; i++) {
            if (i > 0) {
                runner.rollbackCount(2);
            }
            try (SteadyWriter writer = new SteadyWriter(db, writesPerSecond)) {
                Thread.sleep(500);
                int before = writer.writes();
                int latenciesBefore = writer.embeddingInsertCount();
                long t0 = System.nanoTime();
                runner.update(null, null);
                millis.add((System.nanoTime() - t0) / 1e6);
                writes.add((double) (writer.writes() - before));
                latencies.addAll(writer.embeddingLatenciesSince(latenciesBefore));
            }
            if (db.queryLong("SELECT count(*) FROM pg_index WHERE indexrelid = to_regclass('public.idx_events_pending_embedding') AND indisvalid") != 1) {
                throw new IllegalStateException("the index was not built");
            }
        }
        return new Result(Stats.of(millis), (int) Stats.of(writes).median(), Stats.of(latencies),
                db.queryString("SELECT pg_size_pretty(pg_relation_size('public.idx_events_pending_embedding'))"));
    }
}
