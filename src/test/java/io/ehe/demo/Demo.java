package io.ehe.demo;

import io.ehe.cli.Main;
import io.ehe.catalog.Design;
import io.ehe.testing.AppTables;
import io.ehe.testing.DataSet;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * make demo: the whole rollout on an embedded PostgreSQL 17, narrated on stdout.
 *
 * The commands run through the jar that ships ({@code java -jar target/events-has-embedding.jar}),
 * as an operator or the Helm hook would run them; only the data set generator and the EXPLAIN
 * output come from this class. Size: {@code -Ddemo.events=N} or {@code DEMO_EVENTS=N} (default 200000).
 * Design: {@code -Ddemo.design=pending-table} or {@code DESIGN=pending-table} (default column).
 * Partitioned tables: {@code -Ddemo.partitioned=true} or {@code PARTITIONED=1}, either design: events by
 * ranges of created_at, event_embeddings by hash of event_id; the pending-table design ends with a
 * retention step (docs/partitioning.md).
 */
public final class Demo {

    private static final String OLD_QUERY = """
            SELECT e.organization_id, count(*) AS pending
              FROM public.events e
             WHERE e.payload_text IS NOT NULL AND e.payload_text <> ''
               AND NOT EXISTS (SELECT 1 FROM public.event_embeddings x WHERE x.event_id = e.id)
             GROUP BY e.organization_id""";
    private static final String NEW_QUERY = """
            SELECT organization_id, count(*) AS pending
              FROM public.events
             WHERE NOT has_embedding AND payload_text IS NOT NULL AND payload_text <> ''
             GROUP BY organization_id""";
    private static final String NEW_QUERY_ONE_ORG = """
            SELECT id
              FROM public.events
             WHERE NOT has_embedding AND payload_text IS NOT NULL AND payload_text <> ''
               AND organization_id = 'org-007'
             ORDER BY id LIMIT 100""";

    /** The app's scheduler on the pending table: the busiest organization among the newest 5,000 candidates of the model. */
    private static final String PENDING_QUERY = """
            SELECT organization_id, count(*) AS pending
              FROM (SELECT organization_id FROM public.event_embedding_pending WHERE model = '%s'
                     ORDER BY created_at DESC, event_id DESC LIMIT 5000) c
             GROUP BY organization_id ORDER BY count(*) DESC LIMIT 1""";
    /** ...and that organization's newest 100. */
    private static final String PENDING_QUERY_ONE_ORG = """
            SELECT event_id
              FROM public.event_embedding_pending
             WHERE model = '%s' AND organization_id = '%s'
             ORDER BY created_at DESC, event_id DESC LIMIT 100""";
    private static final String MODEL = "bge-base-en-v1.5";
    private static final String NEW_MODEL = "bge-m3";

    private final String url;
    private final Path jar = Path.of("target", "events-has-embedding.jar");
    private final boolean throughJar;
    private int step;

    private Demo(String url, boolean throughJar) {
        this.url = url;
        this.throughJar = throughJar;
    }

    /**
     * The whole narration on an existing empty database, every command in this JVM: DemoNarrationTest
     * reads it against what each step runs (the jar in target/ may be older than the classes under test).
     */
    static void runInProcess(String url, int events, Design design) throws Exception {
        new Demo(url, false).run(events, design, false);
    }

    public static void main(String[] args) throws Exception {
        int events = size();
        Design design = Design.parse(System.getProperty("demo.design", System.getenv().getOrDefault("DESIGN", "column")));
        String p = System.getProperty("demo.partitioned", System.getenv().getOrDefault("PARTITIONED", "")).trim();
        boolean partitioned = p.equals("1") || p.equalsIgnoreCase("true");
        long t0 = System.nanoTime();
        say("events-has-embedding demo, " + design.id() + " design" + (partitioned ? ", partitioned tables" : "") + ": "
                + String.format(Locale.ROOT, "%,d", events) + " events on an embedded PostgreSQL 17 (no Docker, no server to install)");
        try (EmbeddedPostgres pg = EmbeddedPostgres.builder()
                .setServerConfig("fsync", "off")
                .setServerConfig("synchronous_commit", "off")
                .setServerConfig("full_page_writes", "off")
                .setServerConfig("shared_buffers", "256MB")
                .start()) {
            try (Connection admin = pg.getPostgresDatabase().getConnection(); Statement st = admin.createStatement()) {
                st.execute("CREATE DATABASE demo");
            }
            new Demo(pg.getJdbcUrl("postgres", "demo"), true).run(events, design, partitioned);
        }
        say(String.format(Locale.ROOT, "demo finished in %.1f s", (System.nanoTime() - t0) / 1e9));
    }

