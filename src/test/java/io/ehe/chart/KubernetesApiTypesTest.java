package io.ehe.chart;

import com.marcnuri.helm.LintResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/**
 * Every manifest the chart renders, hooks included, is an object the Kubernetes API takes as it is
 * ({@link KubernetesApiTypes}: the API's own types, Kubernetes 1.37), and the check rejects what Helm's
 * lint lets through.
 */
class KubernetesApiTypesTest {

    private static final Path CUSTOM = Chart.resource("custom-values.yaml");
    private static final Path CREATED_SECRET = Chart.resource("chart-created-secret-values.yaml");

    /** Value sets that between them render every resource and every optional field of the chart. */
    static Stream<Arguments> renderings() {
        List<String> all = List.of("Job/ehe-migrate", "CronJob/ehe-backfill", "CronJob/ehe-status");
        return Stream.of(
                arguments("defaults (column design)", List.of(), all, new String[0]),
                arguments("design=pending-table", List.of(), all, sets("design", "pending-table")),
                arguments("migrations.hook=false", List.of(), all, sets("migrations.hook", "false")),
                arguments("sharded backfill", List.of(), all, sets("backfill.shards", "6")),
                arguments("pending-table, hook=false, sharded", List.of(), all,
                        sets("design", "pending-table", "migrations.hook", "false", "backfill.shards", "3")),
                arguments("every backfill option", List.of(), all,
                        sets("backfill.maxRows", "1000", "backfill.maxDuration", "30min", "backfill.lockTimeout", "2s",
                                "backfill.statementTimeout", "30s", "backfill.maxRetries", "10", "backfill.sleep", "1s",
                                "backfill.activeDeadlineSeconds", "7200", "migrations.tag", "v1")),
                arguments("custom-values.yaml (plain Job)", List.of(CUSTOM),
                        List.of("Job/events-migrate", "CronJob/events-backfill", "CronJob/events-status"), new String[0]),
                arguments("custom-values.yaml as a hook", List.of(CUSTOM),
                        List.of("Job/events-migrate", "CronJob/events-backfill", "CronJob/events-status"), sets("migrations.hook", "true")),
                arguments("chart-created Secret (a hook)", List.of(CREATED_SECRET), List.of("Secret/ehe-db", "Job/ehe-migrate"), new String[0]),
                arguments("chart-created Secret, hook=false", List.of(CREATED_SECRET), List.of("Secret/ehe-db", "Job/ehe-migrate"),
                        sets("migrations.hook", "false")),
                arguments("metrics and the drift check (issue 25)", List.of(),
                        List.of("Job/ehe-migrate", "CronJob/ehe-drift-check", "PrometheusRule/ehe", "ConfigMap/ehe-exporter-queries",
                                "ConfigMap/ehe-dashboard"), MetricsChartTest.ALL_ON));
    }

