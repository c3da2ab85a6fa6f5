package io.ehe.chart;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.ehe.chart.Chart.annotations;
import static io.ehe.chart.Chart.at;
import static io.ehe.chart.Chart.jobSpec;
import static io.ehe.chart.Chart.map;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The chart in each gitops.mode (helm, flux, argocd), rendered by the real Helm with its hooks, read into
 * the Kubernetes API types, and the examples of docs/examples rendered with the chart.
 */
class GitOpsModesTest {

    private static final String HELM_HOOK = "helm.sh/hook";
    private static final String ARGO_HOOK = "argocd.argoproj.io/hook";
    private static final String ARGO_WAVE = "argocd.argoproj.io/sync-wave";
    private static final String ARGO_DELETE = "argocd.argoproj.io/hook-delete-policy";
    private static final Path CREATED_SECRET = Chart.resource("chart-created-secret-values.yaml");
    private static final Path EXAMPLES = Path.of("docs/examples").toAbsolutePath();

    @ParameterizedTest(name = "gitops.mode={0}, chart-created Secret={1}")
    @CsvSource({"helm, false", "helm, true", "flux, false", "flux, true", "argocd, false", "argocd, true"})
    void everyModeRendersManifestsTheKubernetesApiTakes(String mode, boolean createdSecret, @TempDir Path tmp) {
        List<Path> values = createdSecret ? List.of(CREATED_SECRET) : List.of();
        Chart.Rendered r = Chart.templateWithHooks(Chart.DIR, tmp.resolve("chart"), Chart.RELEASE, Chart.NAMESPACE, values,
                "gitops.mode", mode);
        assertThat(r.kindsAndNames()).contains("Job/ehe-migrate", "CronJob/ehe-backfill", "CronJob/ehe-status");
        if (createdSecret) {
            assertThat(r.kindsAndNames()).contains("Secret/ehe-db");
        }
        assertThat(KubernetesApiTypes.problems(r.text())).as(mode + ":\n" + r.text()).isEmpty();
        assertThat(KubernetesApiTypes.documents(r.text())).isEqualTo(r.docs().size());
    }

    @ParameterizedTest(name = "chart-created Secret={0}")
    @ValueSource(booleans = {false, true})
    void argoCdModeCarriesArgoCdHooksOnlyAndNoHelmHookAtAll(boolean createdSecret, @TempDir Path tmp) {
        List<Path> values = createdSecret ? List.of(CREATED_SECRET) : List.of();
        Chart.Rendered withHooks = Chart.templateWithHooks(Chart.DIR, tmp.resolve("chart"), Chart.RELEASE, Chart.NAMESPACE, values,
                "gitops.mode", "argocd");
        // Argo CD ignores every Helm hook of the release once one Argo CD hook exists: none may be left,
        // or it would become a plain resource (a Secret deleted, a test Pod applied on every sync).
        for (Map<String, Object> doc : withHooks.docs()) {
            assertThat(annotations(doc).keySet()).as(doc.get("kind") + "/" + at(doc, "metadata", "name"))
                    .noneMatch(k -> k.startsWith("helm.sh/"));
        }
        assertThat(withHooks.kindsAndNames()).noneMatch(k -> k.startsWith("Pod/"));
        // So helm template (which leaves Helm hooks out) shows Argo CD everything there is.
        assertThat(Chart.template(Chart.DIR, values, "gitops.mode", "argocd").docs()).isEqualTo(withHooks.docs());

        Map<String, Object> job = withHooks.one("Job", "ehe-migrate");
        assertThat(annotations(job)).containsEntry(ARGO_HOOK, "Sync").containsEntry(ARGO_WAVE, "-1")
                .containsEntry(ARGO_DELETE, "BeforeHookCreation,HookSucceeded");
        assertThat(jobSpec(job)).as("no TTL by default").doesNotContainKey("ttlSecondsAfterFinished");
        for (String cronJob : List.of("ehe-backfill", "ehe-status")) {
            assertThat(annotations(withHooks.one("CronJob", cronJob))).as(cronJob + ": an ordinary resource in wave 0")
                    .doesNotContainKeys(ARGO_HOOK, ARGO_WAVE);
        }
        if (createdSecret) {
            Map<String, Object> secret = withHooks.one("Secret", "ehe-db");
            assertThat(annotations(secret)).as("an ordinary resource, never deleted and created again per sync")
                    .doesNotContainKeys(ARGO_HOOK, ARGO_DELETE).containsEntry(ARGO_WAVE, "-2");
        }
    }

    @Test
    void argoCdHookPhaseAndWaveFollowTheValues(@TempDir Path tmp) {
        Chart.Rendered r = Chart.template("gitops.mode", "argocd", "gitops.argocd.migrateHook", "PreSync",
                "gitops.argocd.migrateSyncWave", "-7", "migrations.ttlSecondsAfterFinished", "3600");
        Map<String, Object> job = r.one("Job", "ehe-migrate");
        assertThat(annotations(job)).containsEntry(ARGO_HOOK, "PreSync").containsEntry(ARGO_WAVE, "-7").doesNotContainKey(HELM_HOOK);
        assertThat(jobSpec(job)).containsEntry("ttlSecondsAfterFinished", 3600);
        Map<String, Object> secret = Chart.template(CREATED_SECRET, "gitops.mode", "argocd", "gitops.argocd.migrateSyncWave", "3")
                .one("Secret", "ehe-db");
        assertThat(annotations(secret)).containsEntry(ARGO_WAVE, "2");
    }

