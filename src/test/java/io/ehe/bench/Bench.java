package io.ehe.bench;

import io.ehe.testing.TestDatabase;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * make bench: every figure of BENCHMARKS.md, measured side by side in one run on one server.
 *
 * <p>Two parts. The designs (production weight; {@link DesignBench}): no schema change, the column design
 * and the pending-table design, their rollouts, write paths and scheduler queries on two backlog shapes.
 * The backfill strategies (narrow table): the single-UPDATE floor, this module's backfill and the seed's
 * NULL picker on identical copies.
 *
 * <p>Flags: --scale X (1.0 = 1.15M events), --rollout-repeats N (design rollouts, default 5),
 * --query-repeats N (rounds of the scheduler queries, 15), --write-rounds N (write-path rounds, 15), --write-runs N
 * (consecutive repetitions of the app-semantics write-path measurement, 3: issue 24 asks each goal in three in a row),
 * --repeats N (backfill runs per strategy on the narrow table, 3), --writer-rate N (app writes per
 * second during rollouts and backfills, 50), --skip-designs, --skip-narrow; opt-in extras of earlier
 * runs: --with-production-strategies and --with-3x (the strategy comparison at production weight and
 * on a 3x narrow table; --big-repeats N, 3); --out FILE (BENCHMARKS.md), --plot FILE
 * (docs/backfill-progress.svg), --design-plot FILE (docs/design-queries.svg); --skip-app-semantics leaves out the
 * app-semantics goals (AppSemanticsBench), --app-semantics-only runs just them and replaces only their
 * section of the report; --skip-partitioned-index / --partitioned-index-only the same for the column design's
 * deferred migrate on a partitioned events beside an ordinary one (PartitionedIndexBench); --skip-high-watermark leaves out issue 20's contender (HighWatermarkBench),
 * --high-watermark-only runs just it and replaces only its section and the decision table at the top (whose
 * column-design and app-semantics cells then say "not measured in this run");
 * --skip-queue / --queue-only the same for issue 27's work queue (QueueBench: --queue-seconds S per
 * throughput run, 20; --queue-churn-minutes M, 20; --queue-churn-scale S, 0.1, at most --scale;
 * --queue-plot FILE, docs/queue-churn.svg).
 * --skip-metrics / --metrics-only the same for issue 25's metrics functions (MetricsBench: --metrics-rounds N, 200:
 *     a p95 of 30 rounds is their second-slowest, which one hiccup of the machine decides).
 * --target-url URL --i-know-this-is-a-disposable-copy [--target-model M] [--target-out FILE] runs the
 * app's-question comparison on a database the user names instead ({@link TargetCopy}) and nothing else.
 */
public final class Bench {

    /**
     * The documented quick variant (under 5 minutes on 2 cores): every part, small table, one repeat; the
     * queue's throughput points 5 s each and its churn 1 minute (the full run's defaults, 20 s and 20
     * minutes, would take the quick run past 20 minutes by themselves).
     */
    static final String QUICK = "--scale 0.1 --repeats 1 --rollout-repeats 1 --query-repeats 5 --write-rounds 5"
            + " --queue-seconds 5 --queue-churn-minutes 1";

    /**
     * The queue part's flags: seconds per throughput point (--queue-seconds, 20), churn minutes
     * (--queue-churn-minutes, 20) and the churn's scale (--queue-churn-scale, 0.1 as issue 27 asks, never
     * above the run's --scale: the churn then runs on a database of its own, loaded after the throughput runs).
     */
    record QueueOptions(double seconds, double churnMinutes, double churnScale) {
        static QueueOptions of(Map<String, String> opt) {
            double scale = Double.parseDouble(opt.getOrDefault("scale", "1.0"));
            return new QueueOptions(Double.parseDouble(opt.getOrDefault("queue-seconds", "20")),
                    Double.parseDouble(opt.getOrDefault("queue-churn-minutes", "20")),
                    Math.min(scale, Double.parseDouble(opt.getOrDefault("queue-churn-scale", "0.1"))));
        }

        int churnEvents() {
            return (int) Math.round(1_150_000 * churnScale);
        }
    }

