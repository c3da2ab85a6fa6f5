package io.ehe.bench;

import io.ehe.testing.TestDatabase;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The scheduler's question, asked the old way (anti-join) and the new way (partial index), side by side.
 * Each query is timed twice per round: at the client (JDBC round trip: parse, plan, execute, fetch)
 * and at the server (EXPLAIN ANALYZE with TIMING OFF: execution only, which is what the seed's
 * pg_stat_statements mean_exec_time of 1.27 s counted).
 */
final class QueryBench {

    static final String OLD_ALL = """
            SELECT e.organization_id, count(*) FROM public.events e
             WHERE e.payload_text IS NOT NULL AND e.payload_text <> ''
               AND NOT EXISTS (SELECT 1 FROM public.event_embeddings x WHERE x.event_id = e.id)
             GROUP BY e.organization_id""";
    static final String NEW_ALL = """
            SELECT organization_id, count(*) FROM public.events
             WHERE NOT has_embedding AND payload_text IS NOT NULL AND payload_text <> ''
             GROUP BY organization_id""";
    static final String OLD_ONE = """
            SELECT e.id FROM public.events e
             WHERE e.organization_id = 'org-007' AND e.payload_text IS NOT NULL AND e.payload_text <> ''
               AND NOT EXISTS (SELECT 1 FROM public.event_embeddings x WHERE x.event_id = e.id)
             ORDER BY e.id LIMIT 100""";
    static final String NEW_ONE = """
            SELECT id FROM public.events
             WHERE organization_id = 'org-007' AND NOT has_embedding AND payload_text IS NOT NULL AND payload_text <> ''
             ORDER BY id LIMIT 100""";

    /** One query pair, timed at the client and at the server. */
    record Pair(Stats oldClient, Stats newClient, Stats oldServer, Stats newServer) {
        double clientRatio() {
            return oldClient.median() / newClient.median();
        }

        double serverRatio() {
            return oldServer.median() / newServer.median();
        }
    }

    record Result(Pair all, Pair one, String oldPlan, String newPlan, long pendingOld, long pendingNew) {
    }

    static Result run(TestDatabase db, int repeats) throws Exception {
        try (Connection c = db.open(); Statement st = c.createStatement()) {
            st.execute("VACUUM (ANALYZE) public.events"); // as autovacuum would have by then: index-only scans need the visibility map
            long pendingOld = countRows(st, OLD_ALL);
            long pendingNew = countRows(st, NEW_ALL);
            // interleaved so both see the same cache state and background noise
            List<String> sql = List.of(OLD_ALL, NEW_ALL, OLD_ONE, NEW_ONE);
            List<List<Double>> client = new ArrayList<>(), server = new ArrayList<>();
            sql.forEach(q -> {
                client.add(new ArrayList<>());
                server.add(new ArrayList<>());
            });
            for (int i = 0; i < repeats + 2; i++) {
                boolean warmup = i < 2;
                for (int q = 0; q < sql.size(); q++) {
                    double atClient = time(st, sql.get(q));
                    double atServer = executionTime(st, sql.get(q));
                    if (!warmup) {
                        client.get(q).add(atClient);
                        server.get(q).add(atServer);
                    }
                }
            }
            return new Result(pair(client, server, 0), pair(client, server, 2),
                    plan(st, OLD_ALL), plan(st, NEW_ALL), pendingOld, pendingNew);
        }
    }

    private static long countRows(Statement st, String sql) throws Exception {
        long sum = 0;
        try (ResultSet rs = st.executeQuery(sql)) {
            while (rs.next()) {
                sum += rs.getLong(2);
            }
        }
        return sum;
    }

    private static Pair pair(List<List<Double>> client, List<List<Double>> server, int oldIndex) {
        return new Pair(Stats.of(client.get(oldIndex)), Stats.of(client.get(oldIndex + 1)),
                Stats.of(server.get(oldIndex)), Stats.of(server.get(oldIndex + 1)));
    }

    private static double time(Statement st, String sql) throws Exception {
        long t0 = System.nanoTime();
        try (ResultSet rs = st.executeQuery(sql)) {
            while (rs.next()) {
                rs.getObject(1);
            }
        }
        return (System.nanoTime() - t0) / 1e6;
    }

    private static final Pattern EXECUTION_TIME = Pattern.compile("\"Execution Time\":\\s*([0-9.]+)");

    /** The server's own execution time, without per-node timing overhead. */
    private static double executionTime(Statement st, String sql) throws Exception {
        try (ResultSet rs = st.executeQuery("EXPLAIN (ANALYZE, TIMING OFF, FORMAT JSON) " + sql)) {
            rs.next();
            Matcher m = EXECUTION_TIME.matcher(rs.getString(1));
            if (!m.find()) {
                throw new IllegalStateException("no Execution Time in EXPLAIN output of " + sql);
            }
            return Double.parseDouble(m.group(1));
        }
    }

    static String plan(Statement st, String sql) throws Exception {
        StringBuilder out = new StringBuilder();
        try (ResultSet rs = st.executeQuery("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + sql)) {
            while (rs.next()) {
                out.append(rs.getString(1)).append('\n');
            }
        }
        return out.toString();
    }
}
