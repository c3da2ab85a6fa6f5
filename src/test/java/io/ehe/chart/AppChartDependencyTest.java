package io.ehe.chart;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static io.ehe.chart.Chart.annotations;
import static io.ehe.chart.Chart.args;
import static io.ehe.chart.Chart.at;
import static io.ehe.chart.Chart.containers;
import static io.ehe.chart.Chart.jobSpec;
import static io.ehe.chart.Chart.list;
import static io.ehe.chart.Chart.map;
import static io.ehe.chart.HelmChartTest.env;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The chart as a dependency of an application's chart (src/test/resources/io/ehe/chart/parent-app): the
 * app's own release renders the migration hook, with the app's release name, namespace and values.
 */
class AppChartDependencyTest {

    private static final Path PARENT = Chart.resource("parent-app");
    static final String RELEASE = "shop";
    static final String NAMESPACE = "shop-prod";
    private static final String DEPENDENCY = "events-has-embedding";
    private static final String HOOK = "helm.sh/hook";

    @Test
    void theDependencyIsThisRepositorysChart() throws IOException {
        Map<String, Object> dependency = dependency(PARENT);
        Map<String, Object> chart = yaml(Chart.DIR.resolve("Chart.yaml"));
        assertThat(dependency).containsEntry("name", chart.get("name")).containsEntry("version", chart.get("version"));
        String repository = (String) dependency.get("repository");
        assertThat(repository).startsWith("file://");
        assertThat(PARENT.resolve(repository.substring("file://".length())).toRealPath()).isEqualTo(Chart.DIR.toRealPath());
    }

    @Test
    void helmDependencyUpdateBringsTheChartInAndTheAppsReleaseRendersIt(@TempDir Path tmp) throws IOException {
        // The fixture's relative file:// path is only right where it lives: the copy gets the same target, absolute.
        Path parent = tmp.resolve("shop");
        Chart.copyTree(PARENT, parent);
        Path chartYaml = parent.resolve("Chart.yaml");
        String repository = (String) dependency(PARENT).get("repository");
        Files.writeString(chartYaml, Files.readString(chartYaml).replace(repository, "file://" + Chart.DIR));

        new Helm(parent).dependency().update().call();
        assertThat(parent.resolve("charts/" + DEPENDENCY + "-0.1.0.tgz")).isRegularFile();
        assertThat(parent.resolve("Chart.lock")).isRegularFile();

        LintResult lint = Chart.lint(parent);
        assertThat(lint.isFailed()).as("helm lint --strict of the app's chart: %s", lint.getMessages()).isFalse();
        assertThat(lint.getMessages()).noneMatch(m -> m.contains("[ERROR]") || m.contains("[WARNING]"));

        Chart.Rendered r = Chart.template(parent, RELEASE, NAMESPACE, List.of());
        // The hook is not in helm-java's template output; the test below renders it from an unpacked copy.
        // The app's values pick the pending-table design: its queue gets the sweep CronJob too.
        assertThat(r.kindsAndNames()).containsExactlyInAnyOrder("Service/shop-api", "Deployment/shop-api",
                "CronJob/shop-backfill", "CronJob/shop-status", "CronJob/shop-queue-sweep");
        assertThat(KubernetesApiTypes.problems(r.text())).isEmpty();
    }

    @Test
    void theMigrationIsTheAppsPreInstallPreUpgradeHookWithTheAppsNameNamespaceAndValues(@TempDir Path tmp) {
        Chart.Rendered r = Chart.templateWithHooks(unpacked(tmp), tmp.resolve("rendered"), RELEASE, NAMESPACE, List.of(),
                "global.environment", "production");

        Map<String, Object> job = r.one("Job", "shop-migrate");
        assertThat(at(job, "metadata", "namespace")).isEqualTo(NAMESPACE);
        assertThat(at(job, "metadata", "labels", "app.kubernetes.io/instance")).isEqualTo(RELEASE);
        assertThat(annotations(job)).containsEntry(HOOK, "pre-install,pre-upgrade")
                .containsEntry("helm.sh/hook-weight", "-5")
                .containsEntry("helm.sh/hook-delete-policy", "before-hook-creation,hook-succeeded");
        Map<String, Object> migrate = containers(job).get(0);
        assertThat(args(migrate)).containsSequence("--lock-timeout", "3s");
        assertThat(migrate.get("image")).isEqualTo("registry.example.com/platform/events-has-embedding:0.1.0");
        assertThat(env(migrate, "EHE_DESIGN")).isEqualTo(Map.of("value", "pending-table"));
        assertThat(env(migrate, "DATABASE_URL")).isEqualTo(Map.of("valueFrom",
                Map.of("secretKeyRef", Map.of("name", "shop-db-app", "key", "uri"))));

        Map<String, Object> backfill = r.one("CronJob", "shop-backfill");
        assertThat(at(backfill, "metadata", "namespace")).isEqualTo(NAMESPACE);
        assertThat(jobSpec(backfill)).containsEntry("completions", 2).containsEntry("completionMode", "Indexed");
        assertThat(env(containers(backfill).get(0), "EHE_DESIGN")).isEqualTo(Map.of("value", "pending-table"));
        assertThat(env(containers(r.one("CronJob", "shop-status")).get(0), "EHE_DESIGN")).isEqualTo(Map.of("value", "pending-table"));

        // Helm runs the release's pre-upgrade hooks, the app's and the dependency's, one after the other
        // in weight order and waits for each, then applies the ordinary resources, the app's Deployment
        // among them: the migration (-5) precedes the app's own hook (0), and both precede the new pods.
        Map<String, Object> appHook = r.one("Job", "shop-search-reindex");
        // The test Pod is a hook too, but `helm test` runs it, never an install or upgrade.
        Map<String, Object> testPod = r.one("Pod", "shop-test-status");
        assertThat(annotations(testPod)).containsEntry(HOOK, "test");
        assertThat(r.docs()).filteredOn(d -> annotations(d).containsKey(HOOK)).containsExactlyInAnyOrder(job, appHook, testPod);
        assertThat((String) annotations(appHook).get(HOOK)).contains("pre-upgrade");
        assertThat(Integer.parseInt((String) annotations(job).get("helm.sh/hook-weight")))
                .isLessThan(Integer.parseInt((String) annotations(appHook).get("helm.sh/hook-weight")));
        Map<String, Object> app = r.one("Deployment", "shop-api");
        assertThat(annotations(app)).doesNotContainKey(HOOK);
        assertThat(at(app, "metadata", "namespace")).isEqualTo(NAMESPACE);

        assertThat(KubernetesApiTypes.problems(r.text())).as(r.text()).isEmpty();
    }

