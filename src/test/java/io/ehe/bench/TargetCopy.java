package io.ehe.bench;

import io.ehe.cli.ExitCodes;
import io.ehe.db.DatabaseUrl;
import io.ehe.db.Secrets;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;

/**
 * {@code make bench BENCH_ARGS='--target-url URL --i-know-this-is-a-disposable-copy'}: the app's-question
 * comparison (query rewrite, pending table, high watermark newest and oldest first) on a database the
 * user names, a restored copy of their own, on their data and their backlog, plus a model swap.
 *
 * <p>How it keeps the copy as it found it, and refuses what is not a copy:
 * <ol>
 * <li>Refuses without the flag (exit 2), before connecting. Refuses a standby, a primary that streams to
 *     anyone (pg_stat_replication not empty) and a database with an active replication slot (a
 *     subscriber or replica is reading its WAL): exit 10, nothing written.</li>
 * <li>Prints what it will create, write and drop, then takes a catalog snapshot (every schema, relation,
 *     column, index, trigger, function, extension and publication outside the system schemas) and the row
 *     counts of events and event_embeddings.</li>
 * <li>Writes only inside its own new schema {@value #SCHEMA} (refuses if it exists): the cursor table and a
 *     copy of the pending-table design's read side (its table and its two per-target indexes, filled by one
 *     INSERT ... SELECT; the design's triggers are not installed: they would alter events). Never writes
 *     events or event_embeddings, so the write path is not measured here.</li>
 * <li>Drops that schema in a finally block, takes the snapshot again and fails (exit 1) unless both are
 *     equal. The password is never printed: only {@link DatabaseUrl#toString()} (no credential) is.</li>
 * </ol>
 */
final class TargetCopy {

    static final String DISPOSABLE_FLAG = "i-know-this-is-a-disposable-copy";
    static final String SCHEMA = "ehe_bench";
    static final String SWAP_MODEL = "ehe-bench-model-swap";

    private TargetCopy() {
    }

    /** Bench's entry: the report goes to stdout and to --target-out (default target/bench-target.md). Returns the exit code. */
    static int main(Map<String, String> opt, int repeats) {
        return run(opt, repeats, System.out, System.err);
    }