    private Bench() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> opt = parse(args);
        double scale = Double.parseDouble(opt.getOrDefault("scale", "1.0"));
        int repeats = Integer.parseInt(opt.getOrDefault("repeats", "3"));
        int bigRepeats = Integer.parseInt(opt.getOrDefault("big-repeats", "3"));
        int rolloutRepeats = Integer.parseInt(opt.getOrDefault("rollout-repeats", "5"));
        int queryRepeats = Integer.parseInt(opt.getOrDefault("query-repeats", "15"));
        int writeRounds = Integer.parseInt(opt.getOrDefault("write-rounds", "15"));
        int writeRuns = Integer.parseInt(opt.getOrDefault("write-runs", "3"));
        int writerRate = Integer.parseInt(opt.getOrDefault("writer-rate", "50"));
        boolean narrowStrategies = !opt.containsKey("skip-narrow");
        boolean designs = !opt.containsKey("skip-designs");
        boolean production = opt.containsKey("with-production-strategies");
        boolean triple = opt.containsKey("with-3x");
        boolean appOnly = opt.containsKey("app-semantics-only");
        boolean app = !opt.containsKey("skip-app-semantics");
        boolean hwmOnly = opt.containsKey("high-watermark-only");
        boolean hwm = !opt.containsKey("skip-high-watermark");
        Path out = Path.of(opt.getOrDefault("out", "BENCHMARKS.md"));
        Path plot = Path.of(opt.getOrDefault("plot", "docs/backfill-progress.svg"));
        Path designPlot = Path.of(opt.getOrDefault("design-plot", "docs/design-queries.svg"));
        int events = (int) Math.round(1_150_000 * scale);
        long started = System.nanoTime();

