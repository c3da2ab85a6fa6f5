package io.ehe.testing;

import org.yaml.snakeyaml.Yaml;

import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * The metrics contract, chart/files/postgres-exporter-queries.yaml, as the tests compare a scrape with
 * SQL truth: per query (ehe_model, ehe_database) its label column and gauge columns, named the way
 * postgres_exporter names them (query_column).
 */
public final class MetricsContract {

    /** Seconds a scrape's ages may differ from the truth computed just before it (two clocks a scrape apart). */
    public static final double AGE_TOLERANCE = 5.0;

    private MetricsContract() {
    }

    /** Query name to its gauge metric names, in file order; the label columns are left out. */
    @SuppressWarnings("unchecked")
    public static Map<String, List<String>> gauges() throws Exception {
        Map<String, Object> file = new Yaml().load(Files.readString(PostgresExporter.QUERIES));
        Map<String, List<String>> out = new LinkedHashMap<>();
        for (Map.Entry<String, Object> q : file.entrySet()) {
            List<String> names = new ArrayList<>();
            for (Map<String, Map<String, String>> metric : (List<Map<String, Map<String, String>>>) ((Map<String, Object>) q.getValue()).get("metrics")) {
                metric.forEach((column, spec) -> {
                    if (!"LABEL".equals(spec.get("usage"))) {
                        names.add(q.getKey() + "_" + column);
                    }
                });
            }
            out.put(q.getKey(), names);
        }
        return out;
    }

    /**
     * Every figure the scrape has under {@code label} equals {@code truth} (same keys, gauge names of the
     * contract); the columns named in {@code ages} within {@link #AGE_TOLERANCE} seconds, NaN equal to NaN.
     */
    public static void assertFigures(Map<String, Double> scrape, String query, String labelName, String label,
                                     Map<String, Double> truth, String... ages) throws Exception {
        List<String> gauges = gauges().get(query);
        assertThat(truth.keySet()).as("the test's truth names every gauge of " + query)
                .containsExactlyInAnyOrderElementsOf(gauges.stream().map(g -> g.substring(query.length() + 1)).toList());
        for (String gauge : gauges) {
            String column = gauge.substring(query.length() + 1);
            String key = PostgresExporter.key(gauge, Map.of(labelName, label));
            assertThat(scrape).as("scrape has " + key + "; scrape: " + scrape).containsKey(key);
            double got = scrape.get(key);
            double want = truth.get(column);
            if (Double.isNaN(want)) {
                assertThat(got).as(key + " (unknown: NaN)").isNaN();
            } else if (List.of(ages).contains(column)) {
                assertThat(got).as(key).isCloseTo(want, within(AGE_TOLERANCE));
            } else {
                assertThat(got).as(key).isEqualTo(want);
            }
        }
    }

    /**
     * One scrape against the truth taken just before it: each model of {@code models} (a model's name to
     * its truth) as {@link #assertFigures} checks it, its oldest pending age within the tolerance; one
     * ehe_model_pending_pairs series per model and no other; and the database's figures for {@code design}.
     */
    public static void assertModelsAndDatabase(Map<String, Double> scrape, Map<String, Map<String, Double>> models,
                                               String design, Map<String, Double> database) throws Exception {
        for (Map.Entry<String, Map<String, Double>> m : models.entrySet()) {
            assertFigures(scrape, "ehe_model", "model", m.getKey(), m.getValue(), "oldest_pending_age_seconds");
        }
        assertThat(scrape.keySet().stream().filter(k -> k.startsWith("ehe_model_pending_pairs")))
                .as("one series per target model, no other").hasSize(models.size());
        assertFigures(scrape, "ehe_database", "design", design, database);
    }

    /**
     * The exporter's role {@code role} can read no table of public, and every ehe_metrics_ function obeys
     * 170's owner rule: SECURITY DEFINER, search_path pinned, not owned by a superuser, no PUBLIC EXECUTE
     * (the shared pair and the design's own, {@code designFunctions} of them).
     */
    public static void assertExporterReadsThroughFunctionsOnly(TestDatabase db, String role, int designFunctions) {
        assertThat(db.queryLong("SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                + " WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v') AND has_table_privilege('" + role + "', c.oid, 'SELECT')"))
                .as("tables the exporter's role can read").isZero();
        // 170's owner rule: SECURITY DEFINER, path pinned, never owned by a superuser (the tests install as one), no PUBLIC EXECUTE.
        assertThat(db.queryStrings("""
                SELECT p.proname || ' ' || p.prosecdef || ' ' || r.rolsuper || ' ' || array_to_string(p.proconfig, ';')
                       || ' ' || has_function_privilege('public', p.oid, 'EXECUTE')
                  FROM pg_proc p JOIN pg_roles r ON r.oid = p.proowner
                 WHERE p.proname LIKE 'ehe\\_metrics\\_%' ORDER BY 1""")).as("the shared pair and the design's own").hasSize(2 + designFunctions).allMatch(l -> l.matches("ehe_metrics_\\w+ true false search_path=pg_catalog, pg_temp;lock_timeout=2s.* false"));
    }

    /**
     * ChangeSet 190 point 5's drift sample seen from outside: {@code scrapes} calls of
     * ehe_metrics_database(), and the assertion both designs' tests make of them once one old event
     * (below the newest 100, inside the window's range) disagrees: some scrapes see it, some do not (a
     * sample, not a scan), and none counts it more than once.
     */
    public static void assertOldDriftFoundBySomeScrapesOnly(TestDatabase db, int scrapes) {
        List<Long> seen = new ArrayList<>();
        for (int i = 0; i < scrapes; i++) {
            seen.add(db.queryLong("SELECT drift_rows FROM ehe_metrics_database()"));
        }
        assertThat(seen).as("drift_rows per scrape").containsOnly(0L, 1L).contains(1L).contains(0L);
    }

    /** {@code scrapes} calls of ehe_metrics_database() all read drift_rows 0. */
    public static void assertNoDrift(TestDatabase db, int scrapes) {
        for (int i = 0; i < scrapes; i++) {
            assertThat(db.queryLong("SELECT drift_rows FROM ehe_metrics_database()")).as("no drift yet").isZero();
        }
    }
}
