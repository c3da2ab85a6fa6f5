package io.ehe.bench;

import io.ehe.bench.SchedulerQueries.Question;
import io.ehe.bench.SchedulerQueries.Variant;
import io.ehe.catalog.Design;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Made-up results of every bench part, for the report tests (no database). Every measurement scales with
 * {@code m}; figures a report divides by each other scale with {@code m} and {@code m * m}, so a ratio the
 * report computes moves with {@code m} too, and counts of runs and rounds are {@link #count} of {@code m}.
 * Two renderings with different {@code m} then differ in every cell that holds a figure of the run.
 */
final class ReportFixtures {

    private ReportFixtures() {
    }

    static Stats stats(double m, double base) {
        return new Stats(5, base * m, 1.5 * base * m, 1.8 * base * m, 2 * base * m);
    }

    static Paired paired(double m, double base) {
        return new Paired(5, base * m, 0.8 * base * m, 1.3 * base * m);
    }

    /** 2 for m = 1, 3 for m = 1.7: a number of runs or rounds that follows the run. */
    static int count(double m) {
        return (int) Math.round(2 * m - 0.3);
    }

    static List<AppSemanticsBench.WriteRow> writes(double m) {
        List<AppSemanticsBench.WriteRow> w = new ArrayList<>();
        String[] names = {"re-embed", "supersede", "event insert", "other update"};
        for (int i = 0; i < names.length; i++) {
            w.add(new AppSemanticsBench.WriteRow(names[i], 1.3, paired(m, 1.11 + 0.07 * i), stats(m, 2.3 + i), stats(m, 1.9 + i)));
        }
        return w;
    }

    static HighWatermarkBench.Result hwm(double m) {
        List<HighWatermarkBench.ShapeRow> shapes = new ArrayList<>();
        int k = 0;
        for (String backlog : List.of("recent", "scattered", "old")) {
            k++;
            Map<AppContender, Stats> discovery = new EnumMap<>(AppContender.class), pick = new EnumMap<>(AppContender.class);
            Map<AppContender, Paired> dv = new EnumMap<>(AppContender.class), pv = new EnumMap<>(AppContender.class);
            Map<AppContender, String> plans = new EnumMap<>(AppContender.class);
            for (AppContender c : AppContender.values()) {
                discovery.put(c, stats(m, 3.1 * k + c.ordinal()));
                pick.put(c, stats(m, 0.41 * k + c.ordinal()));
                dv.put(c, paired(m, 1.9 + c.ordinal()));
                pv.put(c, paired(m, 2.7 + c.ordinal()));
                plans.put(c, "plan\n");
            }
            AppQueryRounds.Result q = new AppQueryRounds.Result("org-1", discovery, pick, dv, pv, true, "", plans);
            shapes.add(new HighWatermarkBench.ShapeRow(backlog, Math.round(11_500 * k * m), Math.round(130 * k * m), 2300 * k * m,
                    Math.round(4_100_000 * k * m), Math.round(17 * k * m), 12.5 * k * m, Math.round(81_000 * k * m), 230 * k * m, 0.043 * k * m, q));
        }
        return new HighWatermarkBench.Result("shape", new HighWatermarkBench.Rollout(1500 * m, 2100 * m, Math.round(42 * m), 700 * m, 9100 * m),
                writes(m), shapes);
    }

    static AppSemanticsBench.Result app(double m) {
        List<AppSemanticsBench.QueryRow> queries = new ArrayList<>();
        for (String backlog : List.of("recent", "scattered", "old")) {
            queries.add(new AppSemanticsBench.QueryRow(backlog, Math.round(11_500 * m), stats(m, 2.2), stats(m, 0.33)));
        }
        return new AppSemanticsBench.Result("shape", writes(m), List.of(writes(m), writes(m), writes(m)),
                new AppSemanticsBench.FillRow(Math.round(1_000_000 * m), 41_000 * m, 17_000 * m * m, Math.round(3 * m), (int) Math.round(200 * m)), queries, "plan\n");
    }

    static DesignBench.Results designs(double m) {
        List<RolloutBench.Run> floor = rolloutRuns(m * m, count(m)), column = rolloutRuns(m, count(m)), pending = rolloutRuns(0.9 * m, count(m));
        List<Double> antiJoin = new ArrayList<>();
        column.forEach(r -> antiJoin.add(510 * m * m));
        RolloutBench.Result rollout = new RolloutBench.Result(floor, column, pending, antiJoin, null, null);
        List<DesignQueryBench.ShapeResult> shapes = new ArrayList<>();
        int k = 0;
        for (BacklogShape shape : BacklogShape.values()) {
            k++;
            Map<Question, Map<Variant, Stats>> times = new EnumMap<>(Question.class);
            Map<Question, Map<Variant, Paired>> speedup = new EnumMap<>(Question.class);
            Map<Question, Map<Variant, String>> plans = new EnumMap<>(Question.class);
            Map<Question, Boolean> agree = new EnumMap<>(Question.class);
            for (Question q : Question.values()) {
                times.put(q, new EnumMap<>(Variant.class));
                speedup.put(q, new EnumMap<>(Variant.class));
                plans.put(q, new EnumMap<>(Variant.class));
                agree.put(q, true);
                for (Variant v : Variant.values()) {
                    times.get(q).put(v, stats(m, 0.37 * k + 5.3 * v.ordinal() + q.ordinal()));
                    speedup.get(q).put(v, paired(m, 3.3 * k + v.ordinal()));
                    plans.get(q).put(v, "plan\n");
                }
            }
            shapes.add(new DesignQueryBench.ShapeResult(shape, times, speedup, plans, agree, Math.round(1000 * m), Math.round(10 * m),
                    new double[]{0.5 * m, 0.01 * m}, count(m)));
        }
        return new DesignBench.Results(new DesignTemplate.Template(null, 1000, 1000, Math.round(100 * (float) m), false, "shape"), rollout,
                write(Design.COLUMN, m, 7.6), write(Design.PENDING_TABLE, m, 1.3), shapes);
    }

    private static List<RolloutBench.Run> rolloutRuns(double m, int n) {
        List<RolloutBench.Run> runs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Map<String, Double> parts = new LinkedHashMap<>();
            parts.put(RolloutBench.MIGRATE, 1200 * m);
            parts.put(RolloutBench.BACKFILL, 61_000 * m);
            runs.add(new RolloutBench.Run(parts, Math.round(4.9e9 * m), Math.round(1_150_000 * m), Math.round(90_000 * m), stats(m, 4.4), 3000, 120));
        }
        return runs;
    }

    private static WritePathBench.Result write(Design design, double m, double ratio) {
        Map<WritePathBench.Path, WritePathBench.PathResult> paths = new EnumMap<>(WritePathBench.Path.class);
        for (WritePathBench.Path p : WritePathBench.Path.values()) {
            paths.put(p, new WritePathBench.PathResult(stats(m, ratio * (p.ordinal() + 1)), stats(m, p.ordinal() + 1), paired(m, ratio + p.ordinal()),
                    stats(m * m, 2_800_000 * ratio), stats(m, 239_000), stats(m * m, 3.1), paired(m, 1.05)));
        }
        return new WritePathBench.Result(design, paths, count(m));
    }

    static MetricsBench.Result metrics(double m) {
        return new MetricsBench.Result("shape", List.of(
                new MetricsBench.Row("pending-table", "recent", Math.round(25_000 * m), Math.round(1_000 * m), stats(m, 1.1), stats(m, 2.3), stats(m, 3.4), stats(m, 0.7), stats(m, 2.7), 5),
                new MetricsBench.Row("pending-table", "model swap", Math.round(1_060_000 * m), Math.round(900 * m), stats(m, 31), stats(m, 2.2), stats(m, 33), stats(m, 27), stats(m, 6), 50),
                new MetricsBench.Row("column", "recent", Math.round(24_000 * m), Math.round(2 * m), stats(m, 2.9), stats(m, 1.7), stats(m, 4.6), stats(m, 1.9), stats(m, 2.7), 5)), 30);
    }

    static QueueBench.Result queue(double m) {
        List<QueueBench.Throughput> throughput = new ArrayList<>();
        for (int workers : new int[]{1, 4, 8}) {
            throughput.add(new QueueBench.Throughput(workers, 900 * workers * m * m, 1000 * workers * m, stats(m, 2.1), stats(m, 1.4)));
        }
        List<QueueBench.Sample> churn = new ArrayList<>();
        for (int i = 1; i <= 3; i++) {
            churn.add(new QueueBench.Sample(i * m / 6, 3.3 * i * m, Math.round(1200 * i * m), Math.round(40 * i * m), Math.round(7 * i * m),
                    Math.round(81_920 * i * m), Math.round(500 * i * m)));
        }
        return new QueueBench.Result("shape", Math.round(1_060_000 * m), throughput, churn, 0.5 * m, "churn shape");
    }

    static PartitionedIndexBench.Result partitioned(double m) {
        List<PartitionedIndexBench.Run> ordinary = new ArrayList<>(), partitioned = new ArrayList<>();
        for (int i = 0; i < count(m); i++) {
            ordinary.add(new PartitionedIndexBench.Run(12.3 * m * (i + 1), (int) Math.round(1200 * m), 97.5 * m, stats(m, 3.7), stats(m, 2.9)));
            partitioned.add(new PartitionedIndexBench.Run(15.1 * m * m * (i + 1), (int) Math.round(1100 * m), 91.5 * m, stats(m, 4.2), stats(m, 3.1)));
        }
        return new PartitionedIndexBench.Result((int) Math.round(1_150_000 * m), (int) Math.round(50 * m), ordinary, partitioned);
    }

    /**
     * A full run's report without a database: the run's own sections from {@code designs} and the narrow
     * table's strategies, then each part's section spliced in as {@link Bench#main} does.
     */
    static BenchReport report(double m) {
        BenchReport report = new BenchReport(1.0, (int) Math.round(1_150_000 * m), "");
        report.server = "server " + m;
        report.designs = designs(m);
        report.totalMinutes = 38 * m;
        report.narrow = new BenchSchema.Built(null, report.events, 1700 * m, Math.round(16_384 * m), Math.round(16_384 * m), stats(m, 3.2), "1 GB", "2 GB", false);
        report.narrowShape = "shape " + m;
        report.narrowRuns.put(BenchReport.FLOOR, backfillRuns(m, 41_000, count(m), count(m)));
        report.narrowRuns.put(BenchReport.MODULE, backfillRuns(m * m, 47_000, count(m), count(m) * 10));
        report.narrowRuns.put(BenchReport.SEED, backfillRuns(0.9 * m * m, 93_000, count(m), count(m) * 20));
        return report;
    }

    private static List<BackfillRun> backfillRuns(double m, double wall, int repeats, int batches) {
        List<BackfillRun> runs = new ArrayList<>();
        for (int i = 0; i < repeats; i++) {
            List<Double> batch = new ArrayList<>();
            for (int b = 0; b < batches; b++) {
                batch.add(wall * m / batches * (1 + 0.01 * b));
            }
            runs.add(new BackfillRun("s", wall * m * (1 + 0.02 * i), batch, List.of(), Math.round(1_150_000 * m), Math.round(1_150_000 * m),
                    Math.round(800_000 * m * m), stats(m, 1.3), Math.round(2000 * (float) m), Math.round(2 * m * (i + 1)), 5000 * m * m));
        }
        return runs;
    }
}
