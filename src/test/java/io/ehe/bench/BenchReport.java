package io.ehe.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Collects the figures of one bench run and writes BENCHMARKS.md from them; no number in it is typed by hand. */
final class BenchReport {

    static final String FLOOR = "single UPDATE (floor)";
    static final String MODULE = "this module (defaults)";
    static final String SEED = "seed: NULL picker, LIMIT 10000 SKIP LOCKED";

    final double scale;
    final int events;
    String server;
    BenchSchema.Built narrow;
    String narrowShape;
    final Map<String, List<BackfillRun>> narrowRuns = new LinkedHashMap<>();
    IndexBuildBench.Result index;
    QueryBench.Result queries;
    TriggerCostBench.Result triggersNarrow;
    BenchSchema.Built production;
    String productionShape;
    final Map<String, List<BackfillRun>> productionRuns = new LinkedHashMap<>();
    TriggerCostBench.Result triggersProduction;
    BenchSchema.Built triple;
    final Map<String, List<BackfillRun>> tripleRuns = new LinkedHashMap<>();
    double totalMinutes;

    BenchReport(double scale, int events) {
        this.scale = scale;
        this.events = events;
    }

    String markdown(Path plot) throws Exception {
        StringBuilder md = new StringBuilder();
        md.append("# Benchmarks\n\n");
        md.append("Written by `make bench` (`src/test/java/io/ehe/bench/Bench.java`) on ").append(Bench.today())
                .append(String.format(Locale.ROOT, " in %.0f minutes; every figure below comes from that one run on one server. ", totalMinutes))
                .append("Times are median / p95 of repeated runs unless a row says otherwise. Re-run with `make bench` ")
                .append("(or `make bench BENCH_ARGS='--scale 0.1 --repeats 1'` for a quick look).\n\n");

        md.append("## Machine and data\n\n");
        md.append("| | |\n|---|---|\n");
        md.append("| machine | ").append(machine()).append(" |\n");
        md.append("| server | ").append(server).append(", shared_buffers 2GB, fsync and synchronous_commit on |\n");
        md.append(String.format(Locale.ROOT, "| scale | %.2f (%,d events; 1.0 = the seed's 1.15M) |%n", scale, events));
        md.append("| narrow table | ").append(narrowShape).append(" |\n");
        if (productionShape != null) {
            md.append("| production-weight table | ").append(productionShape).append(production.trigram() ? "; with trigram GIN" : "; no pg_trgm here, so without the trigram GIN").append(" |\n");
        }
        md.append("\nUpstream rows are wider: ~30 columns including several jsonb, two generated stored columns "
                + "and about 25 indexes (GIN on search_tsv, trigram GIN on payload_text, GIN on an id array, many partial btrees), "
                + "~0.5 GB heap for 1.15M rows; embeddings carry a 768-dim pgvector (here the vector stays NULL: nothing in this module reads it). "
                + "The narrow table shows the module's own cost; the production-weight table (baseline shape: generated tsvector + GIN, plus trigram GIN) "
                + "shows what index maintenance adds to every non-HOT update of `events`.\n\n");

        md.append("## The scheduler's query: old anti-join vs partial index\n\n");
        md.append("The goals are judged at the server (execution time, as the seed's pg_stat_statements figure of 1.27 s mean was); "
                + "the client column adds the JDBC round trip, parsing and planning, which at sub-millisecond times is most of what the new query costs.\n\n");
        md.append("| query | measured at | old (anti-join) | new (partial index) | ratio (median) | goal |\n|---|---|---|---|---|---|\n");
        queryRows(md, "pending per organization, all orgs", queries.all(), 100);
        queryRows(md, "one organization, ORDER BY id LIMIT 100", queries.one(), 1000);
        md.append(String.format(Locale.ROOT, "%nBoth queries found the same pending set (%,d vs %,d rows; the app's writer added some during the runs). "
                + "Each measured %d times after 2 warm-ups, interleaved.%n%n", queries.pendingOld(), queries.pendingNew(), queries.all().oldClient().n()));
        md.append("<details><summary>plans</summary>\n\n```\n").append(queries.oldPlan()).append("```\n\n```\n").append(queries.newPlan()).append("```\n</details>\n\n");

        md.append("## The column\n\n");
        md.append(String.format(Locale.ROOT, "| | narrow%s |%n|---|---|%s%n", production != null ? " | production weight" : "", production != null ? "---|" : ""));
        md.append(String.format(Locale.ROOT, "| bare `ADD COLUMN` + `SET DEFAULT false` (server round trips; 5 fresh copies) | %s%s |%n", narrow.alterMillis().medianP95(),
                production != null ? " | " + production.alterMillis().medianP95() : ""));
        md.append(String.format(Locale.ROOT, "| `migrate` on the full table (column, triggers, progress table; index deferred), incl. Liquibase start; one run | %s%s |%n",
                Stats.ms(narrow.migrateMillis()), production != null ? " | " + Stats.ms(production.migrateMillis()) : ""));
        md.append(String.format(Locale.ROOT, "| relfilenode before → after (equal = no rewrite) | %d → %d%s |%n%n", narrow.relfilenodeBefore(), narrow.relfilenodeAfter(),
                production != null ? " | " + production.relfilenodeBefore() + " → " + production.relfilenodeAfter() : ""));

        md.append("## Backfill\n\n");
        md.append(String.format(Locale.ROOT, "Each run starts from an identical copy (`CREATE DATABASE ... TEMPLATE`) with every row NULL, while a writer inserts %s "
                + "(a new event plus an embedding for a pending event per tick). Lock hold = time one transaction held its row locks.%n%n", "at a steady rate"));
        md.append("### Narrow table, 1x\n\n");
        backfillTable(md, narrowRuns);
        md.append("\nThe app's insert latency is the median over runs of each run's p50 and p99, and the worst single insert of all runs "
                + "(the writer is one connection: an insert that waits for a row lock holds up every write after it). "
                + "Batches, HOT share and VACUUM after are medians over the runs; autovacuums during counts those of all runs; lock hold pools every batch of every run. "
                + "VACUUM after: a manual `VACUUM events` right after the backfill, cleaning the old row versions it left (the single UPDATE leaves all of them; "
                + "a batched backfill lets autovacuum work while it runs, on the same two cores); the last column compares wall + VACUUM with the floor's.\n");
        md.append(String.format(Locale.ROOT, "%n![backfill progress](%s)%n%n", plot.toString()));

        if (!productionRuns.isEmpty()) {
            md.append("### Production-weight table, 1x\n\n");
            backfillTable(md, productionRuns);
            md.append('\n');
        }
        if (!tripleRuns.isEmpty()) {
            md.append("### Narrow table, 3x (").append(String.format(Locale.ROOT, "%,d", triple.events())).append(" events, same writer)\n\n");
            backfillTable(md, tripleRuns);
            md.append("\n| strategy | wall at 1x (median) | wall at 3x (median) | growth |\n|---|---|---|---|\n");
            for (Map.Entry<String, List<BackfillRun>> e : tripleRuns.entrySet()) {
                double one = wallStats(narrowRuns.get(e.getKey())).median();
                double three = wallStats(e.getValue()).median();
                md.append(String.format(Locale.ROOT, "| %s | %s | %s | %.1fx |%n", e.getKey(), Stats.ms(one), Stats.ms(three), three / one));
            }
            md.append('\n');
        }

        md.append("## Trigger cost: one 1,000-row INSERT ... SELECT into event_embeddings\n\n");
        md.append("The 1,000 newest pending events are picked once, before timing; every insert flips them to true and is rolled back; the variants alternate round by round. "
                + "The last column is the bare `UPDATE` that flips those 1,000 events without inserting anything: what any trigger that writes `events.has_embedding` "
                + "must add to the insert, since once the partial index exists no such update can be HOT; (none + bare UPDATE) / none is that floor as a ratio.\n\n");
        md.append("| table | no trigger | per-row trigger (seed) | this module (statement-level) | module / none | per-row / none | bare UPDATE of the 1,000 events | floor: (none + UPDATE) / none |\n"
                + "|---|---|---|---|---|---|---|---|\n");
        triggerRow(md, "narrow", triggersNarrow);
        if (triggersProduction != null) {
            triggerRow(md, "production weight", triggersProduction);
        }
        md.append('\n');

        md.append("## Deferred index build\n\n");
        md.append(String.format(Locale.ROOT, "`migrate` applying `040` (`CREATE INDEX CONCURRENTLY`) and `050` (NOT NULL via a validated check) on the backfilled narrow table took "
                        + "**%s** (median / p95 of %d builds; both were rolled back before each build after the first); the app kept writing: "
                        + "%,d writes completed during a build (median; embedding insert p50 %s, p99 %s, worst %s over all builds). Index size: %s.%n%n",
                index.migrateMillis().medianP95(), index.migrateMillis().n(), index.writesDuring(), Stats.ms(index.writerLatency().median()), Stats.ms(index.writerLatency().p99()),
                Stats.ms(index.writerLatency().max()), index.indexSize()));

        md.append("## Goals\n\n");
        md.append(goals());
        return md.toString();
    }

