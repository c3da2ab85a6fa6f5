package io.ehe.chart;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static io.ehe.chart.Chart.containers;
import static io.ehe.chart.HelmChartTest.env;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** schema / moduleSchema (issue 24) reach every container of every Job, CronJob and the test Pod; a name the CLI would refuse is refused at render. */
class ChartSchemasTest {

    @Test
    void everyContainerGetsTheSchemas(@TempDir Path tmp) {
        Chart.Rendered r = Chart.templateWithHooks(tmp.resolve("c"), "schema", "app", "moduleSchema", "ehe");
        List<Map<String, Object>> pods = r.docs().stream().filter(d -> List.of("Job", "CronJob", "Pod").contains(d.get("kind"))).toList();
        assertThat(pods).hasSizeGreaterThanOrEqualTo(4);
        for (Map<String, Object> doc : pods) {
            for (Map<String, Object> c : containers(doc)) {
                assertThat(env(c, "EHE_SCHEMA")).as(doc.get("kind") + " " + c.get("name")).isEqualTo(Map.of("value", "app"));
                assertThat(env(c, "EHE_MODULE_SCHEMA")).as(doc.get("kind") + " " + c.get("name")).isEqualTo(Map.of("value", "ehe"));
            }
        }
    }

    @Test
    void theDefaultsArePublicAndBesideTheTables(@TempDir Path tmp) {
        Chart.Rendered r = Chart.templateWithHooks(tmp.resolve("c"));
        Map<String, Object> migrate = r.docs().stream().filter(d -> "Job".equals(d.get("kind"))).findFirst().orElseThrow();
        assertThat(env(containers(migrate).get(0), "EHE_SCHEMA")).isEqualTo(Map.of("value", "public"));
        assertThat(Chart.list(containers(migrate).get(0).get("env"))).as("unset: the CLI puts the module beside the tables")
                .noneMatch(e -> "EHE_MODULE_SCHEMA".equals(e.get("name")));
    }

    @Test
    void theExporterQueriesNameTheModuleSchema() {
        Chart.Rendered r = Chart.template("metrics.queriesConfigMap.enabled", "true", "schema", "app", "moduleSchema", "ehe");
        Map<String, Object> cm = r.docs().stream().filter(d -> "ConfigMap".equals(d.get("kind"))).findFirst().orElseThrow();
        String queries = (String) Chart.map(cm.get("data")).get("queries.yaml");
        assertThat(queries).contains("FROM ehe.ehe_metrics_models()", "FROM ehe.ehe_metrics_database()").doesNotContain("FROM public.");
        Chart.Rendered beside = Chart.template("metrics.queriesConfigMap.enabled", "true", "schema", "app");
        String besideQueries = (String) Chart.map(beside.docs().stream().filter(d -> "ConfigMap".equals(d.get("kind"))).findFirst().orElseThrow().get("data")).get("queries.yaml");
        assertThat(besideQueries).contains("FROM app.ehe_metrics_models()");
    }

    @Test
    void aNameTheModuleCannotUseIsRefusedAtRender() {
        assertThatThrownBy(() -> Chart.template("schema", "App")).hasMessageContaining("schema");
        assertThatThrownBy(() -> Chart.template("moduleSchema", "my-module")).hasMessageContaining("moduleSchema");
    }
}
