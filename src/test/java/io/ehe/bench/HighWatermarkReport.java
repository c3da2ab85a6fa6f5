package io.ehe.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * The markdown of {@link HighWatermarkBench}: its own section (between {@link #BEGIN} and {@link #END})
 * and the all-contenders decision table at the top of BENCHMARKS.md (between {@link #TABLE_BEGIN} and
 * {@link #TABLE_END}), each spliced so a run of this part alone replaces only them. Cells this run did not
 * measure (the column design, which answers the seed's question only, and the seed's-question write
 * path and WAL of the two designs) carry the figures of the last full run, named as such in the cell.
 */
final class HighWatermarkReport {

    static final String BEGIN = "<!-- high-watermark:begin -->";
    static final String END = "<!-- high-watermark:end -->";
    static final String TABLE_BEGIN = "<!-- decision:begin -->";
    static final String TABLE_END = "<!-- decision:end -->";

    /** The last full run (all parts, scale 1.0), whose figures the cells this part does not measure quote. */
    static final String FULL_RUN = "full run of 2026-11-29 at 20:13 (scale 1.0, 26 min; its BENCHMARKS.md is commit bac2d7c's), quoted as constants, "
            + "so they do not follow a newer run of the tables further down";

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
        md.append("| rows of `events` written by the rollout | 0 | 0 |\n");
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

    /** The decision table: every contender, every backlog, write path, WAL, rollout, guarantee. */
    static String decisionTable(HighWatermarkBench.Result r, String run) {
        StringBuilder md = new StringBuilder();
        md.append(TABLE_BEGIN).append('\n');
        md.append("## Which design, for the app's question? (all contenders)\n\n");
        md.append("Query, high-watermark and pending-table-rollout cells: ").append(run)
                .append(" (the machine is shared: compare within a row, not across runs). Cells marked *(full run)* come from the ").append(FULL_RUN)
                .append(", the tables further down. The column design answers the seed's question only (any embedding row counts) and refuses the app's, ")
                .append("so its query cells are the seed's question from the full run.\n\n");
        md.append("| | no schema change (query rewrite) | column design | pending-table design | high watermark, newest first | high watermark, oldest first | best |\n")
                .append("|---|---|---|---|---|---|---|\n");
        for (int k = 0; k < 2; k++) {
            for (HighWatermarkBench.ShapeRow s : r.shapes()) {
                AppQueryRounds.Result q = s.queries();
                md.append("| ").append(k == 0 ? "discovery (newest 5,000 per organization)" : "pick (one organization's next 100)").append(", ")
                        .append(s.backlog()).append(" backlog");
                AppContender best = null;
                String column = columnCell(k, s.backlog());
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
        md.append(String.format(Locale.ROOT, "| the app's re-embed of one (event, model), vs no module | 1.00x (adds nothing) | seed's question: embedding insert, single-row, 7.61x *(full run)* "
                + "| 1.26x *(full run, app-semantics section)* | %s (measured; no trigger: identical statements on an identical bare table, so the distance from 1.00x is the machine's noise) | same as newest first | no schema change ≈ high watermark |%n", Paired.x(reembed.ratio().median())));
        md.append(String.format(Locale.ROOT, "| the app's supersede, vs no module | 1.00x | n/a (seed's question) | 1.40x *(full run, app-semantics section)* | %s (measured, as above) "
                + "| same | no schema change ≈ high watermark |%n", Paired.x(supersede.ratio().median())));
        md.append(String.format(Locale.ROOT, "| single-row event insert, vs no module | 1.00x | 1.06x *(full run)* | 1.13x *(full run, app-semantics section)* | %s (measured, as above) "
                + "| same | no schema change ≈ high watermark |%n", Paired.x(insert.ratio().median())));
        HighWatermarkBench.ShapeRow recent = r.shapes().get(0);
        md.append(String.format(Locale.ROOT, "| WAL of the write path | the bare table's | 2.8 MB per 1,000 embeddings, 12x the bare 239 kB *(full run)* | 293 kB per 1,000 embeddings *(full run)* "
                + "| the bare table's; plus %s per tick and %s per whole sweep (recent backlog) | same | no schema change ≈ high watermark |%n",
                RolloutBench.bytes(recent.tickWal()), RolloutBench.bytes(recent.sweepWal())));
        md.append(String.format(Locale.ROOT, "| rollout | nothing | 79.1 s, 4.98 GB WAL, 1,150,404 rows of `events` updated *(full run)* | %s (migrate, configure `app`, fill; "
                + "0 rows of `events`); 3066 ms for the seed's question *(full run)* | %s (create the cursor table, first tick; 0 rows of `events`) | same | no schema change, then high watermark |%n",
                Stats.ms(r.rollout().pendingMillis()), Stats.ms(r.rollout().hwmMillis())));
        md.append(String.format(Locale.ROOT, "| a model swap (every live event pending) | nothing to do; the queries above | n/a | a fill of every live event: %s | a first tick: %s | same | no schema change ≈ high watermark |%n",
                Stats.ms(r.rollout().swapFillMillis()), Stats.ms(r.rollout().swapTickMillis())));
        md.append("| what it guarantees | exact at every commit (reads the truth each time) | exact at every commit (triggers), the seed's question | exact at every commit (triggers) "
                + "| **exact after a sweep**; between sweeps approximate: misses embeddings deleted below a cursor, events updated into candidacy below it, and "
                + "events of transactions longer than the lag; one event that never embeds holds its organization's cursor | same; its cursor moves as the backlog "
                + "drains, but new events wait behind the whole backlog | — |\n");
        md.append("\nQuery cells: server execution time, median of the rounds, and in brackets the speed-up over the rewrite in the same round. "
                + "Write-path cells: with the contender over the same statements without it, paired per round. Where each contender wins and breaks, "
                + "in words: `docs/high-watermark.md`.\n");
        md.append(TABLE_END).append('\n');
        return md.toString();
    }

    /** The column design's cell for a query row: the seed's question from the full run, or n/a. */
    private static String columnCell(int query, String backlog) {
        if (query == 0) {
            return switch (backlog) {
                case "recent" -> "seed's question, count per organization: 3.3 ms *(full run)*";
                case "scattered" -> "3.3 ms *(full run)*";
                case "old" -> "4.1 ms *(full run)*";
                default -> "n/a";
            };
        }
        return switch (backlog) {
            case "recent" -> "seed's question, next 100 of a big organization: 0.043 ms *(full run)*";
            case "scattered" -> "0.058 ms *(full run)*";
            case "old" -> "0.106 ms *(full run)*";
            default -> "n/a";
        };
    }

    /** Replaces the section between {@code begin} and {@code end} in {@code file}; appends it, or puts it right after the first heading when {@code top}. */
    static void splice(Path file, String section, String begin, String end, boolean top) throws IOException {
        String text = Files.exists(file) ? Files.readString(file) : "";
        int b = text.indexOf(begin);
        int e = text.indexOf(end);
        String out;
        if (b >= 0 && e > b) {
            out = text.substring(0, b) + section + text.substring(e + end.length() + 1);
        } else if (top && text.contains("\n## ")) {
            int at = text.indexOf("\n## ") + 1;
            out = text.substring(0, at) + section + "\n" + text.substring(at);
        } else {
            out = text + (text.endsWith("\n") || text.isEmpty() ? "" : "\n") + "\n" + section;
        }
        Files.writeString(file, out);
    }
}