    private static String[] sets(String... pairs) {
        return pairs;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("renderings")
    void everyRenderedManifestIsAnObjectTheKubernetesApiTakes(String name, List<Path> values, List<String> expected,
                                                                String[] sets, @TempDir Path tmp) {
        Chart.Rendered r = Chart.templateWithHooks(Chart.DIR, tmp.resolve("chart"), Chart.RELEASE, Chart.NAMESPACE, values, sets);
        // Expected names include the hook Job where migrations.hook is true: the hooks are in what is checked.
        for (String e : expected) {
            assertThat(r.kindsAndNames()).as(name).anyMatch(k -> k.equals(e) || k.startsWith(e + "-"));
        }
        assertThat(KubernetesApiTypes.problems(r.text())).as(name + ":\n" + r.text()).isEmpty();
        assertThat(KubernetesApiTypes.documents(r.text())).isEqualTo(r.docs().size()).isPositive();
    }

    // --- The check bites: what a template could get wrong, which helm lint --strict lets through. ---------

    static Stream<Arguments> templateMistakes() {
        return Stream.of(
                mistake("misspelt pod field", "_helpers.tpl", t -> t.replace("restartPolicy: Never", "restartPolicyy: Never"),
                        "spec.restartPolicyy", "Unrecognized property \"restartPolicyy\""),
                mistake("misspelt list of containers", "_helpers.tpl", t -> t.replace("\ncontainers:\n", "\ncontainres:\n"),
                        "spec.containres", "Unrecognized property \"containres\""),
                mistake("field in the wrong object", "migrate-job.yaml", t -> t.replace("  backoffLimit:", "  restartPolicy: Never\n  backoffLimit:"),
                        "spec.restartPolicy", "Unrecognized property \"restartPolicy\""),
                mistake("string for an integer", "migrate-job.yaml",
                        t -> t.replace("backoffLimit: {{ $m.backoffLimit }}", "backoffLimit: {{ $m.backoffLimit | quote }}"),
                        "spec.backoffLimit", "Cannot coerce String value (\"0\") to `java.lang.Integer`"),
                mistake("string for a boolean", "_helpers.tpl",
                        t -> t.replace("automountServiceAccountToken: {{ $v.automountServiceAccountToken }}",
                                "automountServiceAccountToken: {{ $v.automountServiceAccountToken | quote }}"),
                        "spec.automountServiceAccountToken", "Cannot coerce String value (\"false\") to `java.lang.Boolean`"),
                mistake("integer for a string", "_helpers.tpl",
                        t -> t.replace("- name: {{ .component }}", "- name: {{ .component }}\n    workingDir: 7"),
                        "spec.containers[0].workingDir", "Cannot coerce Integer value (7) to `java.lang.String`"));
    }

    private static Arguments mistake(String what, String template, UnaryOperator<String> edit, String path, String message) {
        return arguments(what, template, edit, path, message);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("templateMistakes")
    void aTemplateMistakeThatHelmLintLetsThroughIsRejected(String what, String template, UnaryOperator<String> edit,
                                                           String path, String message, @TempDir Path tmp) {
        Path broken = Chart.copyWithEdit(tmp.resolve("broken"), template, edit);
        LintResult lint = Chart.lint(broken);
        assertThat(lint.isFailed()).as("helm lint --strict does not see it: %s", lint.getMessages()).isFalse();

        Chart.Rendered r = Chart.templateWithHooks(broken, tmp.resolve("rendered"), Chart.RELEASE, Chart.NAMESPACE, List.of());
        List<String> problems = KubernetesApiTypes.problems(r.text());
        // A helper's mistake shows in the Job, both CronJobs and the test Pod, each at its own depth (path is the tail).
        assertThat(problems).as(what).isNotEmpty().allSatisfy(p -> assertThat(p).contains(path + ": ").contains(message));
        // The unbroken chart rendered the same way has none: the edit is what was found.
        assertThat(KubernetesApiTypes.problems(Chart.templateWithHooks(tmp.resolve("good")).text())).isEmpty();
    }

    private static final String JOB = """
            apiVersion: batch/v1
            kind: Job
            metadata:
              name: x
              labels: {app: x}
            spec:
              backoffLimit: 0
              template:
                spec:
                  restartPolicy: Never
                  containers:
                    - name: x
                      image: x:1
                      resources: {limits: {memory: 512Mi}}
            """;

    static Stream<Arguments> documentMistakes() {
        String job = JOB;
        return Stream.of(
                arguments("fabric8's catch-all property name", job.replace("  backoffLimit: 0", "  backoffLimit: 0\n  additionalProperties: {a: b}"),
                        "Ignored field \"additionalProperties\""),
                arguments("unknown kind", job.replace("kind: Job", "kind: Jobb"), "apiVersion/kind unknown"),
                arguments("unknown apiVersion", job.replace("batch/v1", "batch/v9"), "apiVersion/kind unknown"),
                arguments("integer label value", job.replace("{app: x}", "{app: 1}"), "metadata.labels.app"),
                arguments("fraction for an integer", job.replace("backoffLimit: 0", "backoffLimit: 0.5"), "spec.backoffLimit"),
                arguments("key given twice", job.replace("  backoffLimit: 0", "  backoffLimit: 0\n  backoffLimit: 1"), "duplicate key"),
                arguments("misspelt top-level field", job.replace("spec:\n  backoffLimit", "specs:\n  backoffLimit"), "Unrecognized property \"specs\""));
    }

    @Test
    void theUnmodifiedDocumentIsTaken() {
        assertThat(KubernetesApiTypes.problems(JOB)).isEmpty();
        assertThat(KubernetesApiTypes.documents(JOB)).isEqualTo(1);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("documentMistakes")
    void aDocumentTheApiWouldNotTakeIsRejected(String what, String yaml, String message) {
        assertThat(KubernetesApiTypes.problems(yaml)).as(what).singleElement().asString().contains(message);
    }
}
