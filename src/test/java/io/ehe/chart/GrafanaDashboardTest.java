package io.ehe.chart;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * chart/files/grafana-dashboard.json: valid JSON, and every PromQL expression in it (panel targets and
 * template variables) names only metrics the shipped queries file exports (or postgres_exporter's pg_up /
 * the scrape's up) and groups only by labels those series have. It shows what issue 25 asks for: backlog per
 * model, oldest age, drain rate, failures, readiness.
 */
class GrafanaDashboardTest {

    static final Path DASHBOARD = Chart.DIR.resolve("files/grafana-dashboard.json");

    /** Every expression of the dashboard, keyed by where it is (panel title or variable name). */
    static List<Map.Entry<String, String>> expressions(JsonNode dashboard) {
        List<Map.Entry<String, String>> out = new ArrayList<>();
        collectPanels(dashboard.path("panels"), out);
        for (JsonNode v : dashboard.path("templating").path("list")) {
            if ("query".equals(v.path("type").asString())) {
                JsonNode q = v.path("query");
                out.add(Map.entry("variable $" + v.path("name").asString(), q.isObject() ? q.path("query").asString() : q.asString()));
            }
        }
        return out;
    }

    private static void collectPanels(JsonNode panels, List<Map.Entry<String, String>> out) {
        for (JsonNode panel : panels) {
            for (JsonNode t : panel.path("targets")) {
                out.add(Map.entry("panel '" + panel.path("title").asString() + "' " + t.path("refId").asString(), t.path("expr").asString()));
            }
            collectPanels(panel.path("panels"), out); // a collapsed row holds its panels
        }
    }

    static JsonNode read(String json) {
        return JsonMapper.builder().build().readTree(json);
    }

    @Test
    void theDashboardParsesAndNamesOnlyExportedMetricsAndLabels() throws IOException {
        JsonNode dashboard = read(Files.readString(DASHBOARD));
        assertThat(dashboard.path("title").asString()).isEqualTo("events-has-embedding");
        assertThat(dashboard.path("uid").asString()).isNotBlank();
        List<Map.Entry<String, String>> exprs = expressions(dashboard);
        assertThat(exprs).hasSizeGreaterThan(10);
        Set<String> used = new LinkedHashSet<>();
        for (Map.Entry<String, String> e : exprs) {
            assertThat(e.getValue()).as(e.getKey()).isNotBlank();
            assertThat(MetricsContract.metricNames(e.getValue())).as(e.getKey()).isNotEmpty();
            assertThat(MetricsContract.unknownMetrics(e.getValue())).as(e.getKey() + ": " + e.getValue()).isEmpty();
            assertThat(MetricsContract.unknownLabels(e.getValue())).as(e.getKey() + ": " + e.getValue()).isEmpty();
            used.addAll(MetricsContract.metricNames(e.getValue()));
        }
        // What the issue asks the dashboard to show.
        assertThat(used).contains("ehe_model_pending_pairs", "ehe_model_oldest_pending_age_seconds", "ehe_model_backing_off_pairs",
                "ehe_model_quarantined_pairs", "ehe_database_ready", "ehe_model_fill_progress_ratio");
        assertThat(exprs).as("a drain rate: minus the slope of the backlog")
                .anySatisfy(e -> assertThat(e.getValue().replace(" ", "")).startsWith("-").contains("deriv(ehe_model_pending_pairs"));
        // Every panel reads the data source the user picks, not one by a fixed uid that does not exist elsewhere.
        List<String> datasources = new ArrayList<>();
        dashboard.path("panels").forEach(p -> datasources.add(p.path("datasource").path("uid").asString()));
        assertThat(datasources).isNotEmpty().allMatch("${datasource}"::equals);
    }

    @Test
    void thePanelsAreLaidOutAsGrafanaExpects() throws IOException {
        JsonNode dashboard = read(Files.readString(DASHBOARD));
        Set<Integer> ids = new LinkedHashSet<>();
        for (JsonNode p : dashboard.path("panels")) {
            String where = "panel '" + p.path("title").asString() + "'";
            assertThat(ids.add(p.path("id").asInt())).as(where + ": unique id").isTrue();
            JsonNode g = p.path("gridPos");
            assertThat(g.path("x").asInt() + g.path("w").asInt()).as(where + ": inside the 24 columns").isBetween(1, 24);
            assertThat(g.path("h").asInt()).as(where).isPositive();
            assertThat(p.path("type").asString()).as(where).isIn("stat", "timeseries");
            Set<String> refIds = new LinkedHashSet<>();
            p.path("targets").forEach(t -> assertThat(refIds.add(t.path("refId").asString())).as(where + ": unique refId").isTrue());
            assertThat(refIds).as(where).isNotEmpty();
        }
        // Each template variable the expressions use is defined.
        Set<String> variables = new LinkedHashSet<>();
        dashboard.path("templating").path("list").forEach(v -> variables.add(v.path("name").asString()));
        for (Map.Entry<String, String> e : expressions(dashboard)) {
            var m = java.util.regex.Pattern.compile("\\$(\\w+)").matcher(e.getValue());
            while (m.find()) {
                if (!m.group(1).startsWith("__")) {
                    assertThat(variables).as(e.getKey()).contains(m.group(1));
                }
            }
        }
    }

    @Test
    void theCheckBites() throws IOException {
        String json = Files.readString(DASHBOARD);
        // A misspelt metric in one panel, and a label no series has.
        String misspelt = json.replaceFirst("ehe_model_oldest_pending_age_seconds\\{", "ehe_model_oldest_pending_age{");
        assertThat(expressions(read(misspelt))).anySatisfy(e -> assertThat(MetricsContract.unknownMetrics(e.getValue()))
                .containsExactly("ehe_model_oldest_pending_age"));
        String badLabel = json.replaceFirst("sum by \\(model\\)", "sum by (organization_id)");
        assertThat(expressions(read(badLabel))).anySatisfy(e -> assertThat(MetricsContract.unknownLabels(e.getValue()))
                .containsExactly("organization_id"));
        assertThatThrownBy(() -> read(json.replaceFirst("\\{", "{,"))).isInstanceOf(tools.jackson.core.JacksonException.class);
    }
}
