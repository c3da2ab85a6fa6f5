package io.ehe.bench;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What a partial run (--app-semantics-only, --queue-only, --metrics-only, --partitioned-index-only,
 * --high-watermark-only) does to a report a full run wrote (issue 26): it replaces its own sections with its
 * own run's, leaves every other byte as it was, and prints no other run's figure as its own. Made-up
 * results ({@link ReportFixtures}), no database: the full run's every figure differs from the partial run's.
 */
class PartialRunReportTest {

    private static final String FULL = "the full run";
    private static final String PARTIAL = "the partial run";
    private static final double FULL_M = 1.0;
    private static final double PARTIAL_M = 1.7;

    @TempDir
    Path dir;

    /** A full run's report, written as Bench.main writes it: the report, then each part's sections. */
    private Path fullReport() throws Exception {
        Path out = dir.resolve("BENCHMARKS.md");
        BenchReport report = ReportFixtures.report(FULL_M);
        Files.writeString(out, report.markdown(Path.of("plot.svg"), Path.of("design.svg")));
        AppSemanticsBench.Result app = ReportFixtures.app(FULL_M);
        Bench.writeAppSemantics(out, app, FULL);
        Bench.writeMetrics(out, ReportFixtures.metrics(FULL_M), FULL);
        Bench.writeQueue(out, ReportFixtures.queue(FULL_M), FULL);
        Bench.writePartitionedIndex(out, ReportFixtures.partitioned(FULL_M), FULL);
        Bench.writeHighWatermark(out, ReportFixtures.hwm(FULL_M), report.designs, app, FULL);
        return out;
    }

    @Test
    void aFullRunPutsTheDecisionTableFirstAndEveryPartsSectionOnce() throws Exception {
        String md = Files.readString(fullReport());
        assertThat(md.indexOf("\n## ")).isEqualTo(md.indexOf(HighWatermarkReport.TABLE_BEGIN) + HighWatermarkReport.TABLE_BEGIN.length());
        for (String[] m : MARKERS) {
            assertThat(md.split(m[0], -1)).as(m[0]).hasSize(2);
            assertThat(md.indexOf(m[1])).as(m[1]).isGreaterThan(md.indexOf(m[0]));
        }
        // the table's intro names the phrase once; no cell says it
        assertThat(md.split(HighWatermarkReport.NOT_MEASURED, -1)).hasSize(2);
        assertThat(md).doesNotContain(PARTIAL);
    }

    @Test
    void anAppSemanticsQueueMetricsOrPartitionedIndexOnlyRunReplacesOnlyItsSection() throws Exception {
        AppSemanticsBench.Result app = ReportFixtures.app(PARTIAL_M);
        QueueBench.Result queue = ReportFixtures.queue(PARTIAL_M);
        MetricsBench.Result metrics = ReportFixtures.metrics(PARTIAL_M);
        PartitionedIndexBench.Result partitioned = ReportFixtures.partitioned(PARTIAL_M);
        assertReplacesOnly(out -> Bench.writeAppSemantics(out, app, PARTIAL), AppSemanticsReport.markdown(app, PARTIAL));
        assertReplacesOnly(out -> Bench.writeQueue(out, queue, PARTIAL), QueueBench.markdown(queue, PARTIAL));
        assertReplacesOnly(out -> Bench.writeMetrics(out, metrics, PARTIAL), MetricsBench.markdown(metrics, PARTIAL));
        assertReplacesOnly(out -> Bench.writePartitionedIndex(out, partitioned, PARTIAL), PartitionedIndexBench.markdown(partitioned, PARTIAL));
    }

    @Test
    void aHighWatermarkOnlyRunReplacesItsSectionAndTheDecisionTableWhichSaysWhatItDidNotMeasure() throws Exception {
        HighWatermarkBench.Result r = ReportFixtures.hwm(PARTIAL_M);
        String table = HighWatermarkReport.decisionTable(r, null, null, PARTIAL);
        String before = assertReplacesOnly(out -> Bench.writeHighWatermark(out, r, null, null, PARTIAL), HighWatermarkReport.section(r, PARTIAL), table);
        // the column design's and the app-semantics cells: this run did not measure them, and the full run's stay in their own sections
        assertThat(table.split(HighWatermarkReport.NOT_MEASURED, -1).length - 1).isEqualTo(16);
        String oldTable = between(before, HighWatermarkReport.TABLE_BEGIN, HighWatermarkReport.TABLE_END);
        assertThat(oldTable).contains("(app-semantics part)").contains("seed's question, pending count per organization");
        assertThat(table).doesNotContain("(app-semantics part)").doesNotContain("seed's question, pending count per organization");
    }

