package io.ehe.bench;

import java.util.List;
import java.util.Locale;

/**
 * The markdown of {@link HighWatermarkBench}: its own section (between {@link #BEGIN} and {@link #END})
 * and the all-contenders decision table at the top of BENCHMARKS.md (between {@link #TABLE_BEGIN} and
 * {@link #TABLE_END}), each spliced so a run of this part alone replaces only them. Every figure comes from the run that
 * writes it; a cell it did not measure says {@link #NOT_MEASURED}.
 */
final class HighWatermarkReport {

    static final String BEGIN = "<!-- high-watermark:begin -->";
    static final String END = "<!-- high-watermark:end -->";
    static final String TABLE_BEGIN = "<!-- decision:begin -->";
    static final String TABLE_END = "<!-- decision:end -->";

    private HighWatermarkReport() {
    }

    static String section(HighWatermarkBench.Result r, String run) {
        StringBuilder md = new StringBuilder();
        md.append(BEGIN).append('\n');
        md.append("## The high-watermark scheduler beside the others, on the app's question (issue 20)\n\n");
        md.append("Run: ").append(run).append(". Data: ").append(r.shape()).append(". **The machine is shared** (2 cores, other sessions running tests): ")
                .append("read the ratios, measured side by side in this run (the same statements, round by round, the contenders' order reversed ")
                .append("every round), not the absolute times. Each contender answers the app's question (target `").append(HighWatermarkBench.MODEL)
                .append("`, chunk 0, superseded events excluded). The high watermark's cursor table is `(model, organization_id) -> (created_at, id)`; ")
                .append("its tick caps every cursor at `now() - ").append(HighWatermarkBench.LAG).append("` (`src/test/java/io/ehe/bench/HighWatermark.java`; ")
                .append("what it is and where it breaks: `docs/high-watermark.md`).\n\n");

        HighWatermarkBench.Rollout ro = r.rollout();
        md.append("### Rollout and write path\n\n| | high watermark | pending-table design |\n|---|---|---|\n");
        md.append(String.format(Locale.ROOT, "| rollout on the recent backlog (high watermark: create the cursor table, first tick from the start; pending table: migrate, configure `app`, fill) "
                + "| %s (%d cursors) | %s |%n", Stats.ms(ro.hwmMillis()), ro.hwmCursors(), Stats.ms(ro.pendingMillis())));
        md.append(String.format(Locale.ROOT, "| a model swap: first tick of the new model / the fill of its pending rows | %s | %s |%n",
                Stats.ms(ro.swapTickMillis()), Stats.ms(ro.swapFillMillis())));
        md.append("| rows of `events` written by the rollout | none | none |\n");
        for (AppSemanticsBench.WriteRow w : r.writes()) {
            md.append(String.format(Locale.ROOT, "| %s, with the cursor table vs without (paired) | **%s** (with %s, without %s, median / p95 per transaction) "
                    + "| see the app-semantics section |%n", w.name(), w.ratio().text(), w.on().medianP95(), w.off().medianP95()));
        }
        md.append("\nThe high watermark adds no trigger, so its write path is the bare table's: the paired ratios above measure two copies of the "
                + "same table, one holding the (unread) cursor table; their spread is the machine's noise.\n\n");

        md.append("### Per backlog: what the cursors hide, the sweep, the tick\n\n");
        md.append("| backlog | pending | hidden by the cursors after the backlog moved | whole sweep below the cursors (WAL) | cursors moved back "
                + "| tick (WAL) | one 1/20 slice of the sweep | candidates below the lowest cursor |\n|---|---|---|---|---|---|---|---|\n");
        for (HighWatermarkBench.ShapeRow s : r.shapes()) {
            md.append(String.format(Locale.ROOT, "| %s | %,d | %,d | %s (%s) | %d | %s (%s) | %s | %.1f%% |%n", s.backlog(), s.pending(), s.hiddenBeforeSweep(),
                    Stats.ms(s.sweepMillis()), RolloutBench.bytes(s.sweepWal()), s.cursorsMovedBack(), Stats.ms(s.tickMillis()), RolloutBench.bytes(s.tickWal()),
                    Stats.ms(s.sliceMillis()), 100 * s.belowCursorShare()));
        }
        md.append("\nEach backlog here is made by deleting and inserting embedding rows (`BacklogShape`); for the cursors a deleted embedding "
                + "below them is a hole, which is what the \"hidden\" column counts before the sweep repairs it (the recent backlog was in place before the "
                + "first tick). Sweep and tick: client wall time of the statements; the tick is the median of five after a first one.\n\n");

        md.append("### The app's two scheduler queries\n\n");
        md.append("Server execution time, median of the rounds; in brackets the speed-up over the query rewrite in the same round "
                + "(median of per-round ratios). Discovery: the newest 5,000 pending candidates counted per organization (oldest 5,000 for the oldest-first "
                + "variant); pick: that organization's next 100.\n\n");
        md.append("| backlog | query |");
        for (AppContender c : AppContender.values()) {
            md.append(' ').append(c.label).append(" |");
        }
        md.append(" same rows |\n|---|---|---|---|---|---|---|\n");
        for (HighWatermarkBench.ShapeRow s : r.shapes()) {
            AppQueryRounds.Result q = s.queries();
            for (int k = 0; k < 2; k++) {
                md.append("| ").append(s.backlog()).append(" | ").append(k == 0 ? "discovery" : "pick").append(" |");
                for (AppContender c : AppContender.values()) {
                    Stats st = (k == 0 ? q.discovery() : q.pick()).get(c);
                    Paired p = (k == 0 ? q.discoveryVsRewrite() : q.pickVsRewrite()).get(c);
                    md.append(' ').append(Stats.ms(st.median())).append(c == AppContender.REWRITE ? "" : " (" + Paired.x(p.median()) + ")").append(" |");
                }
                md.append(' ').append(q.sameRows() ? "yes" : "**no**: " + q.note()).append(" |\n");
            }
        }
        md.append("\nSame rows: the newest-first contenders return the rewrite's top organization, count and pick; the oldest-first variant returns "
                + "the rewrite's rows walked oldest first (checked after the sweep).\n");
        for (HighWatermarkBench.ShapeRow s : r.shapes()) {
            md.append("\n<details><summary>plans, ").append(s.backlog()).append(" backlog: the rewrite and the high watermark (the pending table's are in the app-semantics section)</summary>\n\n");
            for (AppContender c : List.of(AppContender.REWRITE, AppContender.HWM_NEWEST, AppContender.HWM_OLDEST)) {
                md.append("**").append(c.label).append("**\n\n```\n").append(s.queries().plans().get(c)).append("```\n\n");
            }
            md.append("</details>\n");
        }
        md.append(END).append('\n');
        return md.toString();
    }

