package io.ehe.bench;

import io.ehe.backfill.BackfillSettings;
import io.ehe.design.pending.PendingConfiguration;
import io.ehe.design.pending.PendingTableDesign;
import io.ehe.testing.TestDatabase;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Issue 27's goals for the work queue (changeSets 180 and 200), in one run on one server:
 * <ol>
 * <li>claim+complete throughput with 1, 4 and 8 workers on the model-swap backlog (every live event
 *     pending for a new model): ehe_queue_claim (the app's discovery rule, newest 5,000, 100 pairs, a
 *     5-minute lease), then per pair the app's worker write (lock the live event FOR SHARE, delete, insert
 *     chunk 0, one transaction), against a plain queue table on a copy of the same data without the module:
 *     {@code FOR UPDATE SKIP LOCKED} over a visibility-timeout column (pgmq's read), 100 at a time, the same
 *     write, then a DELETE of the message. Goal: at 8 workers the queue does at least 0.8x the plain table;</li>
 * <li>claim latency (client-measured, median and p95) of the 1-worker run: goal p95 at most 5 ms;</li>
 * <li>a churn run with default autovacuum, at --queue-churn-scale (0.1 by default, as issue 27 asks; a database of its own
 *     when that differs from the run's scale): the app inserts events (50 a second), two workers claim 20 at a
 *     time, fail 5% (retryable), complete the rest, and sweep every 30 s; every 10 s the claim latency p95 of the window, the pending pairs and
 *     the claims table's live and dead tuples and size are sampled: flat is the goal (plotted).</li>
 * </ol>
 * The app-semantics write ratios are measured by AppSemanticsBench in the same full run (the queue's only
 * trigger, 200's, fires on a deleted pending row, which none of those writes makes, so they run the same statements).
 */
final class QueueBench {

    static final String BEGIN = "<!-- queue:begin -->";
    static final String END = "<!-- queue:end -->";
    static final String MODEL = AppSemanticsBench.MODEL;
    static final String NEW_MODEL = AppSemanticsBench.NEW_MODEL;
    private static final int BATCH = 100;

    record Throughput(int workers, double queuePerSecond, double plainPerSecond, Stats claimMs, Stats plainClaimMs) {
        double ratio() {
            return queuePerSecond / plainPerSecond;
        }
    }

    record Sample(double minute, double claimP95Ms, long pending, long claimRows, long deadTuples, long claimsBytes, long claims) {
    }

    /** {@code churnShape}: the churn's data (events and embedding rows), which may be smaller than {@code shape}'s. */
    record Result(String shape, long swapBacklog, List<Throughput> throughput, List<Sample> churn, double churnMinutes, String churnShape) {
    }

    /** The worker counts of the throughput runs, each run once on the queue and once on the plain table. */
    static final int[] WORKER_COUNTS = {1, 4, 8};

    private QueueBench() {
    }

    /** The minutes the measured phases take by their flags (loading and filling the data come on top). */
    static double measuredMinutes(double seconds, double churnMinutes) {
        return WORKER_COUNTS.length * 2 * seconds / 60 + churnMinutes;
    }

    /**
     * The throughput runs on {@code events} events, then the churn on {@code churnEvents} (a database of its
     * own, loaded after the throughput runs, when the two differ).
     */
    static Result run(BenchServer server, int events, double seconds, double churnMinutes, int churnEvents) throws Exception {
        TestDatabase on = prepareOn(server, events);
        String shape = shape(on);
        long backlog = on.queryLong("SELECT count(*) FROM public.event_embedding_pending WHERE model = '" + NEW_MODEL + "'");
        Bench.say(String.format(Locale.ROOT, "  %s; model-swap backlog %,d pairs", shape, backlog));
        TestDatabase off = server.create("queue_off", "queue_template");
        off.execute("""
                CREATE TABLE public.plain_queue (msg_id bigint PRIMARY KEY, organization_id text, vt timestamptz NOT NULL DEFAULT now(),
                                                 read_ct integer NOT NULL DEFAULT 0)""",
                "INSERT INTO public.plain_queue (msg_id, organization_id) SELECT id, organization_id FROM public.events WHERE superseded_by IS NULL "
                        + "AND organization_id IS NOT NULL AND payload_text <> ''",
                "CREATE INDEX plain_queue_vt_idx ON public.plain_queue (vt)");
        AppSemanticsBench.vacuum(off);
        off.execute("VACUUM (ANALYZE) public.plain_queue");

        List<Throughput> rows = new ArrayList<>();
        for (int workers : WORKER_COUNTS) {
            List<Double> qLat = Collections.synchronizedList(new ArrayList<>());
            List<Double> pLat = Collections.synchronizedList(new ArrayList<>());
            double q = workers(on, workers, seconds, true, qLat);
            double p = workers(off, workers, seconds, false, pLat);
            Throughput t = new Throughput(workers, q, p, Stats.of(qLat), Stats.of(pLat));
            rows.add(t);
            Bench.say(String.format(Locale.ROOT, "  %d worker(s): queue %.0f pairs/s (claim p95 %s), plain SKIP LOCKED %.0f/s (p95 %s): %.2fx",
                    workers, q, Stats.ms(t.claimMs().p95()), p, Stats.ms(t.plainClaimMs().p95()), t.ratio()));
        }
        server.drop("queue_off");
        if (churnEvents != events) {
            server.drop("queue_on");
            server.drop("queue_template");
            on = prepareOn(server, churnEvents);
        }
        // The churn claims the recent backlog's model (MODEL), not the model swap's.
        String churnShape = shape(on) + String.format(Locale.ROOT, ", %,d pairs of `%s` pending at the start", on.queryLong(
                "SELECT count(*) FROM public.event_embedding_pending WHERE model = '" + MODEL + "'"), MODEL);
        List<Sample> churn = churn(on, churnMinutes);
        server.drop("queue_on");
        server.drop("queue_template");
        return new Result(shape, backlog, rows, churn, churnMinutes, churnShape);
    }

    private static String shape(TestDatabase db) {
        return String.format(Locale.ROOT, "%,d events, %,d embedding rows", db.queryLong("SELECT count(*) FROM public.events"),
                db.queryLong("SELECT count(*) FROM public.event_embeddings"));
    }

    /**
     * The template (production weight, events.superseded_by) as queue_template, and queue_on: a copy with the
     * module (app semantics) and the model-swap backlog filled (every live event pending for NEW_MODEL), vacuumed.
     */
    static TestDatabase prepareOn(BenchServer server, int events) throws Exception {
        Bench.say("queue: loading the production-weight template with superseded_by, " + events + " events");
        TestDatabase template = server.create("queue_template", null);
        BenchSchema.PRODUCTION.load(template, events, null);
        template.execute("ALTER TABLE public.events ADD COLUMN superseded_by bigint", "CHECKPOINT");
        TestDatabase on = server.create("queue_on", "queue_template");
        AppSemanticsBench.install(on);
        new PendingConfiguration(on.connections(), Duration.ofSeconds(5), Duration.ofMinutes(1)).addTarget(NEW_MODEL);
        new PendingTableDesign().fill(on.connections(), BackfillSettings.defaults(), null, null);
        AppSemanticsBench.vacuum(on);
        return on;
    }

    /** Pairs completed per second by {@code n} workers for {@code seconds}; claim latencies (ms) into {@code latencies}. */
    private static double workers(TestDatabase db, int n, double seconds, boolean module, List<Double> latencies) throws Exception {
        AtomicBoolean stop = new AtomicBoolean(false);
        AtomicLong done = new AtomicLong();
        List<Thread> threads = new ArrayList<>();
        List<Exception> errors = Collections.synchronizedList(new ArrayList<>());
        for (int w = 0; w < n; w++) {
            Thread t = new Thread(() -> {
                try (Connection c = db.open()) {
                    while (!stop.get()) {
                        long t0 = System.nanoTime();
                        List<Long> got = module ? claim(c, NEW_MODEL, BATCH, 300) : plainClaim(c, BATCH);
                        latencies.add((System.nanoTime() - t0) / 1e6);
                        for (long e : got) {
                            if (stop.get()) {
                                break;
                            }
                            write(c, e, NEW_MODEL, module);
                            done.incrementAndGet();
                        }
                    }
                } catch (Exception e) {
                    errors.add(e);
                }
            });
            t.start();
            threads.add(t);
        }
        long t0 = System.nanoTime();
        Thread.sleep((long) (seconds * 1000));
        stop.set(true);
        for (Thread t : threads) {
            t.join();
        }
        double elapsed = (System.nanoTime() - t0) / 1e9;
        if (!errors.isEmpty()) {
            throw errors.get(0);
        }
        return done.get() / elapsed;
    }

    static List<Long> claim(Connection c, String model, int n, double lease) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT event_id FROM public.ehe_queue_claim(?, ?, ?)")) {
            ps.setString(1, model);
            ps.setInt(2, n);
            ps.setDouble(3, lease);
            return ids(ps);
        }
    }

    private static List<Long> plainClaim(Connection c, int n) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                UPDATE public.plain_queue q SET vt = clock_timestamp() + interval '300 seconds', read_ct = q.read_ct + 1
                 WHERE q.msg_id IN (SELECT msg_id FROM public.plain_queue WHERE vt <= clock_timestamp() ORDER BY msg_id DESC LIMIT ? FOR UPDATE SKIP LOCKED)
                RETURNING q.msg_id""")) {
            ps.setInt(1, n);
            return ids(ps);
        }
    }

    private static List<Long> ids(PreparedStatement ps) throws SQLException {
        List<Long> out = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(rs.getLong(1));
            }
        }
        return out;
    }

    /** The app's worker write of (event, model), one transaction; the plain queue also deletes its message. */
    static void write(Connection c, long event, String model, boolean module) throws SQLException {
        c.setAutoCommit(false);
        try (Statement st = c.createStatement()) {
            try (ResultSet rs = st.executeQuery("SELECT 1 FROM public.events WHERE id = " + event + " AND superseded_by IS NULL FOR SHARE")) {
                if (rs.next()) {
                    st.execute("DELETE FROM public.event_embeddings WHERE event_id = " + event + " AND embedding_model = '" + model + "'");
                    st.execute("INSERT INTO public.event_embeddings (event_id, embedding_model, chunk_index) VALUES (" + event + ", '" + model + "', 0)");
                }
            }
            if (!module) {
                st.execute("DELETE FROM public.plain_queue WHERE msg_id = " + event);
            }
            c.commit();
        } catch (SQLException e) {
            c.rollback();
            if (!"23505".equals(e.getSQLState())) {
                throw e;
            }
        } finally {
            c.setAutoCommit(true);
        }
    }

    /** The churn run on the configured model: app inserts, two workers, samples every 10 s. */
    private static List<Sample> churn(TestDatabase db, double minutes) throws Exception {
        Bench.say(String.format(Locale.ROOT, "queue: churn for %.1f minutes (app inserts 50/s, 2 workers, 5%% retryable failures)", minutes));
        db.execute("SELECT public.ehe_queue_configure('" + MODEL + "', 5, 60, 5)");
        AtomicBoolean stop = new AtomicBoolean(false);
        List<Double> window = Collections.synchronizedList(new ArrayList<>());
        AtomicLong claims = new AtomicLong();
        List<Thread> threads = new ArrayList<>();
        List<Exception> errors = Collections.synchronizedList(new ArrayList<>());
        threads.add(new Thread(() -> {
            try (Connection c = db.open(); Statement st = c.createStatement()) {
                long next = System.nanoTime();
                while (!stop.get()) {
                    st.execute("INSERT INTO public.events (organization_id, payload_text) VALUES ('org-" + ThreadLocalRandom.current().nextInt(50)
                            + "', 'churn text')");
                    next += 20_000_000L;
                    long sleep = next - System.nanoTime();
                    if (sleep > 0) {
                        Thread.sleep(sleep / 1_000_000, (int) (sleep % 1_000_000));
                    }
                }
            } catch (Exception e) {
                errors.add(e);
            }
        }));
        for (int w = 0; w < 2; w++) {
            threads.add(new Thread(() -> {
                try (Connection c = db.open(); PreparedStatement fail = c.prepareStatement("SELECT public.ehe_queue_fail(?, ?, ?, 'HTTP 500', true)")) {
                    ThreadLocalRandom r = ThreadLocalRandom.current();
                    long nextSweep = System.nanoTime();
                    while (!stop.get()) {
                        if (System.nanoTime() >= nextSweep) {
                            // As documented: a worker sweeps the claim rows of finished pairs every half minute.
                            try (Statement st = c.createStatement()) {
                                st.execute("SELECT public.ehe_queue_sweep()");
                            }
                            nextSweep = System.nanoTime() + 30_000_000_000L;
                        }
                        long t0 = System.nanoTime();
                        List<Object[]> got = new ArrayList<>();
                        try (PreparedStatement ps = c.prepareStatement("SELECT event_id, claim_token FROM public.ehe_queue_claim(?, 20, 60)")) {
                            ps.setString(1, MODEL);
                            try (ResultSet rs = ps.executeQuery()) {
                                while (rs.next()) {
                                    got.add(new Object[] {rs.getLong(1), rs.getObject(2)});
                                }
                            }
                        }
                        window.add((System.nanoTime() - t0) / 1e6);
                        claims.incrementAndGet();
                        if (got.isEmpty()) {
                            Thread.sleep(200);
                        }
                        for (Object[] p : got) {
                            if (r.nextInt(100) < 5) {
                                fail.setString(1, MODEL);
                                fail.setLong(2, (Long) p[0]);
                                fail.setObject(3, p[1]);
                                fail.executeQuery().close();
                            } else {
                                write(c, (Long) p[0], MODEL, true);
                            }
                        }
                    }
                } catch (Exception e) {
                    errors.add(e);
                }
            }));
        }
        threads.forEach(Thread::start);
        List<Sample> samples = new ArrayList<>();
        long t0 = System.nanoTime();
        long end = t0 + (long) (minutes * 60e9);
        while (System.nanoTime() < end && errors.isEmpty()) {
            Thread.sleep(10_000);
            List<Double> w;
            synchronized (window) {
                w = new ArrayList<>(window);
                window.clear();
            }
            long pending = db.queryLong("SELECT count(*) FROM public.event_embedding_pending WHERE model = '" + MODEL + "'");
            long live = db.queryLong("SELECT n_live_tup FROM pg_stat_user_tables WHERE relname = 'event_embedding_pending_claims'");
            long dead = db.queryLong("SELECT n_dead_tup FROM pg_stat_user_tables WHERE relname = 'event_embedding_pending_claims'");
            long bytes = db.queryLong("SELECT pg_total_relation_size('public.event_embedding_pending_claims')");
            Sample s = new Sample((System.nanoTime() - t0) / 60e9, Stats.of(w).p95(), pending, live, dead, bytes, claims.get());
            samples.add(s);
            Bench.say(String.format(Locale.ROOT, "  %5.1f min: claim p95 %s, pending %,d, claims rows %,d (dead %,d), %,d kB", s.minute(),
                    Stats.ms(s.claimP95Ms()), pending, live, dead, bytes / 1024));
        }
        stop.set(true);
        for (Thread t : threads) {
            t.join();
        }
        if (!errors.isEmpty()) {
            throw errors.get(0);
        }
        return samples;
    }

    static String markdown(Result r, String run) {
        StringBuilder md = new StringBuilder(BEGIN).append("\n## The work queue (issue 27, changeSets 180 and 200)\n\n");
        md.append("Run: ").append(run).append(". Data: ").append(r.shape()).append("; model-swap backlog: ")
                .append(String.format(Locale.ROOT, "%,d", r.swapBacklog())).append(" pairs (every live event pending for `").append(NEW_MODEL)
                .append("`). How it is measured: `io.ehe.bench.QueueBench`.\n\n");
        md.append("| workers | queue (pairs/s) | plain `SKIP LOCKED` table (pairs/s) | ratio (goal >= 0.8 at 8) | queue claim median / p95 | plain claim median / p95 |\n");
        md.append("|---:|---:|---:|---:|---:|---:|\n");
        for (Throughput t : r.throughput()) {
            md.append(String.format(Locale.ROOT, "| %d | %.0f | %.0f | %.2fx%s | %s / %s | %s / %s |%n", t.workers(), t.queuePerSecond(), t.plainPerSecond(),
                    t.ratio(), t.workers() == 8 ? (t.ratio() >= 0.8 ? " (met)" : " (missed)") : "", Stats.ms(t.claimMs().median()),
                    Stats.ms(t.claimMs().p95()), Stats.ms(t.plainClaimMs().median()), Stats.ms(t.plainClaimMs().p95())));
        }
        Throughput one = r.throughput().get(0);
        md.append(String.format(Locale.ROOT, "%nClaim latency on the model-swap backlog (1 worker, %d claims of %d pairs, client-measured): p95 %s, goal <= 5 ms: %s.%n",
                one.claimMs().n(), BATCH, Stats.ms(one.claimMs().p95()), one.claimMs().p95() <= 5 ? "met" : "missed"));
        md.append(String.format(Locale.ROOT, "%nChurn, %.1f minutes on %s, default autovacuum (samples every 10 s; plot: docs/queue-churn.svg):%n%n",
                r.churnMinutes(), r.churnShape()));
        md.append("| minute | claim p95 | pending pairs | claims rows (live / dead) | claims table + index |\n|---:|---:|---:|---:|---:|\n");
        for (Sample s : r.churn()) {
            md.append(String.format(Locale.ROOT, "| %.1f | %s | %,d | %,d / %,d | %,d kB |%n", s.minute(), Stats.ms(s.claimP95Ms()), s.pending(),
                    s.claimRows(), s.deadTuples(), s.claimsBytes() / 1024));
        }
        md.append(END).append("\n");
        return md.toString();
    }

    static void splice(Path file, String section) throws IOException {
        Splice.section(file, BEGIN, END, section);
    }

    /** Claim latency p95, pending pairs and the claims table's size over the churn run, three panels, plain SVG. */
    static void plot(Path file, Result r) throws IOException {
        int w = 720;
        int h = 220;
        StringBuilder svg = new StringBuilder(String.format(Locale.ROOT,
                "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\" font-size=\"11\">%n", w, 3 * h + 40));
        double maxMin = Math.max(r.churnMinutes(), r.churn().stream().mapToDouble(Sample::minute).max().orElse(0.1));
        panel(svg, 0, w, h, maxMin, r.churn().stream().map(s -> new double[] {s.minute(), s.claimP95Ms()}).toList(),
                "claim latency p95 per 10 s window (ms)", "#1f77b4");
        panel(svg, h + 20, w, h, maxMin, r.churn().stream().map(s -> new double[] {s.minute(), s.pending()}).toList(),
                "pending pairs of " + MODEL, "#d62728");
        panel(svg, 2 * h + 40, w, h, maxMin, r.churn().stream().map(s -> new double[] {s.minute(), s.claimsBytes() / 1024.0}).toList(),
                "claims table + index (kB)", "#2ca02c");
        svg.append("</svg>\n");
        Files.writeString(file, svg.toString());
    }

    private static void panel(StringBuilder svg, int top, int w, int h, double maxX, List<double[]> pts, String title, String color) {
        int left = 60;
        int right = 20;
        int bottom = 30;
        double maxY = pts.stream().mapToDouble(p -> p[1]).filter(v -> !Double.isNaN(v)).max().orElse(1);
        maxY = maxY <= 0 ? 1 : maxY * 1.1;
        svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\">%s</text>%n", left, top + 14, title));
        svg.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#888\"/>%n", left, top + h - bottom, w - right, top + h - bottom));
        svg.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#888\"/>%n", left, top + 20, left, top + h - bottom));
        svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%.3g</text>%n", left - 4, top + 24, maxY));
        svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">0</text>%n", left - 4, top + h - bottom));
        svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%.1f min</text>%n", w - right, top + h - 10, maxX));
        StringBuilder path = new StringBuilder();
        for (double[] p : pts) {
            if (Double.isNaN(p[1])) {
                continue;
            }
            double x = left + (w - left - right) * p[0] / maxX;
            double y = top + h - bottom - (h - bottom - 20) * p[1] / maxY;
            path.append(path.length() == 0 ? "" : " ").append(String.format(Locale.ROOT, "%.1f,%.1f", x, y));
        }
        svg.append(String.format(Locale.ROOT, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"1.5\" points=\"%s\"/>%n", color, path));
    }
}