    static int run(Map<String, String> opt, int repeats, PrintStream out, PrintStream err) {
        if (!opt.containsKey(DISPOSABLE_FLAG)) {
            err.println("refusing to run on --target-url without --" + DISPOSABLE_FLAG
                    + ": it creates and drops a schema and runs long queries; point it at a restored copy, never at production");
            return ExitCodes.USAGE;
        }
        DatabaseUrl url;
        try {
            url = DatabaseUrl.parse(opt.get("target-url"));
        } catch (IllegalArgumentException e) {
            err.println("--target-url: " + e.getMessage());
            return ExitCodes.USAGE;
        }
        url.password().ifPresent(Secrets::register);
        String model = opt.getOrDefault("target-model", AppSemanticsBench.MODEL);
        Path report = Path.of(opt.getOrDefault("target-out", "target/bench-target.md"));
        Properties p = new Properties();
        url.user().ifPresent(u -> p.setProperty("user", u));
        url.password().ifPresent(pw -> p.setProperty("password", pw));
        p.setProperty("ApplicationName", "ehe-bench-target");
        try (Connection c = DriverManager.getConnection(url.jdbcUrl(), p)) {
            String refusal = refusal(c);
            if (refusal != null) {
                err.println("refusing " + url + ": " + refusal);
                return refusal.startsWith("no ") ? ExitCodes.WRONG_DATABASE : ExitCodes.UNSUITABLE_CONNECTION;
            }
            AppQuestion question = new AppQuestion(one(c, "SELECT count(*) FROM pg_attribute WHERE attrelid = 'public.events'::regclass "
                    + "AND attname = 'superseded_by' AND NOT attisdropped") == 1);
            out.println("target: " + url + ", " + string(c, "SELECT version()"));
            out.println("plan: will CREATE SCHEMA " + SCHEMA + " with a cursor table (one row per organization and model) and a table shaped like "
                    + "event_embedding_pending with its two per-target indexes, filled for model '" + model + "' (the pending events) and for '" + SWAP_MODEL
                    + "' (every live event, a model swap: about as many rows as events); will write nothing else, read events and event_embeddings "
                    + "(full scans), then DROP SCHEMA " + SCHEMA + " CASCADE and check that the catalog and the row counts of events and "
                    + "event_embeddings are as before. The write path is not measured here (it would write your tables)."
                    + (question.superseded() ? "" : " events has no superseded_by: no event counts as superseded."));
            String before = snapshot(c);
            String body;
            try {
                body = measure(c, question, model, repeats, url.toString());
            } finally {
                try (Statement st = c.createStatement()) {
                    st.execute("DROP SCHEMA IF EXISTS " + SCHEMA + " CASCADE");
                }
            }
            String after = snapshot(c);
            if (!before.equals(after)) {
                err.println("the database is NOT as it was found: catalog or row counts differ after dropping " + SCHEMA + ":\n" + diff(before, after));
                return ExitCodes.FAILURE;
            }
            body += "\nAfter: schema " + SCHEMA + " dropped; catalog snapshot and row counts of events and event_embeddings equal to before ("
                    + before.lines().count() + " catalog lines compared).\n";
            out.println(body);
            Files.createDirectories(report.toAbsolutePath().getParent());
            Files.writeString(report, body);
            out.println("wrote " + report);
            return ExitCodes.OK;
        } catch (SQLException e) {
            err.println("target: " + Secrets.mask(String.valueOf(e.getMessage())) + " (SQLSTATE " + e.getSQLState() + ")");
            return "08001".equals(e.getSQLState()) || "28P01".equals(e.getSQLState()) || "3D000".equals(e.getSQLState()) ? ExitCodes.CONNECT : ExitCodes.FAILURE;
        } catch (Exception e) {
            err.println("target: " + Secrets.mask(String.valueOf(e.getMessage())));
            return ExitCodes.FAILURE;
        }
    }

    /** Why this database must not be used, or null. */
    static String refusal(Connection c) throws SQLException {
        if (one(c, "SELECT CASE WHEN pg_is_in_recovery() THEN 1 ELSE 0 END") == 1) {
            return "it is a standby (pg_is_in_recovery()); restore a copy as a primary of its own";
        }
        String slots = string(c, "SELECT string_agg(slot_name || ' (' || slot_type || ')', ', ' ORDER BY slot_name) FROM pg_replication_slots WHERE active");
        if (slots != null) {
            return "replication slots are in use: " + slots + "; a subscriber or replica reads this server's WAL, so it is not a disposable copy";
        }
        long replicas = one(c, "SELECT count(*) FROM pg_stat_replication");
        if (replicas > 0) {
            return "it streams WAL to " + replicas + " receiver(s) (pg_stat_replication); a primary with replicas is not a disposable copy";
        }
        if (one(c, "SELECT count(*) FROM pg_class WHERE oid IN (to_regclass('public.events'), to_regclass('public.event_embeddings'))") != 2) {
            return "no public.events and public.event_embeddings here: wrong database";
        }
        if (one(c, "SELECT count(*) FROM pg_namespace WHERE nspname = '" + SCHEMA + "'") > 0) {
            return "schema " + SCHEMA + " already exists (a run that did not finish?); drop it yourself after checking what it holds";
        }
        return null;
    }