    @Test
    void argoCdModeRefusesWhatCannotWork() {
        assertThatThrownBy(() -> Chart.template(CREATED_SECRET, "gitops.mode", "argocd", "gitops.argocd.migrateHook", "PreSync"))
                .as("a PreSync hook runs before the Sync phase creates the Secret it reads")
                .hasMessageContaining("PreSync migration runs before the Sync phase that creates the chart's Secret");
        assertThatThrownBy(() -> Chart.template("gitops.mode", "argocd", "migrations.hook", "false"))
                .hasMessageContaining("migrations.hook=false has no meaning there");
        assertThatThrownBy(() -> Chart.template("gitops.mode", "argocd", "gitops.argocd.migrateHook", "PostSync"))
                .hasMessageContaining("values don't meet the specifications of the schema");
        assertThatThrownBy(() -> Chart.template("gitops.mode", "kustomize"))
                .hasMessageContaining("values don't meet the specifications of the schema");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            Argo CD hook on the migration (helm mode)   | migrations: {annotations: {argocd.argoproj.io/hook: PreSync}}                    | belongs to the chart
            Argo CD delete policy on the migration      | migrations: {annotations: {argocd.argoproj.io/hook-delete-policy: HookSucceeded}} | belongs to the chart
            Argo CD hook on the backfill CronJob        | backfill: {annotations: {argocd.argoproj.io/hook: Sync}}                         | belongs to the chart
            Argo CD hook in argocd mode                 | {gitops: {mode: argocd}, migrations: {annotations: {argocd.argoproj.io/hook: PreSync}}} | belongs to the chart
            Helm hook through the annotations           | migrations: {hook: false, annotations: {helm.sh/hook: pre-upgrade}}              | belongs to the chart
            a sync wave beside the chart's own          | {gitops: {mode: argocd}, migrations: {annotations: {argocd.argoproj.io/sync-wave: '5'}}} | use gitops.argocd.migrateSyncWave
            """)
    void hookAnnotationsThroughValuesAreRefused(String what, String yaml, String message, @TempDir Path tmp) throws IOException {
        Path values = tmp.resolve("v.yaml");
        Files.writeString(values, yaml + "\n");
        assertThatThrownBy(() -> Chart.template(values)).as(what).hasMessageContaining(message);
        assertThatThrownBy(() -> Chart.installNotes(List.of(values))).as("install: " + what).hasMessageContaining(message);
    }

    @Test
    void aSyncWaveStaysAllowedOnAPlainJobInHelmMode(@TempDir Path tmp) throws IOException {
        // The recipe before gitops.mode existed (custom-values.yaml): a plain Job in a wave, no hook at all.
        Map<String, Object> job = Chart.template(Chart.resource("custom-values.yaml")).ofKind("Job").get(0);
        assertThat(annotations(job)).containsEntry(ARGO_WAVE, "-1").doesNotContainKeys(ARGO_HOOK, HELM_HOOK);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            migration TTL 0      | migrations: {ttlSecondsAfterFinished: 0}
            backfill TTL 0       | backfill: {ttlSecondsAfterFinished: 0}
            status TTL 0         | statusJob: {ttlSecondsAfterFinished: 0}
            argocd TTL 0         | {gitops: {mode: argocd}, migrations: {ttlSecondsAfterFinished: 0}}
            negative TTL         | backfill: {ttlSecondsAfterFinished: -5}
            """)
    void aTtlOfZeroIsRefused(String what, String yaml, @TempDir Path tmp) throws IOException {
        Path values = tmp.resolve("v.yaml");
        Files.writeString(values, yaml + "\n");
        assertThatThrownBy(() -> Chart.template(values)).as(what).hasMessageContaining("values don't meet the specifications of the schema");
    }

    @Test
    void theTtlIsOptionalEverywhere() {
        Chart.Rendered none = Chart.template("backfill.ttlSecondsAfterFinished", "null", "statusJob.ttlSecondsAfterFinished", "null",
                "migrations.hook", "false");
        for (Map<String, Object> doc : none.docs()) {
            assertThat(jobSpec(doc)).as(doc.get("kind") + "/" + at(doc, "metadata", "name")).doesNotContainKey("ttlSecondsAfterFinished");
        }
        Chart.Rendered defaults = Chart.template();
        assertThat(jobSpec(defaults.one("CronJob", "ehe-backfill"))).containsEntry("ttlSecondsAfterFinished", 604800);
        assertThat(jobSpec(defaults.one("CronJob", "ehe-status"))).containsEntry("ttlSecondsAfterFinished", 3600);
    }

