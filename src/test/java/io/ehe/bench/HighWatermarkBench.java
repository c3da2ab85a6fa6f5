package io.ehe.bench;

import io.ehe.backfill.BackfillSettings;
import io.ehe.design.pending.PendingConfiguration;
import io.ehe.design.pending.PendingTableDesign;
import io.ehe.testing.TestDatabase;

import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Issue 20: the high-watermark scheduler ({@link HighWatermark}) beside the query rewrite and the
 * pending-table design, all answering the app's question, on one production-weight data set, in one run:
 * <ol>
 * <li>rollout: the cursor table and its first tick; the pending-table design's migrate, configure and fill;</li>
 * <li>write path: the app's four writes on a copy with the cursor table against a copy without
 *     (paired, {@link AppSemanticsBench.WritePaths}); with no trigger this should be 1.00x;</li>
 * <li>per backlog (recent; recent with its old stragglers embedded, an extra; scattered; old; a model
 *     swap): how many pending events the cursors hide after the backlog moved (a backlog made by deleting
 *     embeddings is, for the cursor, a set of holes), the whole sweep that finds them and its WAL, a tick,
 *     a one-twentieth slice of the sweep, where the cursors stand, and the two queries of every
 *     contender ({@link AppQueryRounds}).</li>
 * </ol>
 */
final class HighWatermarkBench {

    static final String MODEL = AppSemanticsBench.MODEL;
    static final String NEW_MODEL = AppSemanticsBench.NEW_MODEL;
    static final String LAG = "5 minutes";
    static final HighWatermark HWM = new HighWatermark("public.event_embedding_cursor", AppQuestion.APP);
    static final AppContender.Tables TABLES = new AppContender.Tables(AppQuestion.APP, "public.event_embedding_pending", HWM);

    /** One backlog. Times in ms (server for queries, client for the sweep and tick statements); WAL in bytes. */
    record ShapeRow(String backlog, long pending, long hiddenBeforeSweep, double sweepMillis, long sweepWal, long cursorsMovedBack,
                    double tickMillis, long tickWal, double sliceMillis, double belowCursorShare, AppQueryRounds.Result queries) {
    }

    record Rollout(double hwmMillis, double pendingMillis, long hwmCursors, double swapTickMillis, double swapFillMillis) {
    }

    record Result(String shape, Rollout rollout, List<AppSemanticsBench.WriteRow> writes, List<ShapeRow> shapes) {
    }

    private HighWatermarkBench() {
    }

    static Result run(BenchServer server, int events, int rounds, int queryRepeats) throws Exception {
        Bench.say("high watermark: loading the production-weight template with superseded_by, " + events + " events");
        TestDatabase template = server.create("hwm_template", null);
        BenchSchema.PRODUCTION.load(template, events, null);
        template.execute("ALTER TABLE public.events ADD COLUMN superseded_by bigint", "CHECKPOINT");
        long maxId = template.queryLong("SELECT max(id) FROM public.events");
        int pending = BacklogShape.pendingFor(events);
        BacklogShape.RECENT.apply(template, maxId, pending);
        AppSemanticsBench.vacuum(template);
        String shape = String.format(Locale.ROOT, "%,d events, %,d embedding rows; %s", template.queryLong("SELECT count(*) FROM public.events"),
                template.queryLong("SELECT count(*) FROM public.event_embeddings"), BenchSchema.rowWidth(template));
        Bench.say("  " + shape);

        // Rollout: each contender on its own copy of the recent backlog.
        TestDatabase hwm = server.create("hwm_q", "hwm_template");
        double t0 = now();
        hwm.execute(HWM.createTable());
        try (Connection c = hwm.open()) {
            HWM.runTick(c, MODEL, LAG);
        }
        double hwmRollout = now() - t0;
        TestDatabase pt = server.create("hwm_pt", "hwm_template");
        t0 = now();
        AppSemanticsBench.install(pt);
        double ptRollout = now() - t0;
        long cursors = hwm.queryLong("SELECT count(*) FROM " + HWM.table());
        Bench.say(String.format(Locale.ROOT, "  rollout: high watermark %s (%d cursors), pending table %s", Stats.ms(hwmRollout), cursors, Stats.ms(ptRollout)));

        Bench.say("high watermark: write path, " + rounds + " rounds, cursor table present vs absent (no trigger either way)");
        TestDatabase wpOn = server.create("hwm_wp_on", "hwm_q");
        TestDatabase wpOff = server.create("hwm_wp_off", "hwm_template");
        AppSemanticsBench.vacuum(wpOn, wpOff);
        List<AppSemanticsBench.WriteRow> writes = AppSemanticsBench.WritePaths.run(wpOn, wpOff, rounds, 100);
        server.drop("hwm_wp_on");
        server.drop("hwm_wp_off");

        List<ShapeRow> shapes = new ArrayList<>();
        shapes.add(shape(hwm, pt, "recent", MODEL, pending, queryRepeats));
        Bench.say("high watermark: recent backlog with its old stragglers embedded (the 1% outside the newest tenth)");
        for (TestDatabase db : List.of(hwm, pt)) {
            db.execute("""
                    INSERT INTO public.event_embeddings (event_id, embedding_model, chunk_index)
                    SELECT e.id, '%s', 0 FROM public.events e
                     WHERE e.id <= %d AND %s ORDER BY e.id""".formatted(MODEL, maxId - maxId / 10, AppQuestion.pending(AppQuestion.APP, MODEL)));
        }
        long left = hwm.queryLong("SELECT count(*) FROM public.events e WHERE " + AppQuestion.pending(AppQuestion.APP, MODEL));
        shapes.add(shape(hwm, pt, "recent, no old stragglers", MODEL, left, queryRepeats));
        for (BacklogShape s : List.of(BacklogShape.SCATTERED, BacklogShape.OLD)) {
            Bench.say("high watermark: " + s.label + " backlog");
            s.apply(hwm, maxId, pending);
            s.apply(pt, maxId, pending);
            shapes.add(shape(hwm, pt, s.label, MODEL, pending, queryRepeats));
        }

        Bench.say("high watermark: model swap to " + NEW_MODEL + " (every live event pending)");
        t0 = now();
        try (Connection c = hwm.open()) {
            HWM.runTick(c, NEW_MODEL, LAG);
        }
        double swapTick = now() - t0;
        new PendingConfiguration(pt.connections(), Duration.ofSeconds(5), Duration.ofMinutes(1)).addTarget(NEW_MODEL);
        t0 = now();
        new PendingTableDesign().fill(pt.connections(), BackfillSettings.defaults(), null, null);
        double swapFill = now() - t0;
        Bench.say(String.format(Locale.ROOT, "  first tick of the new model %s; pending table fill %s", Stats.ms(swapTick), Stats.ms(swapFill)));
        long all = hwm.queryLong("SELECT count(*) FROM public.events e WHERE " + AppQuestion.pending(AppQuestion.APP, NEW_MODEL));
        shapes.add(shape(hwm, pt, "model swap (every live event)", NEW_MODEL, all, queryRepeats));

        server.drop("hwm_q");
        server.drop("hwm_pt");
        server.drop("hwm_template");
        return new Result(shape, new Rollout(hwmRollout, ptRollout, cursors, swapTick, swapFill), writes, shapes);
    }