    private static String measure(Connection c, AppQuestion q, String model, int repeats, String target) throws Exception {
        HighWatermark hwm = new HighWatermark(SCHEMA + ".cursor", q);
        AppContender.Tables tables = new AppContender.Tables(q, SCHEMA + ".pending", hwm);
        StringBuilder md = new StringBuilder();
        md.append("# The app's-question comparison on ").append(target).append("\n\n");
        md.append("Written by `make bench BENCH_ARGS='--target-url ... --").append(DISPOSABLE_FLAG).append("'` on ").append(Bench.today())
                .append(", ").append(string(c, "SELECT version()")).append(". Target model `").append(model).append("`; a model swap to `")
                .append(SWAP_MODEL).append("` (no embedding rows: every live event pending). Server execution time, median of ").append(repeats)
                .append(" rounds; in brackets the speed-up over the rewrite in the same round. The pending table is its read side only (table and "
                        + "indexes, filled by one statement), the high watermark after its first tick (lag ").append(HighWatermarkBench.LAG).append(").\n\n");
        md.append(String.format(Locale.ROOT, "Data: %,d events, %,d embedding rows; %s.%n%n", one(c, "SELECT count(*) FROM public.events"),
                one(c, "SELECT count(*) FROM public.event_embeddings"), string(c, """
                        SELECT pg_size_pretty(pg_table_size('public.events')) || ' heap+toast, ' || pg_size_pretty(pg_indexes_size('public.events')) || ' indexes'""")));
        try (Statement st = c.createStatement()) {
            st.execute("CREATE SCHEMA " + SCHEMA);
            st.execute(hwm.createTable());
            st.execute("CREATE TABLE " + SCHEMA + ".pending (event_id bigint NOT NULL, model text NOT NULL, organization_id text NOT NULL, "
                    + "created_at timestamptz, PRIMARY KEY (event_id, model))");
        }
        md.append("| backlog | pending | newest tenth of ids / oldest tenth | pending table fill (one statement) | first tick | whole sweep | candidates below the lowest cursor |\n")
                .append("|---|---|---|---|---|---|---|\n");
        List<String[]> rows = new ArrayList<>();
        Map<String, AppQueryRounds.Result> results = new java.util.LinkedHashMap<>();
        for (String m : List.of(model, SWAP_MODEL)) {
            String label = m.equals(model) ? "yours (" + m + ")" : "model swap (" + m + ")";
            Bench.say("target: " + label);
            double t0 = now();
            long pending;
            try (Statement st = c.createStatement()) {
                pending = st.executeUpdate("INSERT INTO " + SCHEMA + ".pending (event_id, model, organization_id, created_at) SELECT e.id, "
                        + AppQuestion.literal(m) + ", e.organization_id, e.created_at FROM public.events e WHERE " + AppQuestion.pending(q, m));
            }
            double fill = now() - t0;
            try (Statement st = c.createStatement()) {
                st.execute("CREATE INDEX IF NOT EXISTS pending_newest_idx ON " + SCHEMA + ".pending (model, created_at, event_id) INCLUDE (organization_id)");
                st.execute("CREATE INDEX IF NOT EXISTS pending_org_newest_idx ON " + SCHEMA + ".pending (model, organization_id, created_at, event_id)");
                st.execute("VACUUM (ANALYZE) " + SCHEMA + ".pending");
            }
            t0 = now();
            hwm.runTick(c, m, HighWatermarkBench.LAG);
            double tick = now() - t0;
            t0 = now();
            try (Statement st = c.createStatement()) {
                st.executeUpdate(hwm.sweep(m, "'-infinity'", "'infinity'"));
            }
            double sweep = now() - t0;
            String tenths = string(c, """
                    SELECT round(100 * avg(CASE WHEN e.id > b.hi - (b.hi - b.lo) / 10 THEN 1.0 ELSE 0.0 END), 1) || '%% / '
                           || round(100 * avg(CASE WHEN e.id <= b.lo + (b.hi - b.lo) / 10 THEN 1.0 ELSE 0.0 END), 1) || '%%'
                      FROM %s.pending p JOIN public.events e ON e.id = p.event_id
                     CROSS JOIN (SELECT min(id) AS lo, max(id) AS hi FROM public.events) b WHERE p.model = %s""".formatted(SCHEMA, AppQuestion.literal(m)));
            double below = one(c, "SELECT count(*) FROM public.events e WHERE " + q.candidate() + " AND e.created_at < (SELECT min(cursor_at) FROM "
                    + hwm.table() + " WHERE model = " + AppQuestion.literal(m) + ")") / (double) Math.max(1, one(c, "SELECT count(*) FROM public.events e WHERE " + q.candidate()));
            rows.add(new String[]{label, String.format(Locale.ROOT, "%,d", pending), tenths == null ? "n/a" : tenths, Stats.ms(fill), Stats.ms(tick), Stats.ms(sweep),
                    String.format(Locale.ROOT, "%.1f%%", 100 * below)});
            Map<AppContender, Connection> conns = new EnumMap<>(AppContender.class);
            for (AppContender k : AppContender.values()) {
                conns.put(k, c);
            }
            results.put(label, AppQueryRounds.run(conns, tables, m, repeats));
        }
        for (String[] r : rows) {
            md.append("| ").append(String.join(" | ", r)).append(" |\n");
        }
        md.append("\n| backlog | query |");
        for (AppContender k : AppContender.values()) {
            md.append(' ').append(k.label).append(" |");
        }
        md.append(" same rows |\n|---|---|---|---|---|---|---|\n");
        for (Map.Entry<String, AppQueryRounds.Result> e : results.entrySet()) {
            AppQueryRounds.Result r = e.getValue();
            for (int k = 0; k < 2; k++) {
                md.append("| ").append(e.getKey()).append(" | ").append(k == 0 ? "discovery" : "pick").append(" |");
                for (AppContender a : AppContender.values()) {
                    md.append(' ').append(Stats.ms((k == 0 ? r.discovery() : r.pick()).get(a).median()))
                            .append(a == AppContender.REWRITE ? "" : " (" + Paired.x((k == 0 ? r.discoveryVsRewrite() : r.pickVsRewrite()).get(a).median()) + ")").append(" |");
                }
                md.append(' ').append(r.sameRows() ? "yes" : "**no**: " + r.note()).append(" |\n");
            }
        }
        return md.toString();
    }

