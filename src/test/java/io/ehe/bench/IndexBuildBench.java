package io.ehe.bench;

import io.ehe.migration.ChangelogRunner;
import io.ehe.testing.Migrations;
import io.ehe.testing.TestDatabase;

/** The deferred changeSets (CREATE INDEX CONCURRENTLY, then NOT NULL) through the module's runner, with the app writing meanwhile. */
final class IndexBuildBench {

    record Result(double migrateMillis, int writesDuring, Stats writerLatency, String indexSize) {
    }

    static Result run(TestDatabase db, int writesPerSecond) throws Exception {
        double ms;
        int writes;
        Stats latency;
        try (SteadyWriter writer = new SteadyWriter(db, writesPerSecond)) {
            Thread.sleep(500);
            int before = writer.writes();
            long t0 = System.nanoTime();
            new ChangelogRunner(db.connections(), Migrations.settings(false)).update(null, null);
            ms = (System.nanoTime() - t0) / 1e6;
            writes = writer.writes() - before;
            latency = writer.embeddingInserts();
        }
        if (db.queryLong("SELECT count(*) FROM pg_index WHERE indexrelid = to_regclass('public.idx_events_pending_embedding') AND indisvalid") != 1) {
            throw new IllegalStateException("the index was not built");
        }
        return new Result(ms, writes, latency,
                db.queryString("SELECT pg_size_pretty(pg_relation_size('public.idx_events_pending_embedding'))"));
    }
}