    @Test
    void spliceAppendsASectionTheFileLacksAndPutsATopSectionBeforeTheFirstHeading() throws Exception {
        Path f = dir.resolve("r.md");
        Splice.section(f, "<!-- a:begin -->", "<!-- a:end -->", "<!-- a:begin -->\nA\n<!-- a:end -->\n");
        assertThat(Files.readString(f)).isEqualTo("\n<!-- a:begin -->\nA\n<!-- a:end -->\n");
        Files.writeString(f, "# T\n\nintro\n\n## one\n\nx\n");
        Splice.section(f, "<!-- t:begin -->", "<!-- t:end -->", "<!-- t:begin -->\nT\n<!-- t:end -->\n", true);
        Splice.section(f, "<!-- a:begin -->", "<!-- a:end -->", "<!-- a:begin -->\nA\n<!-- a:end -->\n");
        assertThat(Files.readString(f)).isEqualTo("# T\n\nintro\n\n<!-- t:begin -->\nT\n<!-- t:end -->\n\n## one\n\nx\n\n<!-- a:begin -->\nA\n<!-- a:end -->\n");
        Splice.section(f, "<!-- t:begin -->", "<!-- t:end -->", "<!-- t:begin -->\nT2\n<!-- t:end -->\n", true);
        Splice.section(f, "<!-- a:begin -->", "<!-- a:end -->", "<!-- a:begin -->\nA2\n<!-- a:end -->\n");
        assertThat(Files.readString(f)).isEqualTo("# T\n\nintro\n\n<!-- t:begin -->\nT2\n<!-- t:end -->\n\n## one\n\nx\n\n<!-- a:begin -->\nA2\n<!-- a:end -->\n");
    }

    private static final String[][] MARKERS = {
            {HighWatermarkReport.TABLE_BEGIN, HighWatermarkReport.TABLE_END}, {AppSemanticsReport.BEGIN, AppSemanticsReport.END},
            {MetricsBench.BEGIN, MetricsBench.END}, {QueueBench.BEGIN, QueueBench.END},
            {PartitionedIndexBench.BEGIN, PartitionedIndexBench.END}, {HighWatermarkReport.BEGIN, HighWatermarkReport.END}};

    /** One partial run's writing into a report. */
    private interface Part {
        void write(Path out) throws IOException;
    }

    /** Runs {@code partial} on a full run's report and checks it replaced only {@code sections}; returns the report before. */
    private String assertReplacesOnly(Part partial, String... sections) throws Exception {
        Path out = fullReport();
        String before = Files.readString(out);
        partial.write(out);
        assertOnlyReplaced(before, Files.readString(out), List.of(sections));
        return before;
    }

    /**
     * {@code after} holds each of {@code sections} (the partial run's, naming only it) at the place where
     * {@code before} held the full run's, and is otherwise {@code before} byte for byte, naming only the full run.
     */
    private static void assertOnlyReplaced(String before, String after, List<String> sections) {
        String restBefore = before, restAfter = after;
        for (String section : sections) {
            String begin = section.substring(0, section.indexOf('\n')), end = section.substring(section.lastIndexOf("<!--"), section.length() - 1);
            assertThat(after).contains(section);
            assertThat(section).contains(PARTIAL).doesNotContain(FULL);
            restBefore = cut(restBefore, begin, end);
            restAfter = cut(restAfter, begin, end);
        }
        assertThat(restAfter).isEqualTo(restBefore).doesNotContain(PARTIAL);
    }

    private static String cut(String md, String begin, String end) {
        return md.substring(0, md.indexOf(begin)) + "(section " + begin + ")" + md.substring(md.indexOf(end) + end.length());
    }

    private static String between(String md, String begin, String end) {
        return md.substring(md.indexOf(begin), md.indexOf(end));
    }
}