    private void run(int events, Design design, boolean partitioned) throws Exception {
        if (partitioned) {
            step("Create the app's two tables, partitioned: events by ranges of created_at (key (id, created_at), so no foreign key),"
                    + " event_embeddings by hash of event_id");
            createPartitioned(events);
        } else {
            step("Create the app's two tables (the dev-only baseline changeSet; production already has them)");
            cli(baselineArgs(design, url));
        }

        step("Load a production-shaped data set");
        long loadStart = System.nanoTime();
        try (Connection c = connect()) {
            DataSet.ofSize(events).load(c);
        }
        sayf("loaded in %.1f s: %,d events, %,d embedding rows, %,d events with text still waiting for an embedding",
                (System.nanoTime() - loadStart) / 1e9,
                count("SELECT count(*) FROM public.events"), count("SELECT count(*) FROM public.event_embeddings"),
                count("SELECT count(*) FROM public.events e WHERE payload_text <> '' AND NOT EXISTS (SELECT 1 FROM public.event_embeddings x WHERE x.event_id = e.id)"));

        step("The scheduler's query today: seq scan of events + anti-join against event_embeddings");
        double oldMs = explainAndTime(OLD_QUERY);

        double allMs;
        double oneOrgMs;
        String busiest = null;
        if (design == Design.COLUMN) {
            step("migrate: add the column (no rewrite), the triggers, the backfill progress table; index and NOT NULL wait for the backfill");
            cli("migrate", "--url", url);

            step("backfill: fill has_embedding for the old rows in small batches");
            requireOk(cli("backfill", "--url", url), "backfill");

            step(partitioned
                    ? "migrate again: the partial index leaf by leaf (ON ONLY the partitioned tables, each leaf CONCURRENTLY, attached), then NOT NULL"
                    : "migrate again: CREATE INDEX CONCURRENTLY, then NOT NULL without a long lock");
            cli("migrate", "--url", url);
            vacuum("public.events", "the backfill updated every old row and no command of the module vacuums events"
                    + " (autovacuum would, later); without it the index-only scans below would fetch their rows from the heap");

            step("The scheduler's new query: a range scan of the small partial index");
            allMs = explainAndTime(NEW_QUERY);
            say("and per organization, the next 100 to embed:");
            oneOrgMs = explainAndTime(NEW_QUERY_ONE_ORG);
        } else {
            step("The app's schema today: events.superseded_by (catalog-only ALTER; the app stamps it when an event is superseded)");
            exec("ALTER TABLE public.events ADD COLUMN superseded_by bigint");

            step("migrate --design pending-table --semantics app --target-model " + MODEL + ": the pending table per (event, model) and its triggers; events gets no column and no rewrite");
            requireOk(cli("migrate", "--url", url, "--design", "pending-table", "--semantics", "app", "--target-model", MODEL), "migrate");
            sayf("rows in event_embedding_pending right after migrate: %,d (only events written since the triggers)",
                    count("SELECT count(*) FROM public.event_embedding_pending"));

            step("backfill: the fill adds the (event, model) pairs of the events that existed before; it writes nothing but the pending table");
            requireOk(cli("backfill", "--url", url), "backfill");
            sayf("rows in event_embedding_pending after the fill: %,d", count("SELECT count(*) FROM public.event_embedding_pending"));

            step("The app embeds a pending event (lock it FOR SHARE, delete any rows of the model, insert chunk 0 and 1): its pending row leaves in the same transaction");
            long event = count("SELECT min(event_id) FROM public.event_embedding_pending WHERE model = '" + MODEL + "'");
            sayf("event %d before: %d embedding row(s) of %s; its pending rows: %s", event,
                    count("SELECT count(*) FROM public.event_embeddings WHERE event_id = " + event + " AND embedding_model = '" + MODEL + "'"),
                    MODEL, pendingRows(event));
            exec("BEGIN; SELECT 1 FROM public.events WHERE id = " + event + " AND superseded_by IS NULL FOR SHARE;"
                    + "DELETE FROM public.event_embeddings WHERE event_id = " + event + " AND embedding_model = '" + MODEL + "';"
                    + "INSERT INTO public.event_embeddings (event_id, embedding_model, chunk_index) VALUES (" + event + ", '" + MODEL + "', 0);"
                    + "INSERT INTO public.event_embeddings (event_id, embedding_model, chunk_index) VALUES (" + event + ", '" + MODEL + "', 1); COMMIT");
            sayf("event %d after: %d embedding row(s) of %s; its pending rows: %s", event,
                    count("SELECT count(*) FROM public.event_embeddings WHERE event_id = " + event + " AND embedding_model = '" + MODEL + "'"),
                    MODEL, pendingRows(event));

            step("The app supersedes an embedded event (insert the successor, stamp superseded_by, delete the old embeddings, one transaction)");
            exec("BEGIN; INSERT INTO public.events (organization_id, payload_text) SELECT organization_id, payload_text || ' (v2)' FROM public.events WHERE id = " + event + ";"
                    + "UPDATE public.events SET superseded_by = lastval() WHERE id = " + event + ";"
                    + "DELETE FROM public.event_embeddings WHERE event_id = " + event + "; COMMIT");
            long successor = count("SELECT superseded_by FROM public.events WHERE id = " + event);
            sayf("the superseded event %d pending: %s; its successor %d pending: %s", event,
                    count("SELECT count(*) FROM public.event_embedding_pending WHERE event_id = " + event) == 0 ? "no" : "YES (wrong)",
                    successor, count("SELECT count(*) FROM public.event_embedding_pending WHERE event_id = " + successor) == 1 ? "yes" : "NO (wrong)");

            step("The scheduler's new queries (the app's discovery rule): the busiest organization among the newest 5,000 pending rows"
                    + " of the model, then that organization's newest 100");
            allMs = explainAndTime(PENDING_QUERY.formatted(MODEL));
            busiest = string(PENDING_QUERY.formatted(MODEL));
            sayf("and that organization's (%s) newest 100 to embed:", busiest);
            oneOrgMs = explainAndTime(PENDING_QUERY_ONE_ORG.formatted(MODEL, busiest));

            step("A model change: targets add " + NEW_MODEL + " --new-model makes every live event pending for it, beside the old model "
                    + "(--new-model: no embedding of it exists yet; without it the name would be refused as a likely typo, exit 13)");
            requireOk(cli("targets", "add", NEW_MODEL, "--new-model", "--url", url), "targets add");
            sayf("status while the new model fills: exit %d (5 = not ready)", cli("status", "--url", url));
            requireOk(cli("backfill", "--url", url), "backfill (fill of the new model)");
            sayf("pending for %s: %,d; live events: %,d", NEW_MODEL,
                    count("SELECT count(*) FROM public.event_embedding_pending WHERE model = '" + NEW_MODEL + "'"),
                    count("SELECT count(*) FROM public.events WHERE superseded_by IS NULL AND payload_text <> ''"));
            // Measured on 20,000 events: the page left not all-visible holds the rows the embed and the supersede
            // deleted; a plain VACUUM (autovacuum's too) skips index cleanup for so few dead rows and keeps their
            // line pointers, which bars the page from all-visible, while VACUUM (INDEX_CLEANUP ON) sets it. The demo
            // adds no VACUUM of its own: what the plan shows is what the module leaves.
            long notAllVisible = count("SELECT greatest(relpages - relallvisible, 0) FROM pg_class WHERE oid = 'public.event_embedding_pending'::regclass");
            sayf(notAllVisible == 0
                    ? "the fill's VACUUM (ANALYZE) left every page of event_embedding_pending all-visible; the demo runs no VACUUM of its own"
                    : "the fill's VACUUM (ANALYZE) left %,d page(s) of event_embedding_pending not all-visible: here, pages where the embed and"
                    + " the supersede above deleted rows, which keep those rows' dead line pointers until a VACUUM does index cleanup"
                    + " (VACUUM skips it for so few dead rows);"
                    + " the demo runs no VACUUM of its own, so the plan's Heap Fetches count what the module leaves", notAllVisible);
            sayf("the same scheduler query for %s:", NEW_MODEL);
            explainAndTime(PENDING_QUERY.formatted(NEW_MODEL));

            step("Once the scheduler reads the new model: targets remove " + MODEL + " (its rows deleted in batches)");
            requireOk(cli("targets", "remove", MODEL, "--url", url), "targets remove");
            if (partitioned) {
                retention();
            }
        }

        step("verify: the design's invariant, checked in one snapshot");
        requireOk(cli("verify", "--url", url), "verify");

        step("status: what the operator and the app's deploy check read");
        int code = cli("status", "--url", url);
        sayf("status exit code %d (0 = ready)", code);

        step("Summary (" + design.id() + " design), best of 5 each");
        sayf("%9.2f ms  old query: count per organization of the events with text and no embedding row of any model"
                + " (seq scan + anti-join over all events)", oldMs);
        if (design == Design.COLUMN) {
            sayf("%9.2f ms  new query: count per organization of the events with text and has_embedding false (the partial index)", allMs);
            sayf("%9.3f ms  new query: org-007's next 100 by id", oneOrgMs);
        } else {
            sayf("%9.2f ms  new query: the busiest organization among the newest 5,000 pending rows of %s"
                    + " (semantics app: live events without chunk 0 of that model); not the old query's question:"
                    + " it reads at most 5,000 rows, not every waiting event", allMs, MODEL);
            sayf("%9.3f ms  new query: that organization's (%s) newest 100 pending rows of %s", oneOrgMs, busiest, MODEL);
        }
    }

