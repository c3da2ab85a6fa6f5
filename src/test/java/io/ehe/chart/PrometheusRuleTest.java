package io.ehe.chart;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.representer.Representer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

import static io.ehe.chart.Chart.at;
import static io.ehe.chart.Chart.list;
import static io.ehe.chart.Chart.map;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The chart's PrometheusRule judged by Prometheus itself: {@code promtool check rules} on the rendered rule
 * groups, and {@code promtool test rules} with src/test/resources/io/ehe/chart/alerts-test.yaml, where every
 * alert has a case that fires (exact labels and annotations) and one that stays quiet. promtool comes from
 * Debian's prometheus package (scripts/install-promtool.sh); the tests skip, saying why, where it cannot be
 * installed.
 */
class PrometheusRuleTest {

    private static final Path UNIT_TESTS = Chart.resource("alerts-test.yaml");

    /** The rendered rule's spec (its groups), as a rules file promtool reads. */
    static String rulesFile(Chart.Rendered r) {
        Map<String, Object> rule = r.one("PrometheusRule", "ehe");
        DumperOptions options = new DumperOptions();
        options.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
        options.setWidth(1000);
        return new Yaml(new Representer(options), options).dump(map(rule.get("spec")));
    }

    /** alerts-test.yaml and rules.yaml in {@code dir}; the absent() case's labels follow the selector. */
    private static void write(Path dir, Chart.Rendered r, String absentJob) throws IOException {
        Promtool.write(dir.resolve("rules.yaml"), rulesFile(r));
        Promtool.write(dir.resolve("alerts-test.yaml"), Files.readString(UNIT_TESTS)
                .replace("__ABSENT_JOB__", absentJob == null ? "" : ", job: " + absentJob));
    }

    private static Chart.Rendered render(String... sets) {
        List<String> all = new ArrayList<>(List.of("metrics.prometheusRule.enabled", "true"));
        all.addAll(List.of(sets));
        return Chart.template(all.toArray(String[]::new));
    }

    @Test
    void promtoolAcceptsTheRulesAndEveryAlertFiresAndStaysQuietAsTested(@TempDir Path tmp) throws Exception {
        Promtool.binary();
        for (String selector : List.of("", "job=\"pg\"")) {
            Path dir = tmp.resolve(selector.isEmpty() ? "no-selector" : "selector");
            write(dir, render("metrics.prometheusRule.selector", selector), selector.isEmpty() ? null : "pg");
            Promtool.Result check = Promtool.run(dir, "check", "rules", "rules.yaml");
            assertThat(check.ok()).as("promtool check rules (selector '%s'):\n%s\n%s", selector, check.output(),
                    Files.readString(dir.resolve("rules.yaml"))).isTrue();
            assertThat(check.output()).contains("SUCCESS: 10 rules found");
            Promtool.Result test = Promtool.run(dir, "test", "rules", "alerts-test.yaml");
            assertThat(test.ok()).as("promtool test rules (selector '%s'):\n%s", selector, test.output()).isTrue();
            assertThat(test.output()).contains("SUCCESS");
        }
    }

    @Test
    void everyAlertHasAUnitTestThatFiresAndOneThatStaysQuiet() throws IOException {
        Map<String, Object> file = map(new Yaml(new SafeConstructor(new LoaderOptions())).load(Files.readString(UNIT_TESTS)));
        TreeSet<String> fires = new TreeSet<>();
        TreeSet<String> quiet = new TreeSet<>();
        for (Map<String, Object> group : list(file.get("tests"))) {
            for (Map<String, Object> t : list(group.get("alert_rule_test"))) {
                (list(t.get("exp_alerts")).isEmpty() ? quiet : fires).add((String) t.get("alertname"));
            }
        }
        // The cases feed the series the queries file exports, with the exporter's labels (server on its queries' metrics).
        for (Map<String, Object> group : list(file.get("tests"))) {
            for (Map<String, Object> series : list(group.get("input_series"))) {
                String name = ((String) series.get("series")).replaceFirst("\\{.*", "");
                assertThat(MetricsContract.exportedMetrics().contains(name) || MetricsContract.EXPORTER_METRICS.contains(name))
                        .as(name).isTrue();
            }
        }
        List<Object> alerts = MetricsChartTest.rules(render()).stream().map(x -> x.get("alert")).toList();
        assertThat(fires).as("alerts with a firing case").containsExactlyInAnyOrderElementsOf(alerts.stream().map(String::valueOf).toList());
        assertThat(quiet).as("alerts with a quiet case").containsExactlyInAnyOrderElementsOf(alerts.stream().map(String::valueOf).toList());
    }

    @Test
    void theUnitTestsBite(@TempDir Path tmp) throws Exception {
        Promtool.binary();
        // A threshold one second higher: the case at 3601 s no longer fires.
        Path threshold = tmp.resolve("threshold");
        write(threshold, render("metrics.prometheusRule.alerts.oldestPendingAge.thresholdSeconds", "3601"), null);
        Promtool.Result t1 = Promtool.run(threshold, "test", "rules", "alerts-test.yaml");
        assertThat(t1.ok()).as(t1.output()).isFalse();
        assertThat(t1.output()).contains("EheOldestPendingTooOld");

        // A selector that picks another exporter: nothing of the firing cases fires (but absent()).
        Path other = tmp.resolve("other");
        write(other, render("metrics.prometheusRule.selector", "job=\"other\""), "other");
        Promtool.Result t2 = Promtool.run(other, "test", "rules", "alerts-test.yaml");
        assertThat(t2.ok()).as(t2.output()).isFalse();
        assertThat(t2.output()).contains("EheNotReady").contains("EheDriftRows").contains("EheFillingTooLong");

        // A longer `for`: the fill case at 150 minutes is too early.
        Path longer = tmp.resolve("for");
        write(longer, render("metrics.prometheusRule.alerts.fillingTooLong.for", "3h"), null);
        Promtool.Result t3 = Promtool.run(longer, "test", "rules", "alerts-test.yaml");
        assertThat(t3.ok()).as(t3.output()).isFalse();
        assertThat(t3.output()).contains("EheFillingTooLong");
    }

    @Test
    void promtoolCheckRulesBites(@TempDir Path tmp) throws Exception {
        Promtool.binary();
        // An expression Prometheus cannot parse, which helm and the Kubernetes types take as a plain string.
        Path broken = Chart.copyWithEdit(tmp.resolve("chart"), "metrics-prometheusrule.yaml",
                t -> t.replace("{{ get $m \"ehe_database_drift_rows\" }} > 0", "{{ get $m \"ehe_database_drift_rows\" }} >"));
        Chart.Rendered r = Chart.template(broken, List.of(), "metrics.prometheusRule.enabled", "true");
        assertThat(KubernetesApiTypes.problems(r.text())).isEmpty();
        Path dir = tmp.resolve("rules");
        Promtool.write(dir.resolve("rules.yaml"), rulesFile(r));
        Promtool.Result check = Promtool.run(dir, "check", "rules", "rules.yaml");
        assertThat(check.ok()).as(check.output()).isFalse();
        assertThat(check.output()).contains("EheDriftRows").contains("could not parse expression");
    }

    @Test
    void theRuleGroupIsOneGroupNamedAfterTheModule() {
        Map<String, Object> rule = render().one("PrometheusRule", "ehe");
        assertThat(at(rule, "apiVersion")).isEqualTo("monitoring.coreos.com/v1");
        assertThat(list(at(rule, "spec", "groups"))).singleElement().satisfies(g -> assertThat(g.get("name")).isEqualTo("events-has-embedding"));
    }
}
