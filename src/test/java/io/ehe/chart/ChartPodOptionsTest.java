package io.ehe.chart;

import io.ehe.cli.ExitCodes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

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
import static io.ehe.chart.Chart.podSpec;
import static io.ehe.chart.HelmChartTest.env;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** podFailurePolicy, extra volumes (a CA bundle) and the `helm test` Pod, hooks included, every mode. */
class ChartPodOptionsTest {

    /** The exit codes a retry cannot turn into success (reasons in templates/_helpers.tpl). */
    private static final List<Integer> NEVER_RETRIED = List.of(ExitCodes.USAGE, ExitCodes.WRONG_DATABASE, ExitCodes.WRONG_DESIGN,
            ExitCodes.UNSUITABLE_CONNECTION, ExitCodes.HISTORY_PATH_MISMATCH, ExitCodes.NOT_CONFIRMED,
            ExitCodes.MODULE_NOT_INSTALLED);
    /** Worth another pod: the cause may be gone (server restarting, a lock released) or the work resumes. */
    private static final List<Integer> RETRIED = List.of(ExitCodes.FAILURE, ExitCodes.CONNECT, ExitCodes.LOCK_NOT_GRANTED,
            ExitCodes.NOT_READY, ExitCodes.INTERRUPTED, ExitCodes.MORE_TO_DO);

    private static final String CA_VALUES = """
            extraVolumes:
              - name: db-ca
                secret:
                  secretName: events-db-ca
                  items: [{key: ca.crt, path: root.crt}]
              - name: more-certs
                configMap:
                  name: corporate-ca
            extraVolumeMounts:
              - name: db-ca
                mountPath: /etc/ehe/db-ca
                readOnly: true
              - name: more-certs
                mountPath: /etc/ehe/corporate-ca
                readOnly: true
            """;

