package io.ehe.chart;

import io.ehe.cli.ExitCodes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.ehe.chart.Chart.annotations;
import static io.ehe.chart.Chart.args;
import static io.ehe.chart.Chart.at;
import static io.ehe.chart.Chart.containers;
import static io.ehe.chart.Chart.jobSpec;
import static io.ehe.chart.Chart.list;
import static io.ehe.chart.Chart.map;
import static io.ehe.chart.Chart.podSpec;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Issue 25's chart half: the exporter-queries ConfigMap, the PrometheusRule, the dashboard ConfigMap and the
 * drift-check CronJob render only when enabled, as objects the Kubernetes API (and the Prometheus Operator's
 * types) take, built from the shipped files and the values.
 */
class MetricsChartTest {

    static final String[] ALL_ON = {"metrics.queriesConfigMap.enabled", "true", "metrics.prometheusRule.enabled", "true",
            "metrics.dashboard.enabled", "true", "driftCheck.enabled", "true"};
    private static final List<String> ALL_OBJECTS = List.of("ConfigMap/ehe-exporter-queries", "PrometheusRule/ehe",
            "ConfigMap/ehe-dashboard", "CronJob/ehe-drift-check");

    @Test
    void nothingOfItRendersByDefault(@TempDir Path tmp) {
        Chart.Rendered r = Chart.templateWithHooks(tmp.resolve("c"));
        assertThat(r.kindsAndNames()).containsExactlyInAnyOrder("Job/ehe-migrate", "CronJob/ehe-backfill", "CronJob/ehe-status", "Pod/ehe-test-status");
    }