    /** What a cell says when the run that writes the report did not measure its figure. */
    static final String NOT_MEASURED = "not measured in this run";

    /**
     * The decision table: every contender, every backlog, write path, WAL, rollout, guarantee. Every figure
     * comes from this run: the high watermark's and the app's queries from {@code r}, the column design's
     * (the seed's question) and both designs' write-path WAL and rollout from {@code designs}, the pending
     * table's app write paths from {@code app}. {@code designs} or {@code app} is null when this run did not
     * measure it (a partial run, or a skipped part); its cells then say {@link #NOT_MEASURED}.
     */
    static String decisionTable(HighWatermarkBench.Result r, DesignBench.Results designs, AppSemanticsBench.Result app, String run) {
        StringBuilder md = new StringBuilder();
        md.append(TABLE_BEGIN).append('\n');
        md.append("## Which design, for the app's question? (all contenders)\n\n");
        md.append("Every cell: ").append(run)
                .append(" (the machine is shared: compare within a row, not across runs); a cell this run did not measure says \"").append(NOT_MEASURED)
                .append("\". The column design answers the seed's question only (any embedding row counts) and refuses the app's, ")
                .append("so its query cells are the seed's question, from the designs part of this run.\n\n");
        md.append("| | no schema change (query rewrite) | column design | pending-table design | high watermark, newest first | high watermark, oldest first | best |\n")
                .append("|---|---|---|---|---|---|---|\n");
        for (int k = 0; k < 2; k++) {
            for (HighWatermarkBench.ShapeRow s : r.shapes()) {
                AppQueryRounds.Result q = s.queries();
                md.append("| ").append(k == 0 ? "discovery (newest 5,000 per organization)" : "pick (one organization's next 100)").append(", ")
                        .append(s.backlog()).append(" backlog");
                AppContender best = null;
                String column = columnCell(designs, k == 0 ? SchedulerQueries.Question.COUNT_PER_ORG : SchedulerQueries.Question.NEXT_BIG_ORG, s.backlog());
                for (AppContender c : List.of(AppContender.REWRITE, AppContender.PENDING_TABLE, AppContender.HWM_NEWEST, AppContender.HWM_OLDEST)) {
                    double ms = (k == 0 ? q.discovery() : q.pick()).get(c).median();
                    if (best == null || ms < (k == 0 ? q.discovery() : q.pick()).get(best).median()) {
                        best = c;
                    }
                    String cell = Stats.ms(ms) + (c == AppContender.REWRITE ? "" : " (" + Paired.x((k == 0 ? q.discoveryVsRewrite() : q.pickVsRewrite()).get(c).median()) + ")");
                    md.append(" | ").append(cell);
                    if (c == AppContender.REWRITE) {
                        md.append(" | ").append(column);
                    }
                }
                md.append(" | ").append(best.label).append(" |\n");
            }
        }
        AppSemanticsBench.WriteRow reembed = r.writes().get(0), supersede = r.writes().get(1), insert = r.writes().get(2);
        md.append(String.format(Locale.ROOT, "| the app's re-embed of one (event, model), vs no module | adds nothing | %s | %s "
                        + "| %s (measured; no trigger: identical statements on an identical bare table, so the distance from parity is the machine's noise) | same as newest first | no schema change ≈ high watermark |%n",
                columnWrite(designs, WritePathBench.Path.EMBEDDING_SINGLE, "seed's question: "), appWrite(app, 0), Paired.x(reembed.ratio().median())));
        md.append(String.format(Locale.ROOT, "| the app's supersede, vs no module | adds nothing | n/a (seed's question) | %s | %s (measured, as above) "
                + "| same | no schema change ≈ high watermark |%n", appWrite(app, 1), Paired.x(supersede.ratio().median())));
        md.append(String.format(Locale.ROOT, "| single-row event insert, vs no module | adds nothing | %s | %s | %s (measured, as above) "
                + "| same | no schema change ≈ high watermark |%n", columnWrite(designs, WritePathBench.Path.EVENT_SINGLE, ""), appWrite(app, 2), Paired.x(insert.ratio().median())));
        HighWatermarkBench.ShapeRow recent = r.shapes().get(0);
        md.append(String.format(Locale.ROOT, "| WAL of the write path | the bare table's | %s | %s "
                        + "| the bare table's; plus %s per tick and %s per whole sweep (recent backlog) | same | no schema change ≈ high watermark |%n",
                columnWal(designs), pendingWal(designs), RolloutBench.bytes(recent.tickWal()), RolloutBench.bytes(recent.sweepWal())));
        md.append(String.format(Locale.ROOT, "| rollout | nothing | %s | %s (migrate, configure `app`, fill; "
                        + "no row of `events` written); %s | %s (create the cursor table, first tick; no row of `events` written) | same | no schema change, then high watermark |%n",
                columnRollout(designs), Stats.ms(r.rollout().pendingMillis()), pendingSeedRollout(designs), Stats.ms(r.rollout().hwmMillis())));
        md.append(String.format(Locale.ROOT, "| a model swap (every live event pending) | nothing to do; the queries above | n/a | a fill of every live event: %s | a first tick: %s | same | no schema change ≈ high watermark |%n",
                Stats.ms(r.rollout().swapFillMillis()), Stats.ms(r.rollout().swapTickMillis())));
        md.append("| what it guarantees | exact at every commit (reads the truth each time) | exact at every commit (triggers), the seed's question | exact at every commit (triggers) "
                + "| **exact after a sweep**; between sweeps approximate: misses embeddings deleted below a cursor, events updated into candidacy below it, and "
                + "events of transactions longer than the lag; one event that never embeds holds its organization's cursor | same; its cursor moves as the backlog "
                + "drains, but new events wait behind the whole backlog | — |\n");
        md.append("\nQuery cells: server execution time, median of the rounds, and in brackets the speed-up over the rewrite in the same round. "
                + "Write-path cells: with the contender over the same statements without it, paired per round (the column design's and its WAL: "
                + "the designs part's write path; the pending table's: the app-semantics part's). Where each contender wins and breaks, "
                + "in words: `docs/high-watermark.md`.\n");
        md.append(TABLE_END).append('\n');
        return md.toString();
    }