    /**
     * Every object outside the system schemas that a run could leave behind or change, one line each, and
     * the row counts of the two tables it reads.
     */
    static String snapshot(Connection c) throws SQLException {
        StringBuilder out = new StringBuilder();
        String user = "n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%' AND n.nspname NOT LIKE 'pg_temp%'";
        for (String sql : List.of(
                "SELECT 'schema ' || n.nspname FROM pg_namespace n WHERE " + user,
                "SELECT 'relation ' || n.nspname || '.' || c.relname || ' ' || c.relkind::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE " + user,
                "SELECT 'column ' || n.nspname || '.' || c.relname || '.' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod) || ' ' || a.attnotnull "
                        + "FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
                        + "WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p') AND " + user,
                "SELECT 'index ' || pg_get_indexdef(i.indexrelid) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace WHERE " + user,
                "SELECT 'trigger ' || t.tgrelid::regclass || ' ' || t.tgname || ' ' || t.tgenabled::text FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                        + "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE NOT t.tgisinternal AND " + user,
                "SELECT 'function ' || n.nspname || '.' || p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')' FROM pg_proc p "
                        + "JOIN pg_namespace n ON n.oid = p.pronamespace WHERE " + user,
                "SELECT 'extension ' || extname || ' ' || extversion FROM pg_extension",
                "SELECT 'publication ' || pubname FROM pg_publication",
                "SELECT 'rows events ' || count(*) FROM public.events",
                "SELECT 'rows event_embeddings ' || count(*) FROM public.event_embeddings")) {
            List<String> lines = new ArrayList<>();
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
                while (rs.next()) {
                    lines.add(rs.getString(1));
                }
            }
            java.util.Collections.sort(lines);
            lines.forEach(l -> out.append(l).append('\n'));
        }
        return out.toString();
    }

    private static String diff(String before, String after) {
        List<String> a = before.lines().toList(), b = after.lines().toList();
        StringBuilder d = new StringBuilder();
        a.stream().filter(l -> !b.contains(l)).forEach(l -> d.append("- ").append(l).append('\n'));
        b.stream().filter(l -> !a.contains(l)).forEach(l -> d.append("+ ").append(l).append('\n'));
        return d.toString();
    }

    private static long one(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static String string(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            return rs.next() ? rs.getString(1) : null;
        }
    }

    private static double now() {
        return System.nanoTime() / 1e6;
    }
}
