package io.ehe.bench;

import io.ehe.backfill.Backfill;
import io.ehe.backfill.BackfillListener;
import io.ehe.backfill.BackfillSettings;
import io.ehe.backfill.BatchResult;
import io.ehe.catalog.Design;
import io.ehe.testing.Migrations;
import io.ehe.testing.TestDatabase;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What installing each design costs a live production-weight table, with the app's writer running:
 * wall time, WAL written (server-wide {@code pg_current_wal_lsn} difference, so the writer's own few
 * MB are in every figure), rows of {@code events} updated ({@code n_tup_upd}) and dead tuples left.
 *
 * <p>Each repeat takes three fresh copies of the template, one after the other:
 * <ol>
 * <li>the column design's floor: the column's changeSets, then one {@code UPDATE} of every row (unsafe
 *     in production: it holds every row lock until commit; the writer's inserts wait for it);</li>
 * <li>the column design's rollout: migrate, the module's backfill, migrate again (index, NOT NULL);
 *     its backfill is paired with the floor of the same repeat;</li>
 * <li>the pending-table rollout: migrate, bootstrap; paired with the anti-join count timed on the same
 *     copy just before (issue 10 judges the rollout against the query it replaces).</li>
 * </ol>
 * The last repeat's column and pending-table copies are kept for the query and write-path benchmarks.
 */
final class RolloutBench {

    static final String COLUMN_DB = "design_column";
    static final String PENDING_DB = "design_pending";

    /** One rollout: its parts' wall times in order, and what it left in the database. */
    record Run(Map<String, Double> partsMillis, long walBytes, long updates, long deadTuples, Stats writer, int writerWrites, long batches) {
        double wallMillis() {
            return partsMillis.values().stream().mapToDouble(Double::doubleValue).sum();
        }
    }

    record Result(List<Run> floor, List<Run> column, List<Run> pending, List<Double> antiJoinMillis, TestDatabase columnDb,
                  TestDatabase pendingDb) {

        /** The column backfill over the single UPDATE of the same repeat. */
        Paired backfillVsFloor() {
            return Paired.of(column.stream().map(r -> r.partsMillis().get(BACKFILL)).toList(), floor.stream().map(Run::wallMillis).toList());
        }

        /** The whole pending-table rollout over the anti-join count timed on the same copy. */
        Paired pendingVsAntiJoin() {
            return Paired.of(pending.stream().map(Run::wallMillis).toList(), antiJoinMillis);
        }
    }

    static final String MIGRATE = "migrate";
    static final String BACKFILL = "backfill";
    static final String DEFERRED = "migrate again (index, NOT NULL)";
    static final String UPDATE = "single UPDATE";
    static final String BOOTSTRAP = "bootstrap";

    private RolloutBench() {
    }

    static Result run(BenchServer server, String template, int repeats, int writerRate) throws Exception {
        List<Run> floor = new ArrayList<>(), column = new ArrayList<>(), pending = new ArrayList<>();
        List<Double> antiJoin = new ArrayList<>();
        TestDatabase columnDb = null, pendingDb = null;
        for (int rep = 1; rep <= repeats; rep++) {
            TestDatabase f = server.create("design_floor", template);
            Migrations.migrate(f, false, Design.COLUMN);
            Bench.say("rollout " + rep + "/" + repeats + ": column floor (single UPDATE)");
            floor.add(measure(server, f, writerRate, parts -> {
                long t0 = System.nanoTime();
                try (Connection c = f.open(); Statement st = c.createStatement()) {
                    st.executeUpdate("""
                            UPDATE public.events e
                               SET has_embedding = EXISTS (SELECT 1 FROM public.event_embeddings x WHERE x.event_id = e.id)
                             WHERE e.has_embedding IS NULL""");
                }
                parts.put(UPDATE, (System.nanoTime() - t0) / 1e6);
                return 1;
            }));
            say(floor.get(floor.size() - 1));
            server.drop(f.name());

            columnDb = server.create(COLUMN_DB, template);
            TestDatabase cdb = columnDb;
            Bench.say("rollout " + rep + "/" + repeats + ": column design (migrate, backfill, migrate)");
            column.add(measure(server, cdb, writerRate, parts -> {
                long t0 = System.nanoTime();
                Migrations.migrate(cdb, false, Design.COLUMN);
                long t1 = System.nanoTime();
                long[] batches = {0};
                Backfill.run(cdb.connections(), BackfillSettings.defaults(), new BackfillListener() {
                    @Override
                    public void onBatch(BatchResult batch) {
                        batches[0]++;
                    }
                });
                long t2 = System.nanoTime();
                Migrations.migrate(cdb, false, Design.COLUMN);
                long t3 = System.nanoTime();
                parts.put(MIGRATE, (t1 - t0) / 1e6);
                parts.put(BACKFILL, (t2 - t1) / 1e6);
                parts.put(DEFERRED, (t3 - t2) / 1e6);
                return batches[0];
            }));
            say(column.get(column.size() - 1));
            if (cdb.queryLong("SELECT count(*) FROM pg_index WHERE indexrelid = to_regclass('public.idx_events_pending_embedding') AND indisvalid") != 1) {
                throw new IllegalStateException("the column rollout did not build its index");
            }
            BenchSchema.sanity(cdb);

            pendingDb = server.create(PENDING_DB, template);
            TestDatabase pdb = pendingDb;
            antiJoin.add(antiJoinCount(pdb));
            Bench.say("rollout " + rep + "/" + repeats + ": pending-table design (migrate, bootstrap); anti-join on this copy "
                    + Stats.ms(antiJoin.get(antiJoin.size() - 1)));
            pending.add(measure(server, pdb, writerRate, parts -> {
                long t0 = System.nanoTime();
                Migrations.migrate(pdb, false, Design.PENDING_TABLE);
                long t1 = System.nanoTime();
                long[] batches = {0};
                new io.ehe.design.pending.PendingTableDesign().fill(pdb.connections(), BackfillSettings.defaults(), new BackfillListener() {
                    @Override
                    public void onBatch(BatchResult batch) {
                        batches[0]++;
                    }
                }, null);
                parts.put(MIGRATE, (t1 - t0) / 1e6);
                parts.put(BOOTSTRAP, (System.nanoTime() - t1) / 1e6);
                return batches[0];
            }));
            say(pending.get(pending.size() - 1));
            long drift = pdb.queryLong("""
                    SELECT (SELECT count(*) FROM public.event_embedding_pending)
                         - (SELECT count(*) FROM public.events e WHERE e.payload_text IS NOT NULL AND e.payload_text <> ''
                             AND NOT EXISTS (SELECT 1 FROM public.event_embeddings x WHERE x.event_id = e.id))""");
            if (drift != 0) {
                throw new IllegalStateException("the pending table is off by " + drift + " rows after the bootstrap");
            }
        }
        return new Result(floor, column, pending, antiJoin, columnDb, pendingDb);
    }

    interface Rollout {
        /** Runs the rollout, puts each part's wall time in order; returns its batch count. */
        long run(Map<String, Double> parts) throws Exception;
    }

    /** Checkpoint (every run starts with the same full-page-write state), writer on, rollout, writer off, statistics. */
    private static Run measure(BenchServer server, TestDatabase db, int writerRate, Rollout rollout) throws Exception {
        db.execute("CHECKPOINT");
        long[] before = tableStats(db);
        long walBefore = walLsn(server);
        Map<String, Double> parts = new LinkedHashMap<>();
        long batches;
        Stats writer;
        int writes;
        try (SteadyWriter w = new SteadyWriter(db, writerRate)) {
            Thread.sleep(300);
            batches = rollout.run(parts);
            Thread.sleep(200);
            writer = w.embeddingInserts();
            writes = w.writes();
        }
        long wal = walLsn(server) - walBefore;
        Thread.sleep(1200); // table statistics reach pg_stat_user_tables about once a second
        long[] after = tableStats(db);
        return new Run(parts, wal, after[0] - before[0], after[1], writer, writes, batches);
    }

    /** The old scheduler query's server time on this copy, median of three after one warm-up. */
    private static double antiJoinCount(TestDatabase db) throws Exception {
        String sql = SchedulerQueries.sql(SchedulerQueries.Question.COUNT_PER_ORG, SchedulerQueries.Variant.ANTI_JOIN);
        List<Double> ms = new ArrayList<>();
        try (Connection c = db.open(); Statement st = c.createStatement()) {
            for (int i = 0; i < 4; i++) {
                double t = ServerTime.executionMillis(st, sql);
                if (i > 0) {
                    ms.add(t);
                }
            }
        }
        return Stats.of(ms).median();
    }

    private static long[] tableStats(TestDatabase db) throws Exception {
        try (Connection c = db.open(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(
                "SELECT n_tup_upd, n_dead_tup FROM pg_stat_user_tables WHERE relid = 'public.events'::regclass")) {
            rs.next();
            return new long[]{rs.getLong(1), rs.getLong(2)};
        }
    }

    private static long walLsn(BenchServer server) throws Exception {
        try (Connection c = server.admin(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static void say(Run r) {
        Bench.say(String.format("  %s: %s, WAL %s, %,d rows of events updated, %,d dead tuples left, writer p99 %s",
                r.partsMillis().keySet(), Stats.ms(r.wallMillis()), bytes(r.walBytes()), r.updates(), r.deadTuples(), Stats.ms(r.writer().p99())));
    }

    static String bytes(double b) {
        if (Double.isNaN(b)) {
            return "n/a";
        }
        if (b >= 1 << 30) {
            return String.format(java.util.Locale.ROOT, "%.2f GB", b / (1 << 30));
        }
        if (b >= 1 << 20) {
            return String.format(java.util.Locale.ROOT, "%.1f MB", b / (1 << 20));
        }
        if (b >= 1 << 10) {
            return String.format(java.util.Locale.ROOT, "%.0f kB", b / (1 << 10));
        }
        return String.format(java.util.Locale.ROOT, "%.0f B", b);
    }
}