    @Test
    void valuesSetOnTheAppsReleaseReachTheDependency(@TempDir Path tmp) {
        Chart.Rendered r = Chart.templateWithHooks(unpacked(tmp), tmp.resolve("rendered"), RELEASE, NAMESPACE, List.of(),
                DEPENDENCY + ".design", "column", DEPENDENCY + ".migrations.hookWeight", "7", DEPENDENCY + ".backfill.shards", "0");
        Map<String, Object> job = r.one("Job", "shop-migrate");
        assertThat(annotations(job)).containsEntry("helm.sh/hook-weight", "7");
        assertThat(env(containers(job).get(0), "EHE_DESIGN")).isEqualTo(Map.of("value", "column"));
        assertThat(jobSpec(r.one("CronJob", "shop-backfill"))).doesNotContainKey("completionMode");
        assertThat(KubernetesApiTypes.problems(r.text())).isEmpty();
    }

    @Test
    void theDependencysSchemaChecksWhatTheAppGivesIt(@TempDir Path tmp) {
        Path parent = unpacked(tmp);
        assertThatThrownBy(() -> Chart.template(parent, RELEASE, NAMESPACE, List.of(), DEPENDENCY + ".design", "foo"))
                .hasMessageContaining("values don't meet the specifications of the schema").hasMessageContaining(DEPENDENCY);
        assertThatThrownBy(() -> Chart.template(parent, RELEASE, NAMESPACE, List.of(), DEPENDENCY + ".migration.hook", "false"))
                .as("a typo in the key").hasMessageContaining("values don't meet the specifications of the schema");
    }

    @Test
    void theAppsChartPassesLintAndABrokenHookInTheDependencyFailsItsRendering(@TempDir Path tmp) throws IOException {
        LintResult lint = Chart.lint(unpacked(tmp.resolve("good")));
        assertThat(lint.isFailed()).as("%s", lint.getMessages()).isFalse();
        assertThat(lint.getMessages()).noneMatch(m -> m.contains("[ERROR]") || m.contains("[WARNING]"));

        // Helm's lint parses only the app's own templates, not the dependency's: a hook broken in the
        // dependency passes the app's lint. What stops it is lint of chart/ itself (HelmChartTest) and the
        // app's rendering with hooks, which Helm parses and KubernetesApiTypes reads.
        Path broken = unpacked(tmp.resolve("broken"));
        Path hookTemplate = broken.resolve("charts").resolve(DEPENDENCY).resolve("templates/migrate-job.yaml");
        Files.writeString(hookTemplate, Files.readString(hookTemplate)
                + "\n{{- if .Values.migrations.hook }}\n  brokenByTheTest: [unclosed\n{{- end }}\n");
        assertThat(Chart.lint(broken).isFailed()).as("the app's lint does not see into the dependency").isFalse();
        assertThatThrownBy(() -> Chart.templateWithHooks(broken, tmp.resolve("rendered"), RELEASE, NAMESPACE, List.of()))
                .hasMessageContaining("migrate-job.yaml");
    }

    /** The app's chart with this chart unpacked in its charts/ (Helm takes a directory there as it takes a .tgz). */
    static Path unpacked(Path tmp) {
        try {
            Path parent = tmp.resolve("shop");
            Chart.copyTree(PARENT, parent);
            Chart.copyTree(Chart.DIR, parent.resolve("charts").resolve(DEPENDENCY));
            return parent;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static Map<String, Object> dependency(Path chartDir) throws IOException {
        List<Map<String, Object>> dependencies = list(yaml(chartDir.resolve("Chart.yaml")).get("dependencies"));
        assertThat(dependencies).hasSize(1);
        return dependencies.get(0);
    }

    private static Map<String, Object> yaml(Path file) throws IOException {
        return map(new Yaml(new SafeConstructor(new LoaderOptions())).load(Files.readString(file)));
    }
}
