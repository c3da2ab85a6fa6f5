package io.ehe.bench;

import io.ehe.bench.SchedulerQueries.Question;
import io.ehe.bench.SchedulerQueries.Variant;
import io.ehe.catalog.Design;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every figure in a report's table cells comes from the run that writes it (issue 26). The reports are
 * rendered twice from two made-up runs whose every measurement differs; a cell that holds a number and
 * reads the same in both renderings was typed into the code, not measured. The first column (the row's
 * label, such as "1,000 single-row statements") is not a figure of the run and is not compared.
 */
class ReportCellsTest {

    private static final String RUN = "test run";

    @Test
    void theDecisionTableOfAFullRunCarriesOnlyThatRunsFigures() {
        assertEveryNumberMeasured(m -> HighWatermarkReport.decisionTable(hwm(m), designs(m), app(m), RUN));
    }

    @Test
    void aHighWatermarkOnlyRunSaysWhatItDidNotMeasure() {
        assertEveryNumberMeasured(m -> HighWatermarkReport.decisionTable(hwm(m), null, null, RUN));
        String table = HighWatermarkReport.decisionTable(hwm(1), null, null, RUN);
        // the intro names it once; column design: 6 query rows, two write paths, WAL, rollout; the pending table: three app writes, WAL, the seed's-question rollout
        assertThat(table.split(HighWatermarkReport.NOT_MEASURED, -1).length - 1).as(table).isEqualTo(16);
        assertThat(table).doesNotContain("full run");
    }

    @Test
    void theHighWatermarkSectionCarriesOnlyThatRunsFigures() {
        assertEveryNumberMeasured(m -> HighWatermarkReport.section(hwm(m), RUN));
    }

    @Test
    void theDesignsDecisionTableCarriesOnlyThatRunsFigures() {
        assertEveryNumberMeasured(m -> new DesignReport(designs(m)).decisionTable());
    }

    @Test
    void theAppSemanticsSectionCarriesOnlyThatRunsFigures() {
        assertEveryNumberMeasured(m -> AppSemanticsReport.markdown(app(m), RUN));
    }

    @Test
    void theMetricsSectionCarriesOnlyThatRunsFigures() {
        assertEveryNumberMeasured(m -> MetricsBench.markdown(new MetricsBench.Result("shape", List.of(
                new MetricsBench.Row("pending-table", "recent", Math.round(25_000 * m), Math.round(1_000 * m), stats(m, 1.1), stats(m, 2.3), stats(m, 3.4), 5),
                new MetricsBench.Row("pending-table", "model swap", Math.round(1_060_000 * m), Math.round(900 * m), stats(m, 31), stats(m, 2.2), stats(m, 33), 50),
                new MetricsBench.Row("column", "recent", Math.round(24_000 * m), Math.round(2 * m), stats(m, 2.9), stats(m, 1.7), stats(m, 4.6), 5)), 30), RUN));
    }

    /** Renders with two runs (every measurement of the second about 1.7 times the first's) and compares cell by cell. */
    private static void assertEveryNumberMeasured(Function<Double, String> render) {
        String[] a = render.apply(1.0).split("\n");
        String[] b = render.apply(1.7).split("\n");
        assertThat(b).hasSameSizeAs(a);
        List<String> literal = new ArrayList<>();
        int cells = 0;
        for (int i = 0; i < a.length; i++) {
            boolean header = i + 1 < a.length && a[i + 1].startsWith("|---");
            if (!a[i].startsWith("|") || a[i].startsWith("|---") || header) {
                continue;
            }
            String[] ca = a[i].split("\\|", -1), cb = b[i].split("\\|", -1);
            assertThat(cb).as("line %d", i).hasSameSizeAs(ca);
            for (int c = 2; c < ca.length - 1; c++) {
                if (ca[c].matches(".*\\d.*")) {
                    cells++;
                    if (ca[c].equals(cb[c])) {
                        literal.add(ca[c].trim() + "  (row: " + ca[1].trim() + ")");
                    }
                }
            }
        }
        assertThat(cells).as("cells holding a figure").isPositive();
        assertThat(literal).as("cells whose figure did not follow the run").isEmpty();
    }

    private static Stats stats(double m, double base) {
        return new Stats(5, base * m, 1.5 * base * m, 1.8 * base * m, 2 * base * m);
    }

    private static Paired paired(double m, double base) {
        return new Paired(5, base * m, 0.8 * base * m, 1.3 * base * m);
    }

    private static List<AppSemanticsBench.WriteRow> writes(double m) {
        List<AppSemanticsBench.WriteRow> w = new ArrayList<>();
        String[] names = {"re-embed", "supersede", "event insert", "other update"};
        for (int i = 0; i < names.length; i++) {
            w.add(new AppSemanticsBench.WriteRow(names[i], 1.3, paired(m, 1.11 + 0.07 * i), stats(m, 2.3 + i), stats(m, 1.9 + i)));
        }
        return w;
    }

    private static HighWatermarkBench.Result hwm(double m) {
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

    private static AppSemanticsBench.Result app(double m) {
        List<AppSemanticsBench.QueryRow> queries = new ArrayList<>();
        for (String backlog : List.of("recent", "scattered", "old")) {
            queries.add(new AppSemanticsBench.QueryRow(backlog, Math.round(11_500 * m), stats(m, 2.2), stats(m, 0.33)));
        }
        return new AppSemanticsBench.Result("shape", writes(m), List.of(writes(m), writes(m), writes(m)),
                new AppSemanticsBench.FillRow(Math.round(1_000_000 * m), 41_000 * m, 17_000 * m, Math.round(3 * m), (int) Math.round(200 * m)), queries, "plan\n");
    }

    private static DesignBench.Results designs(double m) {
        Map<String, Double> parts = new LinkedHashMap<>();
        parts.put(RolloutBench.MIGRATE, 1200 * m);
        parts.put(RolloutBench.BACKFILL, 61_000 * m);
        List<RolloutBench.Run> runs = List.of(new RolloutBench.Run(parts, Math.round(4.9e9 * m), Math.round(1_150_000 * m), Math.round(90_000 * m),
                stats(m, 4.4), 3000, 120));
        RolloutBench.Result rollout = new RolloutBench.Result(runs, runs, runs, List.of(510 * m), null, null);
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
            shapes.add(new DesignQueryBench.ShapeResult(shape, times, speedup, plans, agree, 1000, 10, new double[]{0.9, 0.01}, 5));
        }
        return new DesignBench.Results(new DesignTemplate.Template(null, 1000, 1000, 100, false, "shape"), rollout,
                write(Design.COLUMN, m, 7.6), write(Design.PENDING_TABLE, m, 1.3), shapes);
    }

    private static WritePathBench.Result write(Design design, double m, double ratio) {
        Map<WritePathBench.Path, WritePathBench.PathResult> paths = new EnumMap<>(WritePathBench.Path.class);
        for (WritePathBench.Path p : WritePathBench.Path.values()) {
            paths.put(p, new WritePathBench.PathResult(stats(m, ratio * (p.ordinal() + 1)), stats(m, p.ordinal() + 1), paired(m, ratio + p.ordinal()),
                    stats(m * m, 2_800_000 * ratio), stats(m, 239_000), stats(m, 3.1), paired(m, 1.05)));
        }
        return new WritePathBench.Result(design, paths, 5);
    }
}