    /** One row per strategy: medians over its runs (p95 beside the wall time), ratios to the floor's medians. */
    private static void backfillTable(StringBuilder md, Map<String, List<BackfillRun>> runs) {
        md.append("| strategy | runs | wall (median / p95) | ratio to floor | batches | lock hold p50 / p99 | HOT updates | app embedding insert p50 / p99 / worst | autovacuums during | VACUUM after | wall + VACUUM, ratio |\n"
                + "|---|---|---|---|---|---|---|---|---|---|---|\n");
        double floorMedian = wallStats(runs.get(FLOOR)).median();
        double floorWithVacuum = withVacuum(runs.get(FLOOR));
        for (Map.Entry<String, List<BackfillRun>> e : runs.entrySet()) {
            List<BackfillRun> rs = e.getValue();
            Stats wall = wallStats(rs);
            Stats locks = Stats.of(allBatches(rs));
            double writerP50 = Stats.of(writerFigure(rs, false)).median();
            double writerP99 = Stats.of(writerFigure(rs, true)).median();
            double writerWorst = rs.stream().mapToDouble(r -> r.writerLatency().n() > 0 ? r.writerLatency().max() : Double.NaN).max().orElse(Double.NaN);
            double batches = Stats.of(rs.stream().map(r -> (double) r.batchMillis().size()).toList()).median();
            double hot = Stats.of(rs.stream().map(BackfillRun::hotRatio).toList()).median();
            long autovacuums = rs.stream().mapToLong(BackfillRun::autovacuums).sum();
            double vacuum = Stats.of(rs.stream().map(BackfillRun::vacuumMillis).toList()).median();
            md.append(String.format(Locale.ROOT, "| %s | %d | %s | %.2fx | %.0f | %s / %s | %.1f%% | %s / %s / %s | %d | %s | %.2fx |%n", e.getKey(), rs.size(),
                    wall.medianP95(), wall.median() / floorMedian, batches, Stats.ms(locks.median()), Stats.ms(locks.p99()), 100 * hot,
                    Stats.ms(writerP50), Stats.ms(writerP99), Stats.ms(writerWorst), autovacuums, Stats.ms(vacuum), withVacuum(rs) / floorWithVacuum));
        }
    }

