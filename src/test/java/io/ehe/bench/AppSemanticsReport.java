package io.ehe.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * The markdown section of {@link AppSemanticsBench}: every goal of issue 16 with the measured value
 * and met or missed. Spliced into BENCHMARKS.md between two markers, so a run of this part alone
 * replaces only its own section and says which run produced it.
 */
final class AppSemanticsReport {

    static final String BEGIN = "<!-- app-semantics:begin -->";
    static final String END = "<!-- app-semantics:end -->";

    private AppSemanticsReport() {
    }

    static String markdown(AppSemanticsBench.Result r, String run) {
        StringBuilder md = new StringBuilder();
        md.append(BEGIN).append('\n');
        md.append("## The app's question: pending-table design, per target model (issue 16)\n\n");
        md.append("Run: ").append(run).append(". Data: ").append(r.shape()).append(". Semantics `app` (only a chunk-0 row of a target ")
                .append("model counts, superseded events never pending), target `").append(AppSemanticsBench.MODEL)
                .append("`. Every ratio is paired: the same statements on a copy of the same data without the module, ")
                .append("transaction by transaction (each event's transaction on one copy, then at once on the other, the side going first ")
                .append("alternating); per round the median on over the median off, ").append(AppSemanticsBench.PER_ROUND)
                .append(" transactions each; the median of the per-round ratios, and their range. ")
                .append("Existing embedding rows carry no vector; every row the measured transactions write carries a 768-float `real[]`.\n\n");

        md.append("### Goals\n\n| goal | measured | |\n|---|---|---|\n");
        for (AppSemanticsBench.WriteRow w : r.writes()) {
            md.append("| ").append(w.name()).append(" ≤ ").append(Paired.x(w.goal())).append(" | ").append(w.ratio().text())
                    .append(" (on ").append(w.on().medianP95()).append(", off ").append(w.off().medianP95()).append(", median / p95 per transaction)")
                    .append(" | ").append(w.ratio().median() <= w.goal() + 0.005 ? "met" : "**missed**").append(" |\n");
        }
        AppSemanticsBench.FillRow f = r.fill();
        md.append(String.format(Locale.ROOT, "| adding a target model on the whole table ≤ 3x the floor (one `INSERT ... SELECT`, no batching) "
                        + "| %s vs %s: %s (%,d pairs, %,d batches) | %s |\n", Stats.ms(f.fillMillis()), Stats.ms(f.floorMillis()),
                Paired.x(f.ratio()), f.pairs(), f.batches(), f.ratio() <= 3.0 ? "met" : "**missed**"));
        md.append(String.format(Locale.ROOT, "| rows of events written by the fill: 0 | %d | %s |\n", f.eventsUpdated(),
                f.eventsUpdated() == 0 ? "met" : "**missed**"));
        for (AppSemanticsBench.QueryRow q : r.queries()) {
            md.append(String.format(Locale.ROOT, "| %s backlog (%,d pending): newest 5,000 per organization ≤ 5 ms, one organization's newest 100 ≤ 1 ms (server) "
                            + "| %s and %s (median; p95 %s and %s) | %s |\n", q.backlog(), q.pending(), Stats.ms(q.discovery().median()),
                    Stats.ms(q.pick().median()), Stats.ms(q.discovery().p95()), Stats.ms(q.pick().p95()),
                    q.discovery().median() <= 5 && q.pick().median() <= 1 ? "met" : "**missed**"));
        }
        if (r.writeRuns().size() > 1) {
            md.append(writeRuns(r.writeRuns()));
        }
        md.append("\nThe discovery query on the model-swap backlog (every live event pending), as the server ran it:\n\n```\n")
                .append(r.swapPlan()).append("```\n");
        md.append(END).append('\n');
        return md.toString();
    }

    /** Issue 24's goals and stretch goals for the three trigger paths: each must hold in every one of the consecutive runs. */
    private static final double[] GOALS = {1.20, 1.30, 1.15};
    private static final double STRETCH = 1.10;

    static String writeRuns(List<List<AppSemanticsBench.WriteRow>> runs) {
        StringBuilder md = new StringBuilder();
        md.append("\n### The write path in ").append(runs.size()).append(" consecutive runs (issue 24)\n\n")
                .append("Each run repeats the whole paired measurement above on the same two databases (the table's write rows are the last run). ")
                .append("Issue 24's goals must hold in every run, not on a median of runs; stretch goal ").append(Paired.x(STRETCH)).append(" for all three.\n\n");
        md.append("| path and goal |");
        for (int i = 1; i <= runs.size(); i++) {
            md.append(" run ").append(i).append(" |");
        }
        md.append(" goal in every run | stretch ").append(Paired.x(STRETCH)).append(" in every run |\n|---|");
        md.append("---|".repeat(runs.size())).append("---|---|\n");
        for (int k = 0; k < GOALS.length; k++) {
            md.append("| ").append(runs.get(0).get(k).name()).append(" ≤ ").append(Paired.x(GOALS[k])).append(" |");
            boolean all = true;
            boolean stretch = true;
            for (List<AppSemanticsBench.WriteRow> run : runs) {
                double m = run.get(k).ratio().median();
                md.append(' ').append(run.get(k).ratio().text()).append(" |");
                all &= m <= GOALS[k] + 0.005;
                stretch &= m <= STRETCH + 0.005;
            }
            md.append(all ? " met |" : " **missed** |").append(stretch ? " met |" : " **missed** |").append('\n');
        }
        return md.toString();
    }

    /** Replaces the section in {@code file} (appends it when the file has none). */
    static void splice(Path file, String section) throws IOException {
        Splice.section(file, BEGIN, END, section);
    }
}