    /** The column design's cell for a query row: the seed's question on the same backlog in the designs part, or {@link #NOT_MEASURED}. */
    private static String columnCell(DesignBench.Results designs, SchedulerQueries.Question question, String backlog) {
        if (designs == null) {
            return NOT_MEASURED;
        }
        return designs.shapes().stream().filter(s -> s.shape().label.equals(backlog)).findFirst()
                .map(s -> "seed's question, " + question.label + ": " + Stats.ms(s.time(question, SchedulerQueries.Variant.COLUMN).median()))
                .orElse("n/a (no such backlog in the designs part)");
    }

    private static String columnWrite(DesignBench.Results designs, WritePathBench.Path path, String prefix) {
        return designs == null ? NOT_MEASURED : prefix + path.label + ", " + Paired.x(designs.writeColumn().paths().get(path).ratio().median());
    }

    private static String appWrite(AppSemanticsBench.Result app, int row) {
        return app == null ? NOT_MEASURED : Paired.x(app.writes().get(row).ratio().median()) + " (app-semantics part)";
    }

    private static String columnWal(DesignBench.Results designs) {
        if (designs == null) {
            return NOT_MEASURED;
        }
        WritePathBench.PathResult c = designs.writeColumn().paths().get(WritePathBench.Path.EMBEDDING_BULK);
        return String.format(Locale.ROOT, "%s per 1,000 embeddings, %s the bare %s", RolloutBench.bytes(c.walOn().median()),
                Paired.x(c.walOn().median() / c.walOff().median()), RolloutBench.bytes(c.walOff().median()));
    }

    private static String pendingWal(DesignBench.Results designs) {
        return designs == null ? NOT_MEASURED : RolloutBench.bytes(designs.writePending().paths().get(WritePathBench.Path.EMBEDDING_BULK).walOn().median())
                + " per 1,000 embeddings";
    }

    private static String columnRollout(DesignBench.Results designs) {
        if (designs == null) {
            return NOT_MEASURED;
        }
        List<RolloutBench.Run> runs = designs.rollout().column();
        return String.format(Locale.ROOT, "%s, %s WAL, %,.0f rows of `events` updated", Stats.ms(median(runs, RolloutBench.Run::wallMillis)),
                RolloutBench.bytes(median(runs, RolloutBench.Run::walBytes)), median(runs, RolloutBench.Run::updates));
    }

    private static String pendingSeedRollout(DesignBench.Results designs) {
        return (designs == null ? NOT_MEASURED : Stats.ms(median(designs.rollout().pending(), RolloutBench.Run::wallMillis))) + " for the seed's question";
    }

    private static double median(List<RolloutBench.Run> runs, java.util.function.ToDoubleFunction<RolloutBench.Run> f) {
        return Stats.of(runs.stream().map(x -> f.applyAsDouble(x)).toList()).median();
    }
}