    private static void queryRows(StringBuilder md, String label, QueryBench.Pair p, int goal) {
        md.append(String.format(Locale.ROOT, "| %s | server | %s | %s | **%.0fx** | ≥ %dx: %s |%n", label, p.oldServer().medianP95(), p.newServer().medianP95(),
                p.serverRatio(), goal, met(p.serverRatio() >= goal)));
        md.append(String.format(Locale.ROOT, "| | client | %s | %s | %.0fx | |%n", p.oldClient().medianP95(), p.newClient().medianP95(), p.clientRatio()));
    }

    private void triggerRow(StringBuilder md, String label, TriggerCostBench.Result r) {
        md.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | **%.2fx** | %.2fx | %s | %.2fx |%n", label, r.none().medianP95(), r.perRow().medianP95(), r.module().medianP95(),
                r.module().median() / r.none().median(), r.perRow().median() / r.none().median(), r.bareUpdate().medianP95(),
                (r.none().median() + r.bareUpdate().median()) / r.none().median()));
    }

    private String goals() {
        StringBuilder g = new StringBuilder();
        double moduleRatio = wallStats(narrowRuns.get(MODULE)).median() / wallStats(narrowRuns.get(FLOOR)).median();
        double p99 = Stats.of(allBatches(narrowRuns.get(MODULE))).p99();
        g.append(String.format(Locale.ROOT, "- New pending query ≥ 100x faster for all organizations: **%.0fx** at the server (%.0fx at the client), %s.%n",
                queries.all().serverRatio(), queries.all().clientRatio(), met(queries.all().serverRatio() >= 100)));
        g.append(String.format(Locale.ROOT, "- ≥ 1000x for one organization with a LIMIT: **%.0fx** at the server (%.0fx at the client), %s.%n",
                queries.one().serverRatio(), queries.one().clientRatio(), met(queries.one().serverRatio() >= 1000)));
        g.append(String.format(Locale.ROOT, "- Module backfill ≤ 1.3x the single-UPDATE floor (narrow, 1x): **%.2fx**, %s; p99 batch lock hold ≤ 250 ms: **%s**, %s.%n",
                moduleRatio, met(moduleRatio <= 1.3), Stats.ms(p99), met(p99 <= 250)));
        if (!productionRuns.isEmpty()) {
            double pr = wallStats(productionRuns.get(MODULE)).median() / wallStats(productionRuns.get(FLOOR)).median();
            double pp99 = Stats.of(allBatches(productionRuns.get(MODULE))).p99();
            g.append(String.format(Locale.ROOT, "- The same at production weight: **%.2fx**, %s; p99 batch lock hold **%s**, %s.%n", pr, met(pr <= 1.3),
                    Stats.ms(pp99), met(pp99 <= 250)));
        }
        if (!tripleRuns.isEmpty()) {
            double tr = wallStats(tripleRuns.get(MODULE)).median() / wallStats(tripleRuns.get(FLOOR)).median();
            // One run per strategy at 3x, so "no worse" is judged against the spread of the 1x ratio
            // over its repeats (run i of the module over run i of the floor): a 3x ratio inside that
            // spread is not distinguishable from the 1x one; above its top it is worse.
            List<Double> perRepeat = repeatRatios();
            double top = perRepeat.stream().mapToDouble(Double::doubleValue).max().orElse(moduleRatio);
            double bottom = perRepeat.stream().mapToDouble(Double::doubleValue).min().orElse(moduleRatio);
            g.append(String.format(Locale.ROOT, "- No worse ratio at 3x: **%.2fx** at 3x vs %.2fx at 1x (median; the %d repeats at 1x ranged %.2fx to %.2fx), %s.%n",
                    tr, moduleRatio, perRepeat.size(), bottom, top, tr <= top ? "met (within the 1x spread)" : "**missed** (above the 1x spread)"));
        }
        double tm = triggersNarrow.module().median() / triggersNarrow.none().median();
        boolean faster = triggersNarrow.module().median() < triggersNarrow.perRow().median();
        g.append(String.format(Locale.ROOT, "- Triggers on a 1,000-row bulk insert ≤ 1.3x no-trigger: **%.2fx** (narrow), %s; faster than per-row: %s.%n", tm, met(tm <= 1.3), faster ? "yes" : "**no**"));
        if (triggersProduction != null) {
            double tp = triggersProduction.module().median() / triggersProduction.none().median();
            g.append(String.format(Locale.ROOT, "- At production weight: **%.2fx**, %s; faster than per-row: %s.%n", tp, met(tp <= 1.3),
                    triggersProduction.module().median() < triggersProduction.perRow().median() ? "yes" : "**no**"));
        }
        g.append("\nWhere a goal is missed, what limits it is written up by hand in `docs/benchmark-notes.md` (read with the figures above).\n");
        return g.toString();
    }

    private static String met(boolean ok) {
        return ok ? "met" : "**missed**";
    }

    private static Stats wallStats(List<BackfillRun> runs) {
        List<Double> w = new ArrayList<>();
        runs.forEach(r -> w.add(r.wallMillis()));
        return Stats.of(w);
    }

    private List<Double> repeatRatios() {
        List<BackfillRun> module = narrowRuns.get(MODULE);
        List<BackfillRun> floor = narrowRuns.get(FLOOR);
        List<Double> out = new ArrayList<>();
        for (int i = 0; i < Math.min(module.size(), floor.size()); i++) {
            out.add(module.get(i).wallMillis() / floor.get(i).wallMillis());
        }
        return out;
    }

    private static double withVacuum(List<BackfillRun> runs) {
        return Stats.of(runs.stream().map(r -> r.wallMillis() + r.vacuumMillis()).toList()).median();
    }

    private static List<Double> allBatches(List<BackfillRun> runs) {
        List<Double> b = new ArrayList<>();
        runs.forEach(r -> b.addAll(r.batchMillis()));
        return b;
    }

    private static List<Double> writerFigure(List<BackfillRun> runs, boolean p99) {
        List<Double> b = new ArrayList<>();
        runs.forEach(r -> {
            if (r.writerLatency().n() > 0) {
                b.add(p99 ? r.writerLatency().p99() : r.writerLatency().median());
            }
        });
        return b;
    }

    private static String machine() {
        String cpu = "unknown CPU";
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    cpu = line.substring(line.indexOf(':') + 1).trim();
                    break;
                }
            }
        } catch (Exception ignored) {
            // not Linux
        }
        long mem = ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean()).getTotalMemorySize();
        return String.format(Locale.ROOT, "%d cores (%s), %.0f GiB RAM, %s %s", Runtime.getRuntime().availableProcessors(), cpu, mem / 1073741824.0,
                System.getProperty("os.name"), System.getProperty("os.version"));
    }
}