    /**
     * The first step: the baseline changeSet alone, naming the design the demo installs, so that its
     * "not applied" line lists that design's changeSets (without --design it listed the column design's
     * on the pending-table demo: issue 28, 9).
     */
    static String[] baselineArgs(Design design, String url) {
        return new String[] {"migrate", "--url", url, "--design", design.id(), "--with-baseline", "--count", "1"};
    }

    /**
     * Four partitions of whole hours covering the data set's created_at span (DataSet: one event per
     * second up to now), the next one ahead, and a DEFAULT.
     */
    private void createPartitioned(int events) throws Exception {
        for (String sql : AppTables.events().partitionBy("RANGE (created_at)", "id, created_at").partition("events_default", "DEFAULT").sql()) {
            exec(sql);
        }
        exec("""
                DO $$
                DECLARE
                    w interval := make_interval(hours => greatest(1, ceil(%1$d / 4.0 / 3600)::integer));
                    t timestamptz := date_trunc('hour', now() - interval '%1$d seconds');
                BEGIN
                    WHILE t < now() + w LOOP
                        EXECUTE format('CREATE TABLE public.%%I PARTITION OF public.events FOR VALUES FROM (%%L) TO (%%L)',
                                       'events_' || to_char(t, 'YYYYMMDD_HH24'), t, t + w);
                        t := t + w;
                    END LOOP;
                END
                $$""".formatted(events + 1));
        for (String sql : AppTables.embeddings().withoutForeignKey().partitionBy("HASH (event_id)", "event_id, embedding_model, chunk_index")
                .partition("event_embeddings_h0", "FOR VALUES WITH (MODULUS 2, REMAINDER 0)")
                .partition("event_embeddings_h1", "FOR VALUES WITH (MODULUS 2, REMAINDER 1)").sql()) {
            exec(sql);
        }
        say(String.join(", ", leaves()));
    }

