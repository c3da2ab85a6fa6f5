package io.ehe.bench;

import io.ehe.testing.TestDatabase;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/** The scheduler's question, asked the old way (anti-join) and the new way (partial index), side by side. */
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

    record Result(Stats oldAll, Stats newAll, Stats oldOne, Stats newOne, String oldPlan, String newPlan,
                  long pendingOld, long pendingNew) {
        double ratioAll() {
            return oldAll.median() / newAll.median();
        }

        double ratioOne() {
            return oldOne.median() / newOne.median();
        }
    }

    static Result run(TestDatabase db, int repeats) throws Exception {
        try (Connection c = db.open(); Statement st = c.createStatement()) {
            st.execute("VACUUM (ANALYZE) public.events"); // as autovacuum would have by then: index-only scans need the visibility map
            long pendingOld = countRows(st, OLD_ALL);
            long pendingNew = countRows(st, NEW_ALL);
            // interleaved so both see the same cache state and background noise
            List<Double> oa = new ArrayList<>(), na = new ArrayList<>(), oo = new ArrayList<>(), no = new ArrayList<>();
            for (int i = 0; i < repeats + 2; i++) {
                boolean warmup = i < 2;
                time(st, OLD_ALL, oa, warmup);
                time(st, NEW_ALL, na, warmup);
                time(st, OLD_ONE, oo, warmup);
                time(st, NEW_ONE, no, warmup);
            }
            return new Result(Stats.of(oa), Stats.of(na), Stats.of(oo), Stats.of(no),
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

    private static void time(Statement st, String sql, List<Double> out, boolean warmup) throws Exception {
        long t0 = System.nanoTime();
        try (ResultSet rs = st.executeQuery(sql)) {
            while (rs.next()) {
                rs.getObject(1);
            }
        }
        if (!warmup) {
            out.add((System.nanoTime() - t0) / 1e6);
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