        if (opt.containsKey("target-url")) {
            System.exit(TargetCopy.main(opt, queryRepeats));
            return;
        }
        BenchReport report = new BenchReport(scale, events, String.join(" ", args));
        boolean partitionedIndex = !opt.containsKey("skip-partitioned-index");
        if (opt.containsKey("partitioned-index-only")) {
            try (BenchServer server = BenchServer.start()) {
                String run = runLine(server, scale, events, args);
                PartitionedIndexBench.Result r = PartitionedIndexBench.run(server, events, Math.max(1, rolloutRepeats / 2), writerRate);
                writePartitionedIndex(out, r, run + String.format(" (%.1f minutes)", (System.nanoTime() - started) / 60e9));
            }
            say("wrote the partitioned-index section of " + out);
            return;
        }
        if (hwmOnly) {
            // Only issue 20's part: its section and the decision table at the top; the rest stays as the last full run wrote it.
            try (BenchServer server = BenchServer.start()) {
                String run = runLine(server, scale, events, args);
                say("server: " + run);
                HighWatermarkBench.Result r = HighWatermarkBench.run(server, events, writeRounds, queryRepeats);
                String line = run + String.format(" (%.1f minutes)", (System.nanoTime() - started) / 60e9);
                writeHighWatermark(out, r, null, null, line);
                DesignPlot.addAppPanel(designPlot, r);
            }
            say("wrote the high-watermark section and the decision table of " + out + ", and " + designPlot);
            return;
        }
        QueueOptions queue = QueueOptions.of(opt);
        double queueSeconds = queue.seconds();
        double queueChurn = queue.churnMinutes();
        Path queuePlot = Path.of(opt.getOrDefault("queue-plot", "docs/queue-churn.svg"));
        if (opt.containsKey("queue-only")) {
            // Only issue 27's part: its section of the report and its plot.
            try (BenchServer server = BenchServer.start()) {
                String run = runLine(server, scale, events, args);
                say("server: " + run);
                QueueBench.Result r = QueueBench.run(server, events, queueSeconds, queueChurn, queue.churnEvents());
                writeQueue(out, r, run + String.format(" (%.1f minutes)", (System.nanoTime() - started) / 60e9));
                QueueBench.plot(queuePlot, r);
            }
            say("wrote the queue section of " + out + " and " + queuePlot);
            return;
        }
        int metricsRounds = Integer.parseInt(opt.getOrDefault("metrics-rounds", "200"));
        if (opt.containsKey("metrics-only")) {
            // Only issue 25's part: the metrics functions' section of the report.
            try (BenchServer server = BenchServer.start()) {
                String run = runLine(server, scale, events, args);
                say("server: " + run);
                MetricsBench.Result r = MetricsBench.run(server, events, metricsRounds);
                writeMetrics(out, r, run + String.format(" (%.1f minutes)", (System.nanoTime() - started) / 60e9));
            }
            say("wrote the metrics section of " + out);
            return;
        }
        if (appOnly) {
            // Only the app-semantics section: it replaces its own part of the report and leaves the rest.
            try (BenchServer server = BenchServer.start()) {
                String run = runLine(server, scale, events, args);
                say("server: " + run);
                AppSemanticsBench.Result r = AppSemanticsBench.run(server, events, writeRounds, queryRepeats, writeRuns);
                writeAppSemantics(out, r, run + String.format(" (%.1f minutes)", (System.nanoTime() - started) / 60e9));
            }
            say("wrote the app-semantics section of " + out);
            return;
        }
        AppSemanticsBench.Result appResult = null;
        PartitionedIndexBench.Result partitionedResult = null;
        String partitionedRun = null;
        String appRun = null;
        HighWatermarkBench.Result hwmResult = null;
        String hwmRun = null;
        QueueBench.Result queueResult = null;
        String queueRun = null;
        MetricsBench.Result metricsResult = null;
        String metricsRun = null;
        try (BenchServer server = BenchServer.start()) {
            report.server = server.description + ", PostgreSQL " + server.version() + "; " + server.durability();
            say("server: " + report.server);
            if (app) {
                long t = System.nanoTime();
                appResult = AppSemanticsBench.run(server, events, writeRounds, queryRepeats, writeRuns);
                appRun = runLine(server, scale, events, args) + String.format(" (this part %.1f minutes)", (System.nanoTime() - t) / 60e9);
            }

            if (!opt.containsKey("skip-queue")) {
                long t = System.nanoTime();
                queueResult = QueueBench.run(server, events, queueSeconds, queueChurn, queue.churnEvents());
                queueRun = runLine(server, scale, events, args) + String.format(" (this part %.1f minutes)", (System.nanoTime() - t) / 60e9);
            }

            if (!opt.containsKey("skip-metrics")) {
                long t = System.nanoTime();
                metricsResult = MetricsBench.run(server, events, metricsRounds);
                metricsRun = runLine(server, scale, events, args) + String.format(" (this part %.1f minutes)", (System.nanoTime() - t) / 60e9);
            }

            if (hwm) {
                long t = System.nanoTime();
                hwmResult = HighWatermarkBench.run(server, events, writeRounds, queryRepeats);
                hwmRun = runLine(server, scale, events, args) + String.format(" (this part %.1f minutes)", (System.nanoTime() - t) / 60e9);
            }

            if (designs) {
                report.designs = DesignBench.run(server, events, rolloutRepeats, queryRepeats, writeRounds, writerRate);
            }
            if (partitionedIndex) {
                long t = System.nanoTime();
                partitionedResult = PartitionedIndexBench.run(server, events, Math.max(1, rolloutRepeats / 2), writerRate);
                partitionedRun = runLine(server, scale, events, args) + String.format(" (this part %.1f minutes)", (System.nanoTime() - t) / 60e9);
            }

            List<BackfillStrategy> strategies = List.of(new BackfillStrategy.SingleUpdate(), ModuleBackfill.defaults(),
                    new BackfillStrategy.SeedPicker());
            if (narrowStrategies) {
                say("loading the narrow table: " + events + " events");
                BenchSchema.Built narrow = BenchSchema.NARROW.build(server, "bench_narrow", events);
                report.narrow = narrow;
                report.narrowShape = shape(narrow.db());
                say("  " + report.narrowShape);
                server.drop(runAll(server, "narrow 1x", "bench_narrow", "bench_done", strategies, repeats, writerRate, report.narrowRuns).name());
                server.drop("bench_narrow");
            }

            if (production) {
                say("loading the production-weight table: " + events + " events");
                BenchSchema.Built heavy = BenchSchema.PRODUCTION.build(server, "bench_heavy", events);
                report.production = heavy;
                report.productionShape = shape(heavy.db());
                say("  " + report.productionShape);
                server.drop(runAll(server, "production weight 1x", "bench_heavy", "bench_heavy_done", strategies, bigRepeats, writerRate,
                        report.productionRuns).name());
                server.drop("bench_heavy");
            }

            if (triple) {
                say("loading the narrow table at 3x: " + (3 * events) + " events");
                BenchSchema.Built big = BenchSchema.NARROW.build(server, "bench_triple", 3 * events);
                report.triple = big;
                server.drop(runAll(server, "narrow 3x", "bench_triple", "bench_triple_done", strategies, bigRepeats, writerRate, report.tripleRuns).name());
                server.drop("bench_triple");
            }
        }
        report.totalMinutes = (System.nanoTime() - started) / 60e9;
        if (!report.narrowRuns.isEmpty()) {
            List<BackfillRun> firstRuns = new ArrayList<>();
            report.narrowRuns.values().forEach(l -> firstRuns.add(l.get(0)));
            ProgressPlot.write(plot, String.format("Backfill progress, %,d events (narrow table)", events), firstRuns);
        }
        if (report.designs != null) {
            DesignPlot.write(designPlot, report.designs.shapes());
        }
        Files.writeString(out, report.markdown(plot, designPlot));
        if (appResult != null) {
            writeAppSemantics(out, appResult, appRun);
        }
        if (metricsResult != null) {
            writeMetrics(out, metricsResult, metricsRun);
        }
        if (queueResult != null) {
            writeQueue(out, queueResult, queueRun);
            QueueBench.plot(queuePlot, queueResult);
        }
        if (partitionedResult != null) {
            writePartitionedIndex(out, partitionedResult, partitionedRun);
        }
        if (hwmResult != null) {
            writeHighWatermark(out, hwmResult, report.designs, appResult, hwmRun);
            DesignPlot.addAppPanel(designPlot, hwmResult);
        }
        say("wrote " + out + ", " + plot + " and " + designPlot);
    }

    /**
     * Every strategy, {@code repeats} times, each on a fresh copy of {@code template}; the copy the
     * module's last run filled is kept under {@code keepName} for what is measured after a backfill.
     */
    private static TestDatabase runAll(BenchServer server, String label, String template, String keepName, List<BackfillStrategy> strategies,
                                       int repeats, int writerRate, Map<String, List<BackfillRun>> into) throws Exception {
        TestDatabase keep = null;
        for (int rep = 1; rep <= repeats; rep++) {
            for (BackfillStrategy s : strategies) {
                TestDatabase clone = server.create("bench_run", template);
                say(label + ", run " + rep + "/" + repeats + ": " + s.name());
                BackfillRun run = runStrategy(clone, s, writerRate);
                say(String.format("  %s, writer p99 %s, HOT %.1f%%", Stats.ms(run.wallMillis()), Stats.ms(run.writerLatency().p99()), 100 * run.hotRatio()));
                into.computeIfAbsent(s.name(), k -> new ArrayList<>()).add(run);
                if (rep == repeats && s instanceof ModuleBackfill) {
                    try (Connection c = server.admin(); Statement st = c.createStatement()) {
                        st.execute("ALTER DATABASE bench_run RENAME TO " + keepName);
                    }
                    keep = new TestDatabase(keepName, clone.jdbcUrl().replace("/bench_run", "/" + keepName), clone.user(), clone.password());
                } else {
                    server.drop("bench_run");
                }
            }
        }
        return keep;
    }

    private static BackfillRun runStrategy(TestDatabase db, BackfillStrategy s, int writerRate) throws Exception {
        long[] before = updates(db);
        BackfillStrategy.Result result;
        double wall;
        Stats writer = Stats.of(List.of());
        int writes = 0;
        if (writerRate > 0) {
            try (SteadyWriter w = new SteadyWriter(db, writerRate)) {
                Thread.sleep(300);
                long t0 = System.nanoTime();
                result = s.fill(db);
                wall = (System.nanoTime() - t0) / 1e6;
                Thread.sleep(200);
                writer = w.embeddingInserts();
                writes = w.writes();
            }
        } else {
            long t0 = System.nanoTime();
            result = s.fill(db);
            wall = (System.nanoTime() - t0) / 1e6;
        }
        BenchSchema.sanity(db);
        Thread.sleep(1200); // table statistics reach pg_stat_user_tables about once a second
        long[] after = updates(db);
        // The single UPDATE leaves every old row version for a later vacuum; a batched backfill lets
        // autovacuum clean up while it runs, on the same cores. Timing the VACUUM that follows shows
        // what each strategy leaves behind.
        long v0 = System.nanoTime();
        db.execute("VACUUM public.events");
        double vacuum = (System.nanoTime() - v0) / 1e6;
        return new BackfillRun(s.name(), wall, result.batchMillis(), result.progress(), result.rows(),
                after[0] - before[0], after[1] - before[1], writer, writes, after[2] - before[2], vacuum);
    }

    /** Updates, HOT updates and autovacuum runs of events so far, read in one go. */
    private static long[] updates(TestDatabase db) throws SQLException {
        try (Connection c = db.open(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(
                "SELECT n_tup_upd, n_tup_hot_upd, autovacuum_count FROM pg_stat_user_tables WHERE relid = 'public.events'::regclass")) {
            rs.next();
            return new long[]{rs.getLong(1), rs.getLong(2), rs.getLong(3)};
        }
    }

    private static String shape(TestDatabase db) {
        return String.format("%,d events, %,d embedding rows, %,d pending with text, %,d NULL text, %,d empty text; %s",
                db.queryLong("SELECT count(*) FROM events"),
                db.queryLong("SELECT count(*) FROM event_embeddings"),
                db.queryLong("SELECT count(*) FROM events e WHERE payload_text <> '' AND NOT EXISTS (SELECT 1 FROM event_embeddings x WHERE x.event_id = e.id)"),
                db.queryLong("SELECT count(*) FROM events WHERE payload_text IS NULL"),
                db.queryLong("SELECT count(*) FROM events WHERE payload_text = ''"),
                BenchSchema.rowWidth(db));
    }

    /*
     * Each part's sections of the report. A full run writes the report, then these; a partial run
     * (--app-semantics-only, --queue-only, --metrics-only, --partitioned-index-only, --high-watermark-only)
     * calls only its own, which replaces its sections and leaves every other byte of the file as it was.
     */

    static void writeAppSemantics(Path out, AppSemanticsBench.Result r, String run) throws IOException {
        AppSemanticsReport.splice(out, AppSemanticsReport.markdown(r, run));
    }

    static void writeQueue(Path out, QueueBench.Result r, String run) throws IOException {
        QueueBench.splice(out, QueueBench.markdown(r, run));
    }

    static void writeMetrics(Path out, MetricsBench.Result r, String run) throws IOException {
        MetricsBench.splice(out, MetricsBench.markdown(r, run));
    }

    static void writePartitionedIndex(Path out, PartitionedIndexBench.Result r, String run) throws IOException {
        PartitionedIndexBench.splice(out, PartitionedIndexBench.markdown(r, run));
    }

    /** Issue 20's section and the decision table; {@code designs} and {@code app} are null when this run did not measure them. */
    static void writeHighWatermark(Path out, HighWatermarkBench.Result r, DesignBench.Results designs, AppSemanticsBench.Result app, String run)
            throws IOException {
        Splice.section(out, HighWatermarkReport.BEGIN, HighWatermarkReport.END, HighWatermarkReport.section(r, run));
        Splice.section(out, HighWatermarkReport.TABLE_BEGIN, HighWatermarkReport.TABLE_END, HighWatermarkReport.decisionTable(r, designs, app, run), true);
    }

    static Map<String, String> parse(String[] args) {
        Map<String, String> out = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (!a.startsWith("--")) {
                throw new IllegalArgumentException("unexpected argument " + a);
            }
            String key = a.substring(2);
            if (key.contains("=")) {
                out.put(key.substring(0, key.indexOf('=')), key.substring(key.indexOf('=') + 1));
            } else if (key.startsWith("skip-") || key.startsWith("with-") || key.endsWith("-only") || key.equals(TargetCopy.DISPOSABLE_FLAG)) {
                out.put(key, "true");
            } else {
                out.put(key, args[++i]);
            }
        }
        return out;
    }

    private static String runLine(BenchServer server, double scale, int events, String[] args) throws Exception {
        return today() + ", scale " + scale + " (" + String.format("%,d", events) + " events), `make bench"
                + (args.length == 0 ? "" : " BENCH_ARGS='" + String.join(" ", args) + "'") + "`, " + server.description
                + ", PostgreSQL " + server.version() + "; " + server.durability();
    }

    static void say(String line) {
        System.out.println("[bench " + java.time.LocalTime.now().withNano(0) + "] " + line);
    }

    static String today() {
        return LocalDate.now().toString();
    }
}
