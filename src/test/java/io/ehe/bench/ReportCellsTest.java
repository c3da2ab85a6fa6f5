package io.ehe.bench;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static io.ehe.bench.ReportFixtures.app;
import static io.ehe.bench.ReportFixtures.designs;
import static io.ehe.bench.ReportFixtures.hwm;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every figure in a report's table cells comes from the run that writes it (issue 26), checked twice:
 * <ul>
 * <li>rendered: every report is rendered from two made-up runs whose every measurement differs
 *     ({@link ReportFixtures}); a cell that holds a number and reads the same in both renderings was typed
 *     into the code, not measured. The first column (the row's label, such as "1,000 single-row
 *     statements") is not a figure of the run and is not compared;</li>
 * <li>in the source: no string literal of a report writer puts a measured-looking figure (a number with
 *     a unit: x, ms, s, kB, MB, GB, %) into a table cell other than a row's label or a header, or returns
 *     one as a cell; a goal ("≤ 5 ms") is a threshold, not a measurement. This catches a literal cell on
 *     a path the made-up runs do not render.</li>
 * </ul>
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
    void theDesignsTablesCarryOnlyThatRunsFigures() {
        assertEveryNumberMeasured(m -> new DesignReport(designs(m)).decisionTable());
        assertEveryNumberMeasured(m -> new DesignReport(designs(m)).sections());
    }

    @Test
    void theWholeReportOfAFullRunCarriesOnlyThatRunsFigures() {
        // the machine row describes this computer, the same in both renderings: not a figure of the run
        assertEveryNumberMeasured(m -> without(render(ReportFixtures.report(m)), "| machine |"));
    }

    @Test
    void theAppSemanticsSectionCarriesOnlyThatRunsFigures() {
        assertEveryNumberMeasured(m -> AppSemanticsReport.markdown(app(m), RUN));
    }

    @Test
    void theMetricsSectionCarriesOnlyThatRunsFigures() {
        assertEveryNumberMeasured(m -> MetricsBench.markdown(ReportFixtures.metrics(m), RUN));
    }

    @Test
    void theQueueSectionCarriesOnlyThatRunsFigures() {
        assertEveryNumberMeasured(m -> QueueBench.markdown(ReportFixtures.queue(m), RUN));
    }

    @Test
    void thePartitionedIndexSectionCarriesOnlyThatRunsFigures() {
        assertEveryNumberMeasured(m -> PartitionedIndexBench.markdown(ReportFixtures.partitioned(m), RUN));
    }

    @Test
    void noReportWriterTypesAFigureIntoACell() throws IOException {
        List<String> literal = new ArrayList<>();
        int writers = 0;
        try (Stream<Path> files = Files.list(BENCH)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java") && !p.toString().endsWith("Test.java")).sorted().toList()) {
                String src = Files.readString(f);
                if (src.contains("StringBuilder md")) {
                    writers++;
                    for (String figure : literalCells(src)) {
                        literal.add(f.getFileName() + ": " + figure);
                    }
                }
            }
        }
        assertThat(writers).as("report writers found in " + BENCH).isGreaterThanOrEqualTo(8);
        assertThat(literal).as("figures typed into report cells").isEmpty();
    }

    @Test
    void theSourceScanFindsAFigureTypedIntoACell() {
        // the shapes of the cells HighWatermarkReport quoted before issue 26 (a continued row, a row's second cell, a returned cell)
        assertThat(literalCells("md.append(String.format(\"| rollout | nothing | 79.1 s, 4.98 GB WAL *(full run)* | %s |\"\n + \"| 1.26x *(full run)* | %s\", a));"))
                .containsExactly("79.1 s", "4.98 GB", "1.26x");
        assertThat(literalCells("md.append(\"| single-row event insert, vs no module | 1.00x | \");")).containsExactly("1.00x");
        assertThat(literalCells("String c(String b) { return switch (b) { case \"old\" -> \"4.1 ms *(full run)*\"; default -> \"n/a\"; }; }"))
                .containsExactly("4.1 ms");
        assertThat(literalCells("md.append(\"| a goal ≤ 5 ms, 3x the floor | \").append(x);\nmd.append(\"| a | b at 1x |\\n|---|---|\\n\");")).isEmpty();
    }

    private static final Path BENCH = Path.of("src/test/java/io/ehe/bench");

    /** A number with a unit, as the reports print a measurement. */
    private static final Pattern FIGURE = Pattern.compile("(?<![\\w.])\\d[\\d,]*(?:\\.\\d+)?\\s?(?:x|ms|s|min|minutes|GB|MB|kB|B|%%|%)(?!\\w)");
    /** A threshold written before a figure: a goal, not a measurement. */
    private static final Pattern GOAL = Pattern.compile("(?:≤|≥|<=|>=|goal|under)\\s*$");
    /** Units named in a cell's words, not measured: shared_buffers is counted in 8 kB pages. */
    private static final Set<String> UNITS = Set.of("in 8 kB pages");

    /**
     * The figures that string literals of {@code src} put into table cells: every cell of a literal that
     * continues a row ({@code + "| ..."}) or of a row after its label, and a literal a method returns
     * (a cell built elsewhere). Header rows (followed by {@code |---}) and goals are left out.
     */
    static List<String> literalCells(String src) {
        List<String> out = new ArrayList<>();
        for (String[] lit : literals(src)) {
            String text = lit[0].replace("%n", "\n").replace("\\n", "\n");
            String before = lit[1];
            if (!text.contains("|")) {
                if (before.equals("return") || before.equals("->")) {
                    out.addAll(figures(text));
                }
                continue;
            }
            String[] rows = text.split("\n", -1);
            for (int r = 0; r < rows.length; r++) {
                String row = rows[r];
                if (!row.contains("|") || row.startsWith("|---") || r + 1 < rows.length && rows[r + 1].startsWith("|---")) {
                    continue;
                }
                boolean rowStart = row.stripLeading().startsWith("|") && (r > 0 || "(,=".contains(before) && !before.isEmpty());
                String[] cells = row.split("\\|", -1);
                for (int c = rowStart ? 2 : 0; c < cells.length; c++) {
                    out.addAll(figures(cells[c]));
                }
            }
        }
        return out;
    }

    private static List<String> figures(String cell) {
        List<String> out = new ArrayList<>();
        String words = cell;
        for (String u : UNITS) {
            words = words.replace(u, "");
        }
        Matcher m = FIGURE.matcher(words);
        while (m.find()) {
            if (!GOAL.matcher(words.substring(0, m.start())).find()) {
                out.add(m.group());
            }
        }
        return out;
    }

    /** The string literals (and text blocks) of Java source, each with the token before it: "return", "->" or one character. */
    private static List<String[]> literals(String src) {
        List<String[]> out = new ArrayList<>();
        int i = 0;
        while (i < src.length()) {
            if (src.startsWith("//", i)) {
                int e = src.indexOf('\n', i);
                i = e < 0 ? src.length() : e;
            } else if (src.startsWith("/*", i)) {
                i = src.indexOf("*/", i) + 2;
            } else if (src.startsWith("\"\"\"", i)) {
                int e = src.indexOf("\"\"\"", i + 3);
                out.add(new String[]{src.substring(i + 3, e), before(src, i)});
                i = e + 3;
            } else if (src.charAt(i) == '"' || src.charAt(i) == '\'') {
                char q = src.charAt(i);
                int j = i + 1;
                while (src.charAt(j) != q) {
                    j += src.charAt(j) == '\\' ? 2 : 1;
                }
                if (q == '"') {
                    out.add(new String[]{src.substring(i + 1, j), before(src, i)});
                }
                i = j + 1;
            } else {
                i++;
            }
        }
        return out;
    }

    private static String before(String src, int i) {
        int k = i - 1;
        while (k >= 0 && Character.isWhitespace(src.charAt(k))) {
            k--;
        }
        String head = src.substring(0, k + 1);
        return head.endsWith("return") ? "return" : head.endsWith("->") ? "->" : k >= 0 ? String.valueOf(src.charAt(k)) : "";
    }

    private static String render(BenchReport report) {
        try {
            return report.markdown(Path.of("plot.svg"), Path.of("design.svg"));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static String without(String md, String rowStart) {
        return String.join("\n", md.lines().filter(l -> !l.startsWith(rowStart)).toList());
    }

    /** Row labels that take a second column (the write path's statements beside the design): not figures of the run. */
    private static final Set<String> LABELS = Stream.of(WritePathBench.Path.values()).map(p -> p.label).collect(java.util.stream.Collectors.toSet());

    /** Renders with two runs (every measurement of the second about 1.7 times the first's) and compares cell by cell. */
    private static void assertEveryNumberMeasured(Function<Double, String> render) {
        String[] a = render.apply(1.0).split("\n");
        String[] b = render.apply(1.7).split("\n");
        assertThat(b).hasSameSizeAs(a);
        Set<String> literal = new TreeSet<>();
        int cells = 0;
        for (int i = 0; i < a.length; i++) {
            boolean header = i + 1 < a.length && a[i + 1].startsWith("|---");
            if (!a[i].startsWith("|") || a[i].startsWith("|---") || header) {
                continue;
            }
            String[] ca = a[i].split("\\|", -1), cb = b[i].split("\\|", -1);
            assertThat(cb).as("line %d", i).hasSameSizeAs(ca);
            for (int c = 2; c < ca.length - 1; c++) {
                if (ca[c].matches(".*\\d.*") && !LABELS.contains(ca[c].trim())) {
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
}