    /** The retention job of docs/partitioning.md: a partition created ahead, the oldest detached, partitions sync, the archive dropped. */
    private void retention() throws Exception {
        List<String> before = leaves();
        String oldest = before.stream().filter(l -> !l.equals("events_default")).sorted().findFirst().orElseThrow();
        step("Retention: the next partition created ahead, the oldest " + oldest + " detached (neither fires a trigger)");
        sayf("%s holds %,d events, %,d of them pending", oldest, count("SELECT count(*) FROM public." + oldest),
                count("SELECT count(*) FROM public.event_embedding_pending p JOIN public." + oldest + " e ON e.id = p.event_id"));
        exec("""
                DO $$
                DECLARE
                    lo timestamptz;
                    hi timestamptz;
                BEGIN
                    SELECT (regexp_match(b, 'FROM [(]''([^'']+)''[)]'))[1]::timestamptz, (regexp_match(b, 'TO [(]''([^'']+)''[)]'))[1]::timestamptz
                      INTO lo, hi
                      FROM (SELECT pg_get_expr(c.relpartbound, c.oid) AS b FROM pg_class c JOIN pg_inherits i ON i.inhrelid = c.oid
                             WHERE i.inhparent = 'public.events'::regclass) x
                     WHERE b <> 'DEFAULT'
                     ORDER BY 2 DESC LIMIT 1;
                    EXECUTE format('CREATE TABLE public.%I PARTITION OF public.events FOR VALUES FROM (%L) TO (%L)',
                                   'events_' || to_char(hi, 'YYYYMMDD_HH24'), hi, hi + (hi - lo));
                END
                $$""");
        List<String> created = leaves();
        created.removeAll(before);
        say("created ahead: " + String.join(", ", created));
        exec("ALTER TABLE public.events DETACH PARTITION public." + oldest);
        sayf("status now: exit %d (5 = not ready: it names the partitions that changed)", cli("status", "--url", url));

        step("partitions sync: fixes the pending rows of exactly those partitions and records the new partition set");
        requireOk(cli("partitions", "sync", "--url", url), "partitions sync");
        exec("DROP TABLE public." + oldest);
        sayf("pending rows whose event is gone: %,d", count("SELECT count(*) FROM public.event_embedding_pending p"
                + " WHERE NOT EXISTS (SELECT 1 FROM public.events e WHERE e.id = p.event_id)"));
    }

