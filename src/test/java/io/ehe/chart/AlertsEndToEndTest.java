package io.ehe.chart;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ehe.catalog.Design;
import io.ehe.cli.Main;
import io.ehe.testing.Migrations;
import io.ehe.testing.PostgresExporter;
import io.ehe.testing.PostgresExtension;
import io.ehe.testing.TestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 25, the whole chain with real components: the module's metrics functions on a real PostgreSQL,
 * Debian's postgres_exporter reading the shipped queries file, a real Prometheus server (Debian's
 * prometheus 2.42) scraping it every second and evaluating the PrometheusRule the chart renders. A healthy
 * install raises no alert at all (not even pending); a disabled module trigger fires EheTriggersDisabled
 * with the chart's severity and runbook link; enabling it again resolves it. The chart's {@code for} of
 * that alert is set to 0s so the test does not wait a minute; everything else is rendered as shipped.
 * promtool's unit tests (PrometheusRuleTest) feed synthetic series; this one proves the names, labels and
 * selector the rules read are the ones the exporter really exports.
 */
@ExtendWith(PostgresExtension.class)
class AlertsEndToEndTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String JOB = "ehe-e2e";

    @Test
    void aHealthyInstallIsQuietAndADisabledTriggerFiresItsAlertThenResolves(TestDatabase db, @TempDir Path tmp) throws Exception {
        Migrations.baselineOnly(db);
        db.execute("INSERT INTO events (organization_id, payload_text) SELECT 'org-' || (g % 3), 'text ' || g FROM generate_series(1, 200) g",
                "INSERT INTO event_embeddings (event_id, embedding_model, chunk_index) SELECT id, 'm', 0 FROM events WHERE id % 2 = 0");
        Migrations.migrate(db, false, Design.PENDING_TABLE);
        assertThat(Main.run("backfill", "--url=" + db.urlWithCredentials())).as("backfill").isZero();

        String rules = PrometheusRuleTest.rulesFile(Chart.template(
                "metrics.prometheusRule.enabled", "true",
                "metrics.prometheusRule.selector", "job=\"" + JOB + "\"",
                "metrics.prometheusRule.alerts.triggersDisabled.for", "0s"));
        try (PostgresExporter exporter = PostgresExporter.start(db, "ehe_alerts_e2e");
             PrometheusServer prometheus = PrometheusServer.start(tmp.resolve("prometheus"), rules, JOB, exporter.target())) {

            // Scraped and evaluated: the module's own metric is in Prometheus with the job's label.
            awaitQuery(prometheus, "ehe_database_ready{job=\"" + JOB + "\"} == 1", r -> r.size() == 1);
            // Several evaluations later nothing is pending or firing.
            Thread.sleep(4_000);
            assertThat(alerts(prometheus)).as("alerts of a healthy install:\n%s", prometheus.log()).isEmpty();

            db.execute("ALTER TABLE events DISABLE TRIGGER trg_events_pending_targets_ins");
            JsonNode fired = awaitAlert(prometheus, "EheTriggersDisabled", true);
            assertThat(fired.at("/labels/severity").asText()).isEqualTo("critical");
            assertThat(fired.at("/labels/design").asText()).isEqualTo("pending-table");
            assertThat(fired.at("/labels/job").asText()).isEqualTo(JOB);
            assertThat(fired.at("/annotations/runbook_url").asText()).endsWith("docs/runbooks.md#ehetriggersdisabled");
            assertThat(fired.at("/annotations/description").asText()).contains("pending-table design on " + exporter.target());

            db.execute("ALTER TABLE events ENABLE TRIGGER trg_events_pending_targets_ins");
            awaitAlert(prometheus, "EheTriggersDisabled", false);
        }
    }

    /** Every alert Prometheus holds (pending or firing). */
    private static List<JsonNode> alerts(PrometheusServer prometheus) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        JSON.readTree(prometheus.alerts()).at("/data/alerts").forEach(out::add);
        return out;
    }

    /** Waits (60 s at most) until {@code name} is firing ({@code firing}) or held in no state at all; returns it when firing. */
    private static JsonNode awaitAlert(PrometheusServer prometheus, String name, boolean firing) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        List<JsonNode> seen;
        do {
            seen = alerts(prometheus);
            JsonNode match = seen.stream().filter(a -> name.equals(a.at("/labels/alertname").asText())).findFirst().orElse(null);
            if (firing && match != null && "firing".equals(match.get("state").asText())) {
                return match;
            }
            if (!firing && match == null) {
                return null;
            }
            Thread.sleep(500);
        } while (System.nanoTime() < deadline);
        throw new AssertionError(name + (firing ? " never fired" : " never resolved") + " in 60 s; alerts: " + seen
                + "\nprometheus log:\n" + prometheus.log());
    }

    /** Waits (60 s at most) until the instant query's result vector satisfies {@code done}. */
    private static void awaitQuery(PrometheusServer prometheus, String promql, Predicate<JsonNode> done) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        JsonNode result;
        do {
            result = JSON.readTree(prometheus.query(promql)).at("/data/result");
            if (done.test(result)) {
                return;
            }
            Thread.sleep(500);
        } while (System.nanoTime() < deadline);
        throw new AssertionError("query " + promql + " never held in 60 s; last result " + result + "\nprometheus log:\n" + prometheus.log());
    }
}