    @ParameterizedTest(name = "{0}")
    @CsvSource({"helm", "flux", "argocd"})
    void everyJobFailsAtOnceOnExitCodesThatCannotSucceedAndIgnoresDisruptions(String mode, @TempDir Path tmp) {
        Chart.Rendered r = Chart.templateWithHooks(Chart.DIR, tmp.resolve("c"), Chart.RELEASE, Chart.NAMESPACE, List.of(),
                "gitops.mode", mode, "backfill.shards", "3");
        List<Map<String, Object>> jobs = r.docs().stream().filter(d -> List.of("Job", "CronJob").contains(d.get("kind"))).toList();
        assertThat(jobs).hasSize(3);
        for (Map<String, Object> job : jobs) {
            String where = job.get("kind") + "/" + at(job, "metadata", "name");
            // podFailurePolicy is only valid with restartPolicy: Never (the API server refuses it otherwise).
            assertThat(podSpec(job).get("restartPolicy")).as(where).isEqualTo("Never");
            List<Map<String, Object>> rules = list(at(jobSpec(job), "podFailurePolicy", "rules"));
            Map<String, Object> failJob = rules.stream().filter(x -> "FailJob".equals(x.get("action"))).findFirst().orElseThrow();
            assertThat(at(failJob, "onExitCodes", "operator")).isEqualTo("In");
            assertThat(at(failJob, "onExitCodes", "values")).as(where).isEqualTo(NEVER_RETRIED);
            assertThat(at(failJob, "onExitCodes", "containerName")).as(where).isEqualTo(containers(job).get(0).get("name"));
            assertThat(NEVER_RETRIED).doesNotContainAnyElementsOf(RETRIED);
            assertThat(rules).as(where).anySatisfy(x -> {
                assertThat(x.get("action")).isEqualTo("Ignore");
                assertThat(x.get("onPodConditions")).isEqualTo(List.of(Map.of("type", "DisruptionTarget")));
            });
        }
        assertThat(KubernetesApiTypes.problems(r.text())).isEmpty();

        Chart.Rendered off = Chart.template("podFailurePolicy.enabled", "false", "migrations.hook", "false");
        for (Map<String, Object> doc : off.docs()) {
            assertThat(jobSpec(doc)).doesNotContainKey("podFailurePolicy");
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"helm", "flux", "argocd"})
    void theCaBundleIsMountedInEveryPodAndContainer(String mode, @TempDir Path tmp) throws IOException {
        Path values = tmp.resolve("ca.yaml");
        Files.writeString(values, CA_VALUES);
        Chart.Rendered r = Chart.templateWithHooks(Chart.DIR, tmp.resolve("c"), Chart.RELEASE, Chart.NAMESPACE, List.of(values),
                "gitops.mode", mode);
        List<Map<String, Object>> pods = r.docs().stream().filter(d -> List.of("Pod", "Job", "CronJob").contains(d.get("kind"))).toList();
        assertThat(pods).hasSize("argocd".equals(mode) ? 3 : 4);
        for (Map<String, Object> doc : pods) {
            String where = doc.get("kind") + "/" + at(doc, "metadata", "name");
            List<Map<String, Object>> volumes = list(podSpec(doc).get("volumes"));
            assertThat(volumes).as(where).extracting(v -> v.get("name")).containsExactly("tmp", "db-ca", "more-certs");
            assertThat(volumes.get(1)).isEqualTo(Map.of("name", "db-ca", "secret",
                    Map.of("secretName", "events-db-ca", "items", List.of(Map.of("key", "ca.crt", "path", "root.crt")))));
            for (Map<String, Object> c : containers(doc)) {
                assertThat(list(c.get("volumeMounts"))).as(where).containsExactly(
                        Map.of("name", "tmp", "mountPath", "/tmp"),
                        Map.of("name", "db-ca", "mountPath", "/etc/ehe/db-ca", "readOnly", true),
                        Map.of("name", "more-certs", "mountPath", "/etc/ehe/corporate-ca", "readOnly", true));
            }
        }
        assertThat(KubernetesApiTypes.problems(r.text())).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            a mount naming no volume      | extraVolumeMounts: [{name: db-ca, mountPath: /etc/ca}]                          | extraVolumeMounts: "db-ca" names no volume
            a volume named like /tmp's    | extraVolumes: [{name: tmp, emptyDir: {}}]                                       | values don't meet the specifications of the schema
            a mount over /tmp             | {extraVolumes: [{name: x, emptyDir: {}}], extraVolumeMounts: [{name: x, mountPath: /tmp}]} | values don't meet the specifications of the schema
            a relative mount path         | {extraVolumes: [{name: x, emptyDir: {}}], extraVolumeMounts: [{name: x, mountPath: etc}]}  | values don't meet the specifications of the schema
            a volume without a name       | extraVolumes: [{emptyDir: {}}]                                                  | values don't meet the specifications of the schema
            """)
    void volumeValuesThatCannotWorkAreRefused(String what, String yaml, String message, @TempDir Path tmp) throws IOException {
        Path values = tmp.resolve("v.yaml");
        Files.writeString(values, yaml + "\n");
        assertThatThrownBy(() -> Chart.template(values)).as(what).hasMessageContaining(message);
    }

    @Test
    void helmTestRunsStatusInALockedDownPodAsATestHook(@TempDir Path tmp) {
        Chart.Rendered r = Chart.templateWithHooks(tmp.resolve("c"));
        Map<String, Object> pod = r.one("Pod", "ehe-test-status");
        assertThat(annotations(pod)).containsEntry("helm.sh/hook", "test").containsEntry("helm.sh/hook-delete-policy", "before-hook-creation");
        assertThat(at(pod, "metadata", "labels", "app.kubernetes.io/component")).isEqualTo("test");
        Map<String, Object> c = containers(pod).get(0);
        assertThat(args(c)).containsExactly("status");
        assertThat(env(c, "DATABASE_URL")).isEqualTo(Map.of("valueFrom", Map.of("secretKeyRef", Map.of("name", "events-db-app", "key", "uri"))));
        // No design named by default (issue 28): status finds the installed one.
        assertThat(Chart.list(c.get("env"))).noneMatch(e -> "EHE_DESIGN".equals(e.get("name")));
        assertThat(podSpec(pod).get("restartPolicy")).isEqualTo("Never");
        HelmChartTest.assertSecureDefaults(pod);
        assertThat(Chart.template().kindsAndNames()).as("a hook: not in the release's manifest").noneMatch(k -> k.startsWith("Pod/"));

        assertThat(Chart.templateWithHooks(tmp.resolve("off"), "helmTest.enabled", "false").kindsAndNames()).noneMatch(k -> k.startsWith("Pod/"));
        assertThat(Chart.installNotes(List.of())).contains("helm test ehe -n prod");
        assertThat(KubernetesApiTypes.problems(r.text())).isEmpty();
        assertThat(map(r.one("Pod", "ehe-test-status")).get("apiVersion")).isEqualTo("v1");
    }
}