    private List<String> leaves() throws Exception {
        List<String> out = new ArrayList<>();
        try (Connection c = connect(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT relid::regclass::text FROM pg_partition_tree('public.events') WHERE isleaf ORDER BY 1")) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }

    private void exec(String sql) throws Exception {
        try (Connection c = connect(); Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }

    /** The demo's own VACUUM, said as such: the plans it precedes show "Heap Fetches: 0" because of it. */
    private void vacuum(String table, String why) throws Exception {
        sayf("the demo's own VACUUM ANALYZE %s: %s", table, why);
        try (Connection c = connect(); Statement st = c.createStatement()) {
            st.execute("VACUUM ANALYZE " + table);
        }
        sayf("pages of %s not all-visible after it: %,d", table,
                count("SELECT greatest(relpages - relallvisible, 0) FROM pg_class WHERE oid = '" + table + "'::regclass"));
    }

    private String pendingRows(long event) throws Exception {
        List<String> rows = new ArrayList<>();
        try (Connection c = connect(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT model, organization_id FROM public.event_embedding_pending WHERE event_id = " + event + " ORDER BY model")) {
            while (rs.next()) {
                rows.add("(" + rs.getString(1) + ", " + rs.getString(2) + ")");
            }
        }
        return rows.isEmpty() ? "none" : String.join(", ", rows);
    }

    private String string(String sql) throws Exception {
        try (Connection c = connect(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }

    private static void requireOk(int code, String what) {
        if (code != 0) {
            throw new IllegalStateException(what + " failed with exit code " + code);
        }
    }

    private double explainAndTime(String sql) throws Exception {
        try (Connection c = connect(); Statement st = c.createStatement()) {
            System.out.println(indent(sql));
            System.out.println();
            try (ResultSet rs = st.executeQuery("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + sql)) {
                while (rs.next()) {
                    System.out.println("    " + rs.getString(1));
                }
            }
            // Best of five: the plan above already warmed the cache.
            double best = Double.MAX_VALUE;
            for (int i = 0; i < 5; i++) {
                long t0 = System.nanoTime();
                try (ResultSet rs = st.executeQuery(sql)) {
                    while (rs.next()) {
                        // drain
                    }
                }
                best = Math.min(best, (System.nanoTime() - t0) / 1e6);
            }
            sayf("time (best of 5, client side): %.3f ms", best);
            return best;
        }
    }

    private int cli(String... args) throws Exception {
        System.out.println("$ events-has-embedding " + String.join(" ", args));
        System.out.flush();
        if (!throughJar || !Files.isRegularFile(jar)) {
            return Main.run(args);
        }
        ProcessBuilder pb = new ProcessBuilder(javaCommand(args)).inheritIO();
        return pb.start().waitFor();
    }



    private List<String> javaCommand(String... args) {
        List<String> cmd = new ArrayList<>(List.of(System.getProperty("java.home") + File.separator + "bin" + File.separator + "java",
                "-jar", jar.toString()));
        cmd.addAll(Arrays.asList(args));
        return cmd;
    }

    private Connection connect() throws Exception {
        return DriverManager.getConnection(url);
    }

    private long count(String sql) throws Exception {
        try (Connection c = connect(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private void step(String title) {
        step++;
        System.out.println();
        System.out.println("== " + step + ". " + title);
    }

    private static int size() {
        String v = System.getProperty("demo.events", System.getenv().getOrDefault("DEMO_EVENTS", "200000"));
        int n = Integer.parseInt(v.trim().replace("_", ""));
        if (n < 1000) {
            throw new IllegalArgumentException("demo.events must be at least 1000, got " + n);
        }
        return n;
    }

    private static String indent(String sql) {
        return "    " + sql.replace("\n", "\n    ");
    }

    private static void say(String line) {
        System.out.println(line);
        System.out.flush();
    }

    private static void sayf(String format, Object... args) {
        say(String.format(Locale.ROOT, format, args));
    }
}