    @Test
    void aTtlOnAPlainMigrationJobIsRefused() {
        assertThatThrownBy(() -> Chart.template("migrations.hook", "false", "migrations.ttlSecondsAfterFinished", "86400"))
                .hasMessageContaining("migrations.ttlSecondsAfterFinished must be null with migrations.hook=false")
                .hasMessageContaining("run migrate again");
        // A hook keeps one if asked: Helm does not compare hooks with anything.
        assertThat(Chart.installNotes(List.of(), "migrations.ttlSecondsAfterFinished", "86400")).contains("ehe-migrate");
    }

    @Test
    void fluxModeRendersExactlyAsHelmModeAndTheNotesGiveTheHelmReleaseTimeout(@TempDir Path tmp) {
        Chart.Rendered helm = Chart.templateWithHooks(Chart.DIR, tmp.resolve("a"), Chart.RELEASE, Chart.NAMESPACE, List.of());
        Chart.Rendered flux = Chart.templateWithHooks(Chart.DIR, tmp.resolve("b"), Chart.RELEASE, Chart.NAMESPACE, List.of(),
                "gitops.mode", "flux");
        assertThat(flux.docs()).as("helm-controller runs the real Helm: the hooks are Helm's").isEqualTo(helm.docs());

        assertThat(Chart.installNotes(List.of(), "gitops.mode", "flux")).contains("timeout: 35m").doesNotContain("helm upgrade");
        assertThat(Chart.installNotes(List.of())).contains("--timeout 35m");
        // 3600 s + 300 s = 65 min; a margin of 61 s rounds 1861 s up to 32 min.
        assertThat(Chart.installNotes(List.of(), "gitops.mode", "flux", "migrations.activeDeadlineSeconds", "3600")).contains("timeout: 65m");
        assertThat(Chart.installNotes(List.of(), "migrations.activeDeadlineSeconds", "1800", "gitops.timeoutMarginSeconds", "61"))
                .contains("--timeout 32m");
    }

    @Test
    void theFluxExampleRendersAndItsTimeoutIsTheOneTheChartComputes(@TempDir Path tmp) throws IOException {
        List<Map<String, Object>> docs = yamlDocs(EXAMPLES.resolve("flux-helmrelease.yaml"));
        Map<String, Object> release = docs.stream().filter(d -> "HelmRelease".equals(d.get("kind"))).findFirst().orElseThrow();
        assertThat(release.get("apiVersion")).isEqualTo("helm.toolkit.fluxcd.io/v2");
        assertThat(at(release, "spec", "chart", "spec", "chart")).isEqualTo("events-has-embedding");
        Path values = dump(map(at(release, "spec", "values")), tmp.resolve("values.yaml"));

        String notes = Chart.installNotes(List.of(values));
        Matcher printed = Pattern.compile("timeout: (\\d+)m").matcher(notes);
        assertThat(printed.find()).as(notes).isTrue();
        assertThat(at(release, "spec", "timeout")).isEqualTo(printed.group(1) + "m");
        int deadline = (Integer) at(release, "spec", "values", "migrations", "activeDeadlineSeconds");
        assertThat(Integer.parseInt(printed.group(1)) * 60).isGreaterThan(deadline);

        Chart.Rendered r = Chart.templateWithHooks(Chart.DIR, tmp.resolve("chart"), "events", "shop-prod", List.of(values));
        assertThat(annotations(r.one("Job", "events-migrate"))).containsEntry(HELM_HOOK, "pre-install,pre-upgrade");
        assertThat(KubernetesApiTypes.problems(r.text())).isEmpty();
    }

    @Test
    void theArgoCdExampleRendersWithArgoCdHooks(@TempDir Path tmp) throws IOException {
        Map<String, Object> app = yamlDocs(EXAMPLES.resolve("argocd-application.yaml")).get(0);
        assertThat(app.get("kind")).isEqualTo("Application");
        assertThat(at(app, "spec", "syncPolicy", "automated", "selfHeal")).isEqualTo(true);
        Path values = dump(map(at(app, "spec", "source", "helm", "valuesObject")), tmp.resolve("values.yaml"));
        String release = (String) at(app, "spec", "source", "helm", "releaseName");
        String namespace = (String) at(app, "spec", "destination", "namespace");

        Chart.Rendered r = Chart.template(Chart.DIR, release, namespace, List.of(values));
        assertThat(annotations(r.one("Job", release + "-migrate"))).containsEntry(ARGO_HOOK, "Sync").containsEntry(ARGO_WAVE, "-1");
        assertThat(r.text()).doesNotContain("helm.sh/hook");
        assertThat(KubernetesApiTypes.problems(r.text())).isEmpty();
    }

    // ---------------------------------------------------------------------------------------------

    private static List<Map<String, Object>> yamlDocs(Path file) throws IOException {
        List<Map<String, Object>> docs = new ArrayList<>();
        for (Object doc : new Yaml(new SafeConstructor(new LoaderOptions())).loadAll(Files.readString(file))) {
            if (doc != null) {
                docs.add(map(doc));
            }
        }
        return docs;
    }

    private static Path dump(Map<String, Object> values, Path file) throws IOException {
        DumperOptions options = new DumperOptions();
        options.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
        Files.writeString(file, new Yaml(options).dump(values));
        return file;
    }
}