    /**
     * One backlog, after the data moved: first how much the cursors hide, then the whole sweep that
     * repairs it (timed, with its WAL), a tick, a one-twentieth slice of the sweep, and the queries.
     */
    private static ShapeRow shape(TestDatabase hwm, TestDatabase pt, String label, String model, long pending, int repeats) throws Exception {
        AppSemanticsBench.vacuum(hwm, pt);
        long visible = hwm.queryLong("SELECT count(*) FROM public.events e JOIN " + HWM.table() + " c ON c.model = '" + model
                + "' AND c.organization_id = e.organization_id WHERE (e.created_at, e.id) >= (c.cursor_at, c.cursor_id) AND "
                + AppQuestion.pending(AppQuestion.APP, model));
        long hidden = pending - visible;
        double sweep;
        long sweepWal;
        long moved;
        double tick;
        long tickWal;
        double slice;
        try (Connection c = hwm.open(); Statement st = c.createStatement()) {
            long w0 = wal(st);
            double t0 = now();
            moved = st.executeUpdate(HWM.sweep(model, "'-infinity'", "'infinity'"));
            sweep = now() - t0;
            sweepWal = wal(st) - w0;
            // A steady tick: the first after the sweep may have work to do, the next ones are what the scheduler pays.
            HWM.runTick(c, model, LAG);
            List<Double> ticks = new ArrayList<>();
            long w1 = wal(st);
            for (int i = 0; i < 5; i++) {
                double t1 = now();
                HWM.runTick(c, model, LAG);
                ticks.add(now() - t1);
            }
            tickWal = (wal(st) - w1) / 5;
            tick = Stats.of(ticks).median();
            // One twentieth of the table's created_at range: a sweep spread over 20 ticks.
            List<Double> slices = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                double t1 = now();
                st.executeUpdate(HWM.sweep(model, "(SELECT min(created_at) + (max(created_at) - min(created_at)) * " + (i * 7) + " / 20 FROM public.events)",
                        "(SELECT min(created_at) + (max(created_at) - min(created_at)) * " + (i * 7 + 1) + " / 20 FROM public.events)"));
                slices.add(now() - t1);
            }
            slice = Stats.of(slices).median();
        }
        double below = hwm.queryLong("SELECT count(*) FROM public.events e WHERE e.payload_text <> '' AND e.created_at < (SELECT min(cursor_at) FROM "
                + HWM.table() + " WHERE model = '" + model + "')") / (double) Math.max(1, hwm.queryLong("SELECT count(*) FROM public.events e WHERE e.payload_text <> ''"));
        Bench.say(String.format(Locale.ROOT, "  %s: %,d pending, %,d hidden by the cursors before the sweep; sweep %s (%s WAL, %d cursors moved back), "
                        + "tick %s (%s WAL), 1/20 sweep slice %s; %.1f%% of candidates below the lowest cursor", label, pending, hidden, Stats.ms(sweep),
                RolloutBench.bytes(sweepWal), moved, Stats.ms(tick), RolloutBench.bytes(tickWal), Stats.ms(slice), 100 * below));
        AppQueryRounds.Result q;
        try (Connection a = hwm.open(); Connection b = pt.open(); Connection c = hwm.open(); Connection d = hwm.open()) {
            Map<AppContender, Connection> conns = new EnumMap<>(AppContender.class);
            conns.put(AppContender.REWRITE, a);
            conns.put(AppContender.PENDING_TABLE, b);
            conns.put(AppContender.HWM_NEWEST, c);
            conns.put(AppContender.HWM_OLDEST, d);
            q = AppQueryRounds.run(conns, TABLES, model, repeats);
        }
        return new ShapeRow(label, pending, hidden, sweep, sweepWal, moved, tick, tickWal, slice, below, q);
    }

    private static long wal(Statement st) throws Exception {
        try (var rs = st.executeQuery("SELECT pg_current_wal_insert_lsn() - '0/0'::pg_lsn")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static double now() {
        return System.nanoTime() / 1e6;
    }
}
