package io.ehe.bench;

import io.ehe.catalog.Design;
import io.ehe.testing.TestDatabase;

import java.util.ArrayList;
import java.util.List;

/**
 * "Which design, for my table?": no schema change, the column design and the pending-table design on
 * one production-weight data set, in this order:
 * <ol>
 * <li>the template (recent backlog, skewed organizations; {@link DesignTemplate});</li>
 * <li>rollouts with the app writing ({@link RolloutBench}), keeping one database per design;</li>
 * <li>each database set to exactly the recent backlog (the writer moved it), vacuumed as autovacuum
 *     would have by then (index-only scans need the visibility map);</li>
 * <li>the write path ({@link WritePathBench}) on those, then a VACUUM for what its rolled-back rounds left;</li>
 * <li>the scheduler's queries on the recent backlog, then the same databases moved to the scattered
 *     backlog through ordinary DML (each design's triggers follow it, as they would in an embedding
 *     outage), vacuumed, and the queries again.</li>
 * </ol>
 * Moving the backlog in place instead of copying three 2 GB databases per shape saves minutes, and the
 * databases of one shape hold the same events and the same pending set.
 */
final class DesignBench {

    record Results(DesignTemplate.Template template, RolloutBench.Result rollout, WritePathBench.Result writeColumn,
                   WritePathBench.Result writePending, List<DesignQueryBench.ShapeResult> shapes) {
    }

    private DesignBench() {
    }

    static Results run(BenchServer server, int events, int rolloutRepeats, int queryRepeats, int writeRounds, int writerRate) throws Exception {
        Bench.say("designs: loading the production-weight template, " + events + " events");
        DesignTemplate.Template t = DesignTemplate.build(server, "design_template", events);
        Bench.say("  " + t.shape());

        RolloutBench.Result rollout = RolloutBench.run(server, "design_template", rolloutRepeats, writerRate);
        TestDatabase none = server.create("design_none", "design_template");
        TestDatabase column = rollout.columnDb();
        TestDatabase pending = rollout.pendingDb();
        List<TestDatabase> all = List.of(none, column, pending);

        Bench.say("designs: recent backlog in every database");
        for (TestDatabase db : List.of(column, pending)) {
            BacklogShape.RECENT.apply(db, t.maxId(), t.pending());
        }
        vacuum(all);

        Bench.say("designs: write path, column design");
        WritePathBench.Result writeColumn = WritePathBench.run(column, Design.COLUMN, writeRounds);
        Bench.say("designs: write path, pending-table design");
        WritePathBench.Result writePending = WritePathBench.run(pending, Design.PENDING_TABLE, writeRounds);
        vacuum(List.of(column, pending));

        List<DesignQueryBench.ShapeResult> shapes = new ArrayList<>();
        for (BacklogShape shape : BacklogShape.values()) {
            if (shape != BacklogShape.RECENT) {
                Bench.say("designs: moving every database to the " + shape.label + " backlog");
                for (TestDatabase db : all) {
                    shape.apply(db, t.maxId(), t.pending());
                }
                vacuum(all);
            }
            Bench.say("designs: scheduler queries, " + shape.label + " backlog");
            DesignQueryBench.ShapeResult r = DesignQueryBench.run(shape, t.maxId(), none, column, pending, queryRepeats);
            for (SchedulerQueries.Question q : SchedulerQueries.Question.values()) {
                Bench.say(String.format("  %s: anti-join %s, rewrite %s, column %s, pending table %s", q.label,
                        Stats.ms(r.time(q, SchedulerQueries.Variant.ANTI_JOIN).median()), Stats.ms(r.time(q, SchedulerQueries.Variant.REWRITE).median()),
                        Stats.ms(r.time(q, SchedulerQueries.Variant.COLUMN).median()), Stats.ms(r.time(q, SchedulerQueries.Variant.PENDING_TABLE).median())));
            }
            shapes.add(r);
        }
        for (TestDatabase db : all) {
            server.drop(db.name());
        }
        server.drop("design_template");
        return new Results(t, rollout, writeColumn, writePending, shapes);
    }

    /**
     * What autovacuum would have done by the time the scheduler asks; the pending table is vacuumed too
     * where it exists. First waits (up to a minute) until no other session of that database holds a
     * snapshot (an autoanalyze started by the backlog move holds one), because VACUUM cannot mark a
     * page all-visible while a snapshot might not see its rows, and the index-only scans compared here
     * should not depend on when autovacuum happened to run. VACUUM also needs the rows' commit hint
     * bits, which a server with synchronous_commit=off may not set until the WAL writer has flushed the
     * commit: that, not a snapshot, left the pending table's new pages without the all-visible bit in a
     * run on such a server (docs/benchmark-notes.md); {@link BenchServer} now commits synchronously.
     */
    private static void vacuum(List<TestDatabase> dbs) throws InterruptedException {
        for (TestDatabase db : dbs) {
            for (int i = 0; i < 120 && db.queryLong("""
                    SELECT count(*) FROM pg_stat_activity
                     WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_xmin IS NOT NULL""") > 0; i++) {
                Thread.sleep(500);
            }
            db.execute("VACUUM (ANALYZE) public.events", "VACUUM (ANALYZE) public.event_embeddings");
            if (db.queryLong("SELECT count(*) FROM pg_class WHERE oid = to_regclass('public.event_embedding_pending')") == 1) {
                db.execute("VACUUM (ANALYZE) public.event_embedding_pending");
            }
        }
    }
}