    @Test
    void helmLintStrictPassesWithAllOfItEnabled(@TempDir Path tmp) throws IOException {
        // lint takes no values, so a copy of the chart whose values.yaml switches all four on.
        Path copy = tmp.resolve("c");
        Chart.copyTree(Chart.DIR, copy);
        Path values = copy.resolve("values.yaml");
        String text = Files.readString(values);
        String on = text.replace("driftCheck:\n  enabled: false", "driftCheck:\n  enabled: true")
                .replace("queriesConfigMap:\n    enabled: false", "queriesConfigMap:\n    enabled: true")
                .replace("prometheusRule:\n    enabled: false", "prometheusRule:\n    enabled: true")
                .replace("dashboard:\n    enabled: false", "dashboard:\n    enabled: true");
        assertThat(on.split("enabled: true", -1).length - text.split("enabled: true", -1).length).isEqualTo(4);
        Files.writeString(values, on);
        assertThat(Chart.template(copy, List.of()).kindsAndNames()).containsAll(ALL_OBJECTS);
        var lint = Chart.lint(copy);
        assertThat(lint.isFailed()).as("helm lint --strict: %s", lint.getMessages()).isFalse();
        assertThat(lint.getMessages()).noneMatch(m -> m.contains("[ERROR]") || m.contains("[WARNING]"));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"metrics.queriesConfigMap.enabled, ConfigMap/ehe-exporter-queries",
            "metrics.prometheusRule.enabled, PrometheusRule/ehe",
            "metrics.dashboard.enabled, ConfigMap/ehe-dashboard",
            "driftCheck.enabled, CronJob/ehe-drift-check"})
    void eachRendersWhenEnabledAndAlone(String value, String object) {
        List<String> before = Chart.template().kindsAndNames();
        List<String> after = new ArrayList<>(Chart.template(value, "true").kindsAndNames());
        assertThat(after).contains(object);
        after.remove(object);
        assertThat(after).as("nothing else changes").containsExactlyInAnyOrderElementsOf(before);
    }

    @ParameterizedTest(name = "gitops.mode={0}")
    @CsvSource({"helm", "flux", "argocd"})
    void allOfItIsWhatTheKubernetesApiAndThePrometheusOperatorTake(String mode, @TempDir Path tmp) {
        List<String> sets = new ArrayList<>(List.of(ALL_ON));
        sets.addAll(List.of("gitops.mode", mode, "metrics.prometheusRule.selector", "job=\"pg\",namespace=~\"db|events\"",
                "metrics.prometheusRule.additionalAlertLabels.team", "search", "metrics.prometheusRule.labels.release", "kube-prometheus-stack",
                "driftCheck.timeZone", "Europe/Berlin", "driftCheck.ttlSecondsAfterFinished", "86400",
                "driftCheck.annotations.example\\.com/owner", "search", "driftCheck.podAnnotations.example\\.com/x", "y"));
        Chart.Rendered r = Chart.templateWithHooks(Chart.DIR, tmp.resolve("c"), Chart.RELEASE, Chart.NAMESPACE, List.of(),
                sets.toArray(String[]::new));
        assertThat(r.kindsAndNames()).containsAll(ALL_OBJECTS);
        assertThat(KubernetesApiTypes.problems(r.text())).as(r.text()).isEmpty();
        // Ordinary resources in every mode: no hook of either kind, so nothing waits on them.
        for (String object : ALL_OBJECTS) {
            String[] kn = object.split("/");
            assertThat(annotations(r.one(kn[0], kn[1])).keySet()).as(object)
                    .noneMatch(k -> k.startsWith("helm.sh/hook") || k.startsWith("argocd.argoproj.io/"));
        }
    }

    @Test
    void thePrometheusOperatorsTypesAreReallyChecked(@TempDir Path tmp) {
        // A misspelt rule field, which helm lint and a generic YAML check let through, fails the typed check:
        // the PrometheusRule is read into fabric8's monitoring.coreos.com/v1 model, not passed as unknown.
        Path broken = Chart.copyWithEdit(tmp.resolve("c"), "metrics-prometheusrule.yaml", t -> t.replace("- alert: EheDriftRows", "- alertt: EheDriftRows"));
        Chart.Rendered r = Chart.template(broken, List.of(), "metrics.prometheusRule.enabled", "true");
        assertThat(KubernetesApiTypes.problems(r.text())).singleElement().asString()
                .contains("PrometheusRule").contains("spec.groups[0].rules[").contains("alertt");
        assertThat(KubernetesApiTypes.problems(Chart.template("metrics.prometheusRule.enabled", "true").text())).isEmpty();
    }

    @Test
    void theQueriesConfigMapHoldsTheShippedFileAsItIs() throws IOException {
        Map<String, Object> cm = Chart.template("metrics.queriesConfigMap.enabled", "true").one("ConfigMap", "ehe-exporter-queries");
        assertThat(at(cm, "metadata", "namespace")).isEqualTo(Chart.NAMESPACE);
        assertThat(map(cm.get("data")).keySet()).containsExactly("queries.yaml");
        assertThat(at(cm, "data", "queries.yaml")).isEqualTo(Files.readString(MetricsContract.QUERIES).stripTrailing());
        Map<String, Object> elsewhere = Chart.template("metrics.queriesConfigMap.enabled", "true",
                "metrics.queriesConfigMap.namespace", "monitoring").one("ConfigMap", "ehe-exporter-queries");
        assertThat(at(elsewhere, "metadata", "namespace")).isEqualTo("monitoring");
    }

    @Test
    void theDashboardConfigMapHoldsTheShippedJsonWithTheSidecarLabel() throws IOException {
        Map<String, Object> cm = Chart.template("metrics.dashboard.enabled", "true").one("ConfigMap", "ehe-dashboard");
        assertThat(at(cm, "metadata", "labels", "grafana_dashboard")).isEqualTo("1");
        assertThat(at(cm, "metadata", "labels", "app.kubernetes.io/name")).isEqualTo("events-has-embedding");
        assertThat(at(cm, "data", "events-has-embedding.json"))
                .isEqualTo(Files.readString(Chart.DIR.resolve("files/grafana-dashboard.json")).stripTrailing());

        Map<String, Object> custom = Chart.template("metrics.dashboard.enabled", "true", "metrics.dashboard.labelKey", "example.com/dashboard",
                "metrics.dashboard.labelValue", "events", "metrics.dashboard.namespace", "monitoring",
                "metrics.dashboard.annotations.grafana_folder", "Databases").one("ConfigMap", "ehe-dashboard");
        assertThat(map(at(custom, "metadata", "labels"))).containsEntry("example.com/dashboard", "events").doesNotContainKey("grafana_dashboard");
        assertThat(at(custom, "metadata", "namespace")).isEqualTo("monitoring");
        assertThat(annotations(custom)).containsEntry("grafana_folder", "Databases");
    }

    @Test
    void theNotesSayWhatWasEnabled() {
        String none = Chart.installNotes(List.of());
        assertThat(none).doesNotContain("Drift check").doesNotContain("Metrics (");
        String all = Chart.installNotes(List.of(), ALL_ON);
        assertThat(all).contains("CronJob ehe-drift-check runs `verify --sample 10000` on \"23 * * * *\" by itself")
                .contains("app.kubernetes.io/component=drift-check")
                .contains("ConfigMap ehe-exporter-queries (namespace prod)")
                .contains("PrometheusRule ehe (namespace prod); no selector set")
                .contains("dashboard ConfigMap ehe-dashboard (namespace prod, label grafana_dashboard=1)");
        assertThat(Chart.installNotes(List.of(), "metrics.prometheusRule.enabled", "true", "metrics.prometheusRule.selector", "job=\"x\""))
                .contains("PrometheusRule ehe (namespace prod)").doesNotContain("no selector set");
    }

    // --- the drift check -------------------------------------------------------------------------------

    @Test
    void theDriftCheckRunsVerifyOnASampleOnItsScheduleAndFailsAtOnceOnDrift() {
        Map<String, Object> cron = Chart.template("driftCheck.enabled", "true").one("CronJob", "ehe-drift-check");
        assertThat(at(cron, "spec", "suspend")).as("not suspended: it runs by itself").isEqualTo(false);
        assertThat(at(cron, "spec", "schedule")).isEqualTo("23 * * * *");
        assertThat(at(cron, "spec", "concurrencyPolicy")).isEqualTo("Forbid");
        assertThat(at(cron, "spec", "failedJobsHistoryLimit")).as("the failed Job is the alert: kept").isEqualTo(1);
        assertThat(at(cron, "metadata", "labels", "app.kubernetes.io/component")).isEqualTo("drift-check");
        assertThat(args(containers(cron).get(0))).containsExactly("verify", "--sample", "10000");
        Map<String, Object> job = jobSpec(cron);
        assertThat(job).containsEntry("backoffLimit", 2).containsEntry("activeDeadlineSeconds", 600)
                .as("no TTL by default: it would resolve KubeJobFailed by itself").doesNotContainKey("ttlSecondsAfterFinished");
        Map<String, Object> failJob = list(at(job, "podFailurePolicy", "rules")).get(0);
        assertThat(failJob.get("action")).isEqualTo("FailJob");
        assertThat(at(failJob, "onExitCodes", "containerName")).isEqualTo("drift-check");
        assertThat(at(failJob, "onExitCodes", "values")).as("a drift is never retried, nor what no retry can fix")
                .isEqualTo(List.of(ExitCodes.USAGE, ExitCodes.WRONG_DATABASE, ExitCodes.DRIFT, ExitCodes.WRONG_DESIGN,
                        ExitCodes.UNSUITABLE_CONNECTION, ExitCodes.HISTORY_PATH_MISMATCH, ExitCodes.NOT_CONFIRMED, ExitCodes.MODULE_NOT_INSTALLED));
        // The other Jobs still retry nothing more and nothing less than before (exit 8 is verify's only).
        assertThat(at(list(at(jobSpec(Chart.template().one("CronJob", "ehe-status")), "podFailurePolicy", "rules")).get(0), "onExitCodes", "values"))
                .isEqualTo(List.of(2, 6, 9, 10, 11, 13, 14));

        Map<String, Object> custom = Chart.template("driftCheck.enabled", "true", "driftCheck.schedule", "*/10 * * * *",
                "driftCheck.sample", "500", "driftCheck.timeZone", "Europe/Berlin", "driftCheck.backoffLimit", "0",
                "driftCheck.ttlSecondsAfterFinished", "3600").one("CronJob", "ehe-drift-check");
        assertThat(at(custom, "spec", "schedule")).isEqualTo("*/10 * * * *");
        assertThat(at(custom, "spec", "timeZone")).isEqualTo("Europe/Berlin");
        assertThat(args(containers(custom).get(0))).containsExactly("verify", "--sample", "500");
        assertThat(jobSpec(custom)).containsEntry("backoffLimit", 0).containsEntry("ttlSecondsAfterFinished", 3600);
        assertThat(at(Chart.template("driftCheck.enabled", "true", "driftCheck.schedule", "@hourly").one("CronJob", "ehe-drift-check"),
                "spec", "schedule")).isEqualTo("@hourly");
    }

    @Test
    void theDriftCheckPodIsTheStatusPodButForItsArgumentsAndResources() {
        // The same pod options as every other Job of the chart (templates/_helpers.tpl's ehe.podSpec): with
        // values that set them all, the two pod specs differ only in the container's name, args and resources.
        Chart.Rendered r = Chart.template(Chart.resource("custom-values.yaml"), "driftCheck.enabled", "true");
        Map<String, Object> drift = podSpec(r.one("CronJob", "events-drift-check"));
        Map<String, Object> status = podSpec(r.one("CronJob", "events-status"));
        assertThat(withoutContainerSpecifics(drift)).isEqualTo(withoutContainerSpecifics(status));
        assertThat(drift).containsKeys("nodeSelector", "tolerations", "securityContext", "volumes");
        HelmChartTest.assertSecureDefaults(r.one("CronJob", "events-drift-check"));
        assertThat(HelmChartTest.env(containers(r.one("CronJob", "events-drift-check")).get(0), "DATABASE_URL")).isNotNull();
    }

    private static Map<String, Object> withoutContainerSpecifics(Map<String, Object> pod) {
        Map<String, Object> copy = new LinkedHashMap<>(pod);
        List<Map<String, Object>> cs = new ArrayList<>();
        for (Map<String, Object> c : list(pod.get("containers"))) {
            Map<String, Object> cc = new LinkedHashMap<>(c);
            cc.keySet().removeAll(List.of("name", "args", "resources"));
            cs.add(cc);
        }
        copy.put("containers", cs);
        return copy;
    }

    @Test
    void theSchemaRefusesWhatWouldNotWork() {
        assertThatThrownBy(() -> Chart.template("driftCheck.enabled", "true", "driftCheck.sample", "0")).hasMessageContaining("sample");
        assertThatThrownBy(() -> Chart.template("driftCheck.enabled", "true", "driftCheck.failedJobsHistoryLimit", "0"))
                .hasMessageContaining("failedJobsHistoryLimit");
        assertThatThrownBy(() -> Chart.template("driftCheck.enabled", "true", "driftCheck.schedule", "hourly")).hasMessageContaining("schedule");
        assertThatThrownBy(() -> Chart.template("metrics.prometheusRule.enabled", "true", "metrics.prometheusRule.alerts.notReady.for", "5min"))
                .hasMessageContaining("for");
        assertThatThrownBy(() -> Chart.template("metrics.prometheusRule.enabled", "true", "metrics.prometheusRule.selector", "{job=\"x\"}"))
                .hasMessageContaining("selector");
        assertThatThrownBy(() -> Chart.template("metrics.prometheusRule.enabled", "true", "metrics.prometheusRule.runbookBaseUrl", "docs/runbooks.md"))
                .hasMessageContaining("runbookBaseUrl");
        assertThatThrownBy(() -> Chart.template("metrics.prometheusRule.enabled", "true", "metrics.prometheusRule.alerts.quarantinedd.for", "5m"))
                .hasMessageContaining("quarantinedd");
        assertThatThrownBy(() -> Chart.template("driftCheck.enabled", "true", "driftCheck.annotations.helm\\.sh/hook", "pre-install"))
                .hasMessageContaining("driftCheck.annotations").hasMessageContaining("belongs to the chart");
    }

    // --- the PrometheusRule ------------------------------------------------------------------------------

    static List<Map<String, Object>> rules(Chart.Rendered r) {
        Map<String, Object> rule = r.one("PrometheusRule", "ehe");
        List<Map<String, Object>> groups = list(at(rule, "spec", "groups"));
        assertThat(groups).hasSize(1);
        return list(groups.get(0).get("rules"));
    }

    @Test
    void everyAlertUsesOnlyExportedMetricsAndLabelsAndLinksItsRunbookSection() throws IOException {
        List<Map<String, Object>> rules = rules(Chart.template("metrics.prometheusRule.enabled", "true"));
        assertThat(rules).extracting(x -> x.get("alert")).containsExactly("EheMetricsAbsent", "EheNotReady", "EheTriggersDisabled",
                "EheSemanticsMismatch", "EheDriftRows", "EheExporterDown", "EheOldestPendingTooOld", "EheBacklogGrowing",
                "EheQuarantinedPairs", "EheFillingTooLong");
        List<String> headings = runbookAnchors();
        for (Map<String, Object> rule : rules) {
            String alert = (String) rule.get("alert");
            String expr = (String) rule.get("expr");
            assertThat(MetricsContract.metricNames(expr)).as(alert).isNotEmpty();
            assertThat(MetricsContract.unknownMetrics(expr)).as(alert + ": " + expr).isEmpty();
            assertThat(MetricsContract.unknownLabels(expr)).as(alert + ": " + expr).isEmpty();
            String url = (String) at(rule, "annotations", "runbook_url");
            assertThat(url).as(alert).isEqualTo("https://github.com/events-has-embedding/events-has-embedding/blob/main/docs/runbooks.md#"
                    + alert.toLowerCase());
            assertThat(headings).as(alert + ": a section of docs/runbooks.md").contains(alert.toLowerCase());
            assertThat(map(rule.get("annotations"))).containsKeys("summary", "description");
            assertThat(at(rule, "labels", "severity")).as(alert).isIn("critical", "warning");
        }
        assertThat(rules).filteredOn(x -> "critical".equals(at(x, "labels", "severity"))).extracting(x -> x.get("alert"))
                .containsExactlyInAnyOrder("EheMetricsAbsent", "EheNotReady", "EheTriggersDisabled", "EheSemanticsMismatch", "EheDriftRows");
    }

    @Test
    void theContractCheckBites() {
        assertThat(MetricsContract.unknownMetrics("ehe_model_pending_pair{job=\"x\"} > 0")).containsExactly("ehe_model_pending_pair");
        assertThat(MetricsContract.unknownMetrics("sum by (model) (rate(ehe_model_pending_pairs[5m])) and on (instance) pg_up == 1")).isEmpty();
        assertThat(MetricsContract.unknownLabels("sum by (organization) (ehe_model_pending_pairs)")).containsExactly("organization");
        assertThat(MetricsContract.unknownMetrics("label_values(ehe_database_ready{job=~\"$job\"}, instance)")).isEmpty();
        assertThat(MetricsContract.unknownMetrics("label_values(ehe_database_redy, instance)")).containsExactly("ehe_database_redy");
        assertThat(MetricsContract.exportedMetrics()).contains("ehe_model_pending_pairs", "ehe_database_drift_rows").doesNotContain("ehe_model_model");
        assertThat(MetricsContract.exportedLabels()).containsExactlyInAnyOrder("model", "design");
    }

    @Test
    void thresholdsDurationsSeveritiesSelectorAndLabelsComeFromTheValues() {
        List<Map<String, Object>> rules = rules(Chart.template("metrics.prometheusRule.enabled", "true",
                "metrics.prometheusRule.selector", "job=\"ehe-pg\"",
                "metrics.prometheusRule.runbookBaseUrl", "https://wiki.example.com/ehe/runbooks",
                "metrics.prometheusRule.additionalAlertLabels.team", "search",
                "metrics.prometheusRule.alerts.oldestPendingAge.thresholdSeconds", "900",
                "metrics.prometheusRule.alerts.oldestPendingAge.for", "1h",
                "metrics.prometheusRule.alerts.backlogGrowing.window", "1h",
                "metrics.prometheusRule.alerts.backlogGrowing.minPairs", "50000",
                "metrics.prometheusRule.alerts.quarantined.threshold", "10",
                "metrics.prometheusRule.alerts.quarantined.severity", "info",
                "metrics.prometheusRule.alerts.fillingTooLong.enabled", "false"));
        Map<String, Map<String, Object>> byName = new LinkedHashMap<>();
        rules.forEach(x -> byName.put((String) x.get("alert"), x));
        assertThat(byName).doesNotContainKey("EheFillingTooLong").hasSize(9);
        assertThat((String) byName.get("EheOldestPendingTooOld").get("expr")).contains("ehe_model_oldest_pending_age_seconds{job=\"ehe-pg\"} > 900");
        assertThat(byName.get("EheOldestPendingTooOld").get("for")).isEqualTo("1h");
        assertThat((String) byName.get("EheOldestPendingTooOld").get("expr")).doesNotContain("3600");
        assertThat((String) at(byName.get("EheOldestPendingTooOld"), "annotations", "description")).contains("(threshold 900 s)");
        assertThat((String) byName.get("EheBacklogGrowing").get("expr")).contains("[1h]").contains("> 50000");
        assertThat((String) byName.get("EheQuarantinedPairs").get("expr")).isEqualTo("ehe_model_quarantined_pairs{job=\"ehe-pg\"} > 10");
        assertThat(at(byName.get("EheQuarantinedPairs"), "labels", "severity")).isEqualTo("info");
        for (Map<String, Object> rule : rules) {
            String expr = (String) rule.get("expr");
            // Every metric of every alert carries the selector: no bare name is left to match another database.
            Matcher m = Pattern.compile("\\b(ehe_\\w+|pg_up)\\b(\\{[^}]*})?").matcher(expr);
            int found = 0;
            while (m.find()) {
                found++;
                assertThat(m.group(2)).as(rule.get("alert") + ": " + expr).isEqualTo("{job=\"ehe-pg\"}");
            }
            assertThat(found).isPositive();
            assertThat(at(rule, "labels", "team")).isEqualTo("search");
            assertThat((String) at(rule, "annotations", "runbook_url")).startsWith("https://wiki.example.com/ehe/runbooks#ehe");
        }
    }

    /** The GitHub anchors of docs/runbooks.md's headings (the link checker's rule: scripts/check-doc-links.py). */
    static List<String> runbookAnchors() throws IOException {
        List<String> anchors = new ArrayList<>();
        boolean fenced = false;
        for (String line : Files.readAllLines(Path.of("docs/runbooks.md"))) {
            if (line.stripLeading().startsWith("```")) {
                fenced = !fenced;
            } else if (!fenced && line.matches("^#{1,6}\\s+.*")) {
                String text = line.replaceFirst("^#{1,6}\\s+", "").strip().toLowerCase();
                anchors.add(text.replaceAll("[^\\w\\- ]", "").replace(' ', '-'));
            }
        }
        return anchors;
    }
}
