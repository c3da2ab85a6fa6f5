package io.ehe.bench;

import io.ehe.backfill.BackfillSettings;
import io.ehe.catalog.Design;
import io.ehe.catalog.Semantics;
import io.ehe.design.pending.PendingConfiguration;
import io.ehe.design.pending.PendingTableDesign;
import io.ehe.migration.ChangelogRunner;
import io.ehe.testing.Migrations;
import io.ehe.testing.TestDatabase;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * Issue 16's goals for the pending-table design under the app's question (target models, chunk 0,
 * superseded events never pending), at production weight, every ratio paired against the same
 * statements on a copy of the same data without the module, in one run:
 * <ol>
 * <li>the app's writes, one transaction each, timed at the client with durable commits: a re-embed of
 *     one (event, model) with single-row statements and a 768-float vector, a supersede, a single-row
 *     event insert, an in-place UPDATE of a column the module does not watch;</li>
 * <li>adding a target model on the whole table (every live event pending for it), against the floor:
 *     one {@code INSERT ... SELECT} anti-join into the same table, no batching; rows of events written;</li>
 * <li>the app's two scheduler queries, at the server, on the recent, scattered and old backlogs of the
 *     configured model and on the new model right after its fill (the model-swap backlog).</li>
 * </ol>
 * Existing embedding rows carry no vector (loading 1.08M of them would add ~3 GB and minutes, and
 * nothing measured here reads an existing row's vector); every row the measured transactions write does.
 */
final class AppSemanticsBench {

    static final String MODEL = "bge-base-en-v1.5";
    static final String NEW_MODEL = "bge-m3";
    static final int PER_ROUND = 100;

    /** One write path: paired ratio module-on / module-off over rounds (each round the median of its transactions). */
    record WriteRow(String name, double goal, Paired ratio, Stats on, Stats off) {
    }

    /** The scheduler's two queries on one backlog, server milliseconds. */
    record QueryRow(String backlog, long pending, Stats discovery, Stats pick) {
    }

    /** Adding a target on the whole table: the fill's wall time, the floor's, and rows of events updated during the fill. */
    record FillRow(long pairs, double fillMillis, double floorMillis, long eventsUpdated, int batches) {
        double ratio() {
            return fillMillis / floorMillis;
        }
    }

    /**
     * {@code writes} is the last of {@code writeRuns}: consecutive, independent repetitions of the whole paired
     * write-path measurement on the same two databases (issue 24 asks each goal to hold in three in a row).
     */
    record Result(String shape, List<WriteRow> writes, List<List<WriteRow>> writeRuns, FillRow fill, List<QueryRow> queries, String swapPlan) {
    }

    private AppSemanticsBench() {
    }

    static Result run(BenchServer server, int events, int rounds, int queryRepeats) throws Exception {
        return run(server, events, rounds, queryRepeats, 1);
    }

    static Result run(BenchServer server, int events, int rounds, int queryRepeats, int writeRuns) throws Exception {
        Bench.say("app semantics: loading the production-weight template with superseded_by, " + events + " events");
        TestDatabase template = server.create("app_template", null);
        BenchSchema.PRODUCTION.load(template, events, null);
        template.execute("ALTER TABLE public.events ADD COLUMN superseded_by bigint", "CHECKPOINT");
        String shape = String.format(Locale.ROOT, "%,d events, %,d embedding rows; %s", template.queryLong("SELECT count(*) FROM public.events"),
                template.queryLong("SELECT count(*) FROM public.event_embeddings"), BenchSchema.rowWidth(template));
        Bench.say("  " + shape);
        long maxId = template.queryLong("SELECT max(id) FROM public.events");
        int pending = BacklogShape.pendingFor(events);

        TestDatabase on = server.create("app_on", "app_template");
        install(on);
        vacuum(on);
        TestDatabase q = server.create("app_q", "app_on");
        TestDatabase off = server.create("app_off", "app_template");
        vacuum(off);

        List<List<WriteRow>> runs = new ArrayList<>();
        for (int i = 1; i <= writeRuns; i++) {
            Bench.say("app semantics: write path, run " + i + " of " + writeRuns + ", " + rounds + " rounds of " + PER_ROUND
                    + " transactions of each kind, module on/off");
            runs.add(WritePaths.run(on, off, rounds, PER_ROUND));
        }
        List<WriteRow> writes = runs.get(runs.size() - 1);
        server.drop("app_off");
        server.drop("app_on");

        Bench.say("app semantics: scheduler queries per backlog");
        List<QueryRow> queries = new ArrayList<>();
        vacuum(q);
        queries.add(queries(q, "recent (" + MODEL + ")", MODEL, queryRepeats));
        for (BacklogShape s : List.of(BacklogShape.SCATTERED, BacklogShape.OLD)) {
            s.apply(q, maxId, pending);
            vacuum(q);
            queries.add(queries(q, s.label + " (" + MODEL + ")", MODEL, queryRepeats));
        }

        Bench.say("app semantics: adding a target model on the whole table, and the floor on a copy");
        TestDatabase floorDb = server.create("app_floor", "app_q");
        double floor = floor(floorDb);
        server.drop("app_floor");
        FillRow fill = fill(q, floor);
        vacuum(q);
        queries.add(queries(q, "model swap (" + NEW_MODEL + ", every live event)", NEW_MODEL, queryRepeats));
        String plan;
        try (Connection c = q.open(); Statement st = c.createStatement()) {
            plan = ServerTime.plan(st, discovery(NEW_MODEL));
        }
        server.drop("app_q");
        server.drop("app_template");
        return new Result(shape, writes, runs, fill, queries, plan);
    }

    /** The pending-table design with the app's question and one target, filled. */
    static void install(TestDatabase db) throws Exception {
        new ChangelogRunner(db.connections(), Migrations.settings(false).withDesign(Design.PENDING_TABLE)).update(null, null);
        new PendingConfiguration(db.connections(), Duration.ofSeconds(5), Duration.ofMinutes(1)).configure(Semantics.app(), List.of(MODEL));
        new PendingTableDesign().fill(db.connections(), BackfillSettings.defaults(), null, null);
    }

    static void vacuum(TestDatabase... dbs) {
        for (TestDatabase db : dbs) {
            db.execute("VACUUM (ANALYZE) public.events", "VACUUM (ANALYZE) public.event_embeddings", "CHECKPOINT");
            if (db.queryLong("SELECT count(*) FROM pg_class WHERE relname = 'event_embedding_pending'") > 0) {
                db.execute("VACUUM (ANALYZE, INDEX_CLEANUP ON) public.event_embedding_pending");
            }
        }
    }

    static String discovery(String model) {
        return """
                SELECT organization_id, count(*) FROM (
                  SELECT organization_id FROM public.event_embedding_pending WHERE model = '%s'
                   ORDER BY created_at DESC, event_id DESC LIMIT 5000) c
                 GROUP BY organization_id ORDER BY count(*) DESC, organization_id LIMIT 1""".formatted(model);
    }

    static String pick(String model, String org) {
        return """
                SELECT event_id FROM public.event_embedding_pending WHERE model = '%s' AND organization_id = '%s'
                 ORDER BY created_at DESC, event_id DESC LIMIT 100""".formatted(model, org);
    }

    private static QueryRow queries(TestDatabase db, String label, String model, int repeats) throws Exception {
        List<Double> d = new ArrayList<>();
        List<Double> p = new ArrayList<>();
        long rows = db.queryLong("SELECT count(*) FROM public.event_embedding_pending WHERE model = '" + model + "'");
        try (Connection c = db.open(); Statement st = c.createStatement()) {
            String org;
            try (ResultSet rs = st.executeQuery(discovery(model))) {
                rs.next();
                org = rs.getString(1);
            }
            for (int i = 0; i < repeats + 1; i++) {
                double a = ServerTime.executionMillis(st, discovery(model));
                double b = ServerTime.executionMillis(st, pick(model, org));
                if (i > 0) { // the first round warms the cache
                    d.add(a);
                    p.add(b);
                }
            }
        }
        QueryRow row = new QueryRow(label, rows, Stats.of(d), Stats.of(p));
        Bench.say(String.format(Locale.ROOT, "  %s: %,d pending; discovery %s, pick %s (median / p95)", label, rows,
                row.discovery().medianP95(), row.pick().medianP95()));
        return row;
    }

    /** The floor: every pair of the new model in one INSERT ... SELECT, the same table and indexes, no batching. */
    private static double floor(TestDatabase db) throws Exception {
        try (Connection c = db.open(); Statement st = c.createStatement()) {
            st.execute("INSERT INTO public.event_embedding_pending_targets (model, state) VALUES ('" + NEW_MODEL + "', 'ready')");
            long t0 = System.nanoTime();
            st.executeUpdate("""
                    INSERT INTO public.event_embedding_pending (event_id, model, organization_id, created_at)
                    SELECT e.id, '%s', e.organization_id, e.created_at FROM public.events e
                     WHERE e.payload_text IS NOT NULL AND e.payload_text <> '' AND e.organization_id IS NOT NULL
                       AND e.superseded_by IS NULL
                       AND NOT EXISTS (SELECT 1 FROM public.event_embeddings x
                                        WHERE x.event_id = e.id AND x.embedding_model = '%s' AND x.chunk_index = 0)
                    ON CONFLICT DO NOTHING""".formatted(NEW_MODEL, NEW_MODEL));
            double ms = (System.nanoTime() - t0) / 1e6;
            Bench.say("  floor (one INSERT ... SELECT): " + Stats.ms(ms));
            return ms;
        }
    }

    private static FillRow fill(TestDatabase db, double floor) throws Exception {
        db.execute("SELECT pg_stat_reset_single_table_counters('public.events'::regclass)");
        long updatedBefore = updates(db);
        new PendingConfiguration(db.connections(), Duration.ofSeconds(5), Duration.ofMinutes(1)).addTarget(NEW_MODEL);
        long t0 = System.nanoTime();
        var summary = new PendingTableDesign().fill(db.connections(), BackfillSettings.defaults(), null, null);
        double ms = (System.nanoTime() - t0) / 1e6;
        Thread.sleep(1500); // statistics reach pg_stat_user_tables when the sessions flush (at most every second)
        long updated = updates(db) - updatedBefore;
        long pairs = db.queryLong("SELECT count(*) FROM public.event_embedding_pending WHERE model = '" + NEW_MODEL + "'");
        Bench.say(String.format(Locale.ROOT, "  fill: %,d pairs in %s, %,d batches, %d rows of events updated", pairs, Stats.ms(ms),
                summary.batches(), updated));
        return new FillRow(pairs, ms, floor, updated, (int) summary.batches());
    }

    private static long updates(TestDatabase db) {
        return db.queryLong("SELECT n_tup_upd + n_tup_del FROM pg_stat_user_tables WHERE relid = 'public.events'::regclass");
    }

    /** The app's four writes, each its own transaction, alternating module on and off transaction by transaction within a round. */
    static final class WritePaths {

        private WritePaths() {
        }

        static List<WriteRow> run(TestDatabase on, TestDatabase off, int rounds, int perRound) throws Exception {
            List<Long> pool = on.queryList("""
                    SELECT x.event_id FROM public.event_embeddings x JOIN public.events e ON e.id = x.event_id
                     WHERE x.embedding_model = '%s' AND x.chunk_index = 0 AND e.superseded_by IS NULL
                     ORDER BY hashint8(x.event_id) LIMIT %d""".formatted(MODEL, 4 * rounds * perRound), rs -> {
                try {
                    return rs.getLong(1);
                } catch (java.sql.SQLException e) {
                    throw new IllegalStateException(e);
                }
            });
            String vector = vector();
            String[] names = {"re-embed one (event, model): lock, delete, insert chunk 0 with a 768-float vector",
                    "supersede: insert the successor, stamp superseded_by, delete the predecessor's embeddings",
                    "single-row event insert", "in-place UPDATE of a column the module does not watch (metadata)"};
            double[] goals = {1.2, 1.3, 1.15, 1.0};
            List<List<Double>> onMedians = new ArrayList<>();
            List<List<Double>> offMedians = new ArrayList<>();
            List<List<Double>> onAll = new ArrayList<>();
            List<List<Double>> offAll = new ArrayList<>();
            for (int k = 0; k < names.length; k++) {
                onMedians.add(new ArrayList<>());
                offMedians.add(new ArrayList<>());
                onAll.add(new ArrayList<>());
                offAll.add(new ArrayList<>());
            }
            try (Connection cOn = on.open(); Connection cOff = off.open()) {
                int next = 0;
                for (int r = 0; r < rounds; r++) {
                    for (int k = 0; k < names.length; k++) {
                        List<Long> events = new ArrayList<>();
                        for (int i = 0; i < perRound; i++) {
                            events.add(pool.get((next++) % pool.size()));
                        }
                        // Paired transaction by transaction: each event's transaction on one side, then at once
                        // the same on the other, the side going first alternating, so a slow stretch of the
                        // machine (a checkpoint, a slow fsync) falls on both sides alike.
                        List<Double> onTimes = new ArrayList<>();
                        List<Double> offTimes = new ArrayList<>();
                        for (int i = 0; i < events.size(); i++) {
                            boolean onFirst = (r + k + i) % 2 == 0;
                            for (int side = 0; side < 2; side++) {
                                boolean isOn = (side == 0) == onFirst;
                                (isOn ? onTimes : offTimes).add(transaction(isOn ? cOn : cOff, k, events.get(i), vector));
                            }
                        }
                        onMedians.get(k).add(Stats.of(onTimes).median());
                        offMedians.get(k).add(Stats.of(offTimes).median());
                        onAll.get(k).addAll(onTimes);
                        offAll.get(k).addAll(offTimes);
                    }
                }
            }
            List<WriteRow> out = new ArrayList<>();
            for (int k = 0; k < names.length; k++) {
                WriteRow row = new WriteRow(names[k], goals[k], Paired.of(onMedians.get(k), offMedians.get(k)),
                        Stats.of(onAll.get(k)), Stats.of(offAll.get(k)));
                Bench.say(String.format(Locale.ROOT, "  %s: %s (on %s, off %s)", names[k], row.ratio().text(),
                        row.on().medianP95(), row.off().medianP95()));
                out.add(row);
            }
            return out;
        }

        private static double transaction(Connection c, int kind, long event, String vector) throws Exception {
            long t0 = System.nanoTime();
            switch (kind) {
                case 0 -> {
                    c.setAutoCommit(false);
                    exec(c, "SELECT 1 FROM public.events WHERE id = ? AND superseded_by IS NULL FOR SHARE", event);
                    exec(c, "DELETE FROM public.event_embeddings WHERE event_id = ? AND embedding_model = '" + MODEL + "'", event);
                    try (PreparedStatement ps = c.prepareStatement("INSERT INTO public.event_embeddings (event_id, embedding_model, chunk_index, embedding)"
                            + " VALUES (?, '" + MODEL + "', 0, ?::real[])")) {
                        ps.setLong(1, event);
                        ps.setString(2, vector);
                        ps.executeUpdate();
                    }
                    c.commit();
                    c.setAutoCommit(true);
                }
                case 1 -> {
                    c.setAutoCommit(false);
                    long successor;
                    try (PreparedStatement ps = c.prepareStatement("INSERT INTO public.events (organization_id, title, payload_text, metadata)"
                            + " SELECT organization_id, title, payload_text || ' (v2)', metadata FROM public.events WHERE id = ? RETURNING id")) {
                        ps.setLong(1, event);
                        try (ResultSet rs = ps.executeQuery()) {
                            rs.next();
                            successor = rs.getLong(1);
                        }
                    }
                    try (PreparedStatement ps = c.prepareStatement("UPDATE public.events SET superseded_by = ? WHERE id = ?")) {
                        ps.setLong(1, successor);
                        ps.setLong(2, event);
                        ps.executeUpdate();
                    }
                    exec(c, "DELETE FROM public.event_embeddings WHERE event_id = ?", event);
                    c.commit();
                    c.setAutoCommit(true);
                }
                case 2 -> {
                    try (PreparedStatement ps = c.prepareStatement("INSERT INTO public.events (organization_id, title, payload_text, metadata)"
                            + " VALUES ('org-bench', 'a new event', ?, '{\"source\": \"bench\"}')")) {
                        ps.setString(1, "event text " + event + " " + "lorem ipsum dolor sit amet ".repeat(12));
                        ps.executeUpdate();
                    }
                }
                default -> {
                    try (PreparedStatement ps = c.prepareStatement(
                            "UPDATE public.events SET metadata = jsonb_set(metadata, '{score}', to_jsonb(?::int)) WHERE id = ?")) {
                        ps.setInt(1, (int) (event % 100));
                        ps.setLong(2, event);
                        ps.executeUpdate();
                    }
                }
            }
            return (System.nanoTime() - t0) / 1e6;
        }

        private static void exec(Connection c, String sql, long id) throws Exception {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                ps.setLong(1, id);
                ps.execute();
            }
        }

        private static String vector() {
            Random r = new Random(768);
            StringBuilder b = new StringBuilder("{");
            for (int i = 0; i < 768; i++) {
                b.append(i == 0 ? "" : ",").append(String.format(Locale.ROOT, "%.6f", r.nextGaussian() / 28));
            }
            return b.append('}').toString();
        }
    }
}
