package io.ehe.chart;

import com.marcnuri.helm.LintResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
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
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The Helm chart rendered by the real Helm library (helm-java), checked manifest by manifest. */
class HelmChartTest {

    private static final String HOOK = "helm.sh/hook";
    private static final String HOOK_WEIGHT = "helm.sh/hook-weight";
    private static final String HOOK_DELETE = "helm.sh/hook-delete-policy";
    /** The renamed hook key of a test-only chart copy: same Job, but no longer a hook, so template shows it. */
    private static final String UNHOOKED = "test.invalid/hook";

    @Test
    void lintPasses() {
        LintResult lint = Chart.lint(Chart.DIR);
        assertThat(lint.isFailed()).as("helm lint --strict: %s", lint.getMessages()).isFalse();
        assertThat(lint.getMessages()).noneMatch(m -> m.contains("[ERROR]") || m.contains("[WARNING]"));
    }

    @Test
    void lintRendersTheHookTemplates(@TempDir Path tmp) {
        // A chart copy whose migration template emits broken YAML only when it renders as a hook (the
        // default): lint must report it, which is what makes lint the check for the hook templates that
        // template leaves out. (Helm's lint mode turns `fail` into a no-op, so broken YAML it is.)
        Path broken = Chart.copyWithEdit(tmp.resolve("hook"), "migrate-job.yaml",
                t -> t + "\n{{- if .Values.migrations.hook }}\n  brokenByTheTest: [unclosed\n{{- end }}\n");
        LintResult lint = Chart.lint(broken);
        assertThat(lint.isFailed()).as("lint of the broken hook template: %s", lint.getMessages()).isTrue();
        assertThat(String.join("\n", lint.getMessages())).contains("templates/migrate-job.yaml").contains("unable to parse YAML");
        // The same breakage behind hook=false is not rendered with the default values: lint passes.
        Path notRendered = Chart.copyWithEdit(tmp.resolve("plain"), "migrate-job.yaml",
                t -> t + "\n{{- if not .Values.migrations.hook }}\n  brokenByTheTest: [unclosed\n{{- end }}\n");
        assertThat(Chart.lint(notRendered).isFailed()).isFalse();
    }

    @Test
    void defaultValuesRenderTheBackfillAndStatusTemplatesButNotTheHook() {
        Chart.Rendered r = Chart.template();
        assertThat(r.kindsAndNames()).containsExactlyInAnyOrder("CronJob/ehe-backfill", "CronJob/ehe-status");
        // The migration Job is a hook: helm-java's template leaves hooks out of the manifest.
        assertThat(r.ofKind("Job")).isEmpty();
        assertThat(r.ofKind("Secret")).as("default uses an existing Secret").isEmpty();

        Map<String, Object> backfill = r.one("CronJob", "ehe-backfill");
        assertThat(at(backfill, "spec", "suspend")).isEqualTo(true);
        assertThat(at(backfill, "spec", "concurrencyPolicy")).isEqualTo("Forbid");
        assertThat(jobSpec(backfill)).doesNotContainKeys("completionMode", "completions", "parallelism");
        assertThat(args(containers(backfill).get(0)))
                .containsExactly("backfill", "--batch-size", "10000", "--target-batch-ms", "150", "--sleep", "0ms", "--then-migrate");
        assertThat(at(r.one("CronJob", "ehe-status"), "spec", "suspend")).isEqualTo(true);
        assertThat(args(containers(r.one("CronJob", "ehe-status")).get(0))).containsExactly("status");
        assertThat(containers(backfill).get(0).get("image")).isEqualTo("events-has-embedding:0.1.0");
    }

    @Test
    void migrationJobFullSpecWhenNotAHook() {
        Chart.Rendered r = Chart.template("migrations.hook", "false");
        List<Map<String, Object>> jobs = r.ofKind("Job");
        assertThat(jobs).hasSize(1);
        Map<String, Object> job = jobs.get(0);
        assertThat((String) at(job, "metadata", "name")).matches("ehe-migrate-[0-9a-f]{8}");
        assertThat(annotations(job)).doesNotContainKeys(HOOK, HOOK_WEIGHT, HOOK_DELETE);
        assertThat(at(job, "metadata", "labels", "app.kubernetes.io/component")).isEqualTo("migrate");

        Map<String, Object> spec = jobSpec(job);
        assertThat(spec.get("backoffLimit")).isEqualTo(0);
        assertThat(spec.get("activeDeadlineSeconds")).isEqualTo(1800);
        assertThat(spec).as("a plain Job keeps no TTL: it would vanish and be created again").doesNotContainKey("ttlSecondsAfterFinished");

        Map<String, Object> pod = podSpec(job);
        assertThat(pod.get("restartPolicy")).isEqualTo("Never");
        assertThat(pod.get("automountServiceAccountToken")).isEqualTo(false);
        assertThat(pod).doesNotContainKeys("serviceAccountName", "imagePullSecrets", "nodeSelector", "tolerations", "affinity");
        assertSecureDefaults(job);

        Map<String, Object> c = containers(job).get(0);
        assertThat(args(c)).containsExactly("migrate", "--lock-timeout", "5s", "--index-lock-timeout", "4min",
                "--max-attempts", "5", "--retry-backoff", "2s");
        assertThat(c.get("command")).as("the image's ENTRYPOINT runs").isNull();
        assertThat(map(c.get("resources"))).containsKeys("requests", "limits");
        assertThat(at(c, "resources", "limits", "memory")).isEqualTo("512Mi");
        assertThat(env(c, "DATABASE_URL")).isEqualTo(Map.of("valueFrom",
                Map.of("secretKeyRef", Map.of("name", "events-db-app", "key", "uri"))));
        assertThat(at(env(c, "LOG_FORMAT"), "value")).isEqualTo("json");
        assertThat(list(c.get("env"))).as("no design by default: the one installed in the database")
                .noneMatch(e -> "EHE_DESIGN".equals(e.get("name")));
    }

    @Test
    void aPlainMigrationJobGetsANewNameWhenItsImageOrArgumentsChange() {
        String a = name(Chart.template("migrations.hook", "false").ofKind("Job").get(0));
        String same = name(Chart.template("migrations.hook", "false").ofKind("Job").get(0));
        String otherTag = name(Chart.template("migrations.hook", "false", "image.tag", "0.2.0").ofKind("Job").get(0));
        String otherArgs = name(Chart.template("migrations.hook", "false", "migrations.lockTimeout", "3s").ofKind("Job").get(0));
        // The design is env, not an argument, and a Job's pod template is immutable: it names the Job too.
        String otherDesign = name(Chart.template("migrations.hook", "false", "design", "pending-table").ofKind("Job").get(0));
        assertThat(same).isEqualTo(a);
        assertThat(otherTag).isNotEqualTo(a);
        assertThat(otherArgs).isNotEqualTo(a).isNotEqualTo(otherTag);
        assertThat(otherDesign).isNotEqualTo(a).isNotEqualTo(otherTag).isNotEqualTo(otherArgs);
    }

    @ParameterizedTest(name = "design={0}")
    @CsvSource({"column", "pending-table"})
    void theDesignReachesMigrateBackfillAndStatusAsEheDesign(String design, @TempDir Path tmp) {
        Chart.Rendered r = Chart.templateWithHooks(tmp.resolve("chart"), "design", design);
        Map<String, Object> hook = r.one("Job", "ehe-migrate");
        assertThat(annotations(hook)).containsEntry(HOOK, "pre-install,pre-upgrade");
        for (Map<String, Object> doc : List.of(hook, r.one("CronJob", "ehe-backfill"), r.one("CronJob", "ehe-status"))) {
            Map<String, Object> c = containers(doc).get(0);
            assertThat(env(c, "EHE_DESIGN")).as(name(doc)).isEqualTo(Map.of("value", design));
            // Env only: the CLI's --design option is not there yet (ChartCliDriftTest parses these args).
            assertThat(args(c)).as(name(doc)).noneMatch(a -> a.startsWith("--design"));
        }
        Map<String, Object> plain = Chart.template("migrations.hook", "false", "design", design).ofKind("Job").get(0);
        assertThat(env(containers(plain).get(0), "EHE_DESIGN")).isEqualTo(Map.of("value", design));
    }

    /**
     * Issue 28, 5: {@code helm upgrade --reset-values} (or a values file without design) renders the chart's
     * defaults. They must name no design, so that migrate keeps the one installed in the database (the runner's
     * rule, OperatorSafetyTest) instead of installing the column design beside a pending-table one.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource({"defaults", "design set empty"})
    void anUpgradeThatForgetsTheDesignNamesNone(String how, @TempDir Path tmp) {
        String[] sets = how.equals("defaults") ? new String[0] : new String[] {"design", ""};
        Chart.Rendered r = Chart.templateWithHooks(tmp.resolve("chart"), sets);
        for (Map<String, Object> doc : List.of(r.one("Job", "ehe-migrate"), r.one("CronJob", "ehe-backfill"), r.one("CronJob", "ehe-status"))) {
            Map<String, Object> c = containers(doc).get(0);
            assertThat(list(c.get("env"))).as(name(doc)).noneMatch(e -> "EHE_DESIGN".equals(e.get("name")));
            assertThat(args(c)).as(name(doc)).noneMatch(a -> a.startsWith("--design"));
        }
    }

    @Test
    void withDefaultsTheMigrationJobIsAPreInstallPreUpgradeHook(@TempDir Path tmp) {
        // The same chart with only the hook key renamed renders the Job through template: that Job is
        // the default rendering, annotations included, and it is exactly what the real chart leaves out.
        Path unhooked = Chart.copyWithEdit(tmp.resolve("chart"), "migrate-job.yaml", t -> t.replace(HOOK + ":", UNHOOKED + ":"));
        Chart.Rendered r = Chart.template(unhooked, List.of());
        List<Map<String, Object>> jobs = r.ofKind("Job");
        assertThat(jobs).hasSize(1);
        Map<String, Object> hookJob = jobs.get(0);
        assertThat(name(hookJob)).isEqualTo("ehe-migrate");
        assertThat(annotations(hookJob)).containsEntry(UNHOOKED, "pre-install,pre-upgrade")
                .containsEntry(HOOK_WEIGHT, "0")
                .containsEntry(HOOK_DELETE, "before-hook-creation,hook-succeeded");
        assertThat(Chart.template().ofKind("Job")).as("the real chart: a hook, so not in the manifest").isEmpty();

        // Apart from its name and hook annotations it is the very Job tested in full with hook=false.
        Map<String, Object> plain = Chart.template("migrations.hook", "false").ofKind("Job").get(0);
        assertThat(Chart.withoutMetadata(hookJob, "name", "annotations"))
                .isEqualTo(Chart.withoutMetadata(plain, "name", "annotations"));
    }

    @Test
    void aChartCreatedSecretIsAHookThatRunsBeforeTheMigrationHook(@TempDir Path tmp) throws IOException {
        Path values = Chart.resource("chart-created-secret-values.yaml");
        assertThat(Chart.template(values).ofKind("Secret")).as("a hook: not in the manifest").isEmpty();

        Path copy = tmp.resolve("chart");
        Chart.copyWithEdit(copy, "migrate-job.yaml", t -> t.replace(HOOK + ":", UNHOOKED + ":"));
        Files.writeString(copy.resolve("templates/secret.yaml"),
                readUnchecked(copy.resolve("templates/secret.yaml")).replace(HOOK + ":", UNHOOKED + ":"));
        Chart.Rendered r = Chart.template(copy, List.of(values));
        Map<String, Object> secret = r.one("Secret", "ehe-db");
        Map<String, Object> job = r.one("Job", "ehe-migrate");
        assertThat(annotations(secret)).containsEntry(UNHOOKED, "pre-install,pre-upgrade")
                .containsEntry(HOOK_DELETE, "before-hook-creation");
        int secretWeight = Integer.parseInt((String) annotations(secret).get(HOOK_WEIGHT));
        int jobWeight = Integer.parseInt((String) annotations(job).get(HOOK_WEIGHT));
        assertThat(secretWeight).isLessThan(jobWeight);
        assertThat((String) annotations(secret).get(HOOK_DELETE)).as("the backfill still needs it after the hook")
                .doesNotContain("hook-succeeded");

        // Not a hook when the migration is not one: Helm creates Secrets before Jobs then.
        Map<String, Object> plainSecret = Chart.template(values, "migrations.hook", "false").one("Secret", "ehe-db");
        assertThat(annotations(plainSecret)).doesNotContainKeys(HOOK, HOOK_WEIGHT, HOOK_DELETE);
    }

    @Test
    void customValuesRenderEverywhere() {
        Chart.Rendered r = Chart.template(Chart.resource("custom-values.yaml"));
        assertThat(r.ofKind("Secret")).isEmpty();
        Map<String, Object> job = r.ofKind("Job").get(0);
        assertThat(name(job)).startsWith("events-migrate-");
        assertThat(annotations(job)).containsEntry("argocd.argoproj.io/sync-wave", "-1").doesNotContainKey(HOOK);
        assertThat(at(job, "spec", "template", "metadata", "annotations", "cluster-autoscaler.kubernetes.io/safe-to-evict"))
                .isEqualTo("false");
        assertThat(jobSpec(job)).containsEntry("activeDeadlineSeconds", 3600).doesNotContainKey("ttlSecondsAfterFinished");
        assertThat(args(containers(job).get(0))).containsExactly("migrate", "--lock-timeout", "3s",
                "--index-lock-timeout", "5min", "--max-attempts", "8", "--retry-backoff", "500ms", "--tag", "before-has-embedding", "--reader-role", "scheduler");

        Map<String, Object> backfill = r.one("CronJob", "events-backfill");
        assertThat(args(containers(backfill).get(0))).containsExactly("backfill", "--batch-size", "2000",
                "--target-batch-ms", "150", "--sleep", "20ms", "--max-rows", "500000", "--max-duration", "2h",
                "--lock-timeout", "1s", "--statement-timeout", "20s", "--max-retries", "4", "--shards", "4", "--then-migrate");
        assertThat(jobSpec(backfill)).containsEntry("backoffLimit", 8).containsEntry("activeDeadlineSeconds", 43200);

        for (Map<String, Object> doc : List.of(job, backfill, r.one("CronJob", "events-status"))) {
            Map<String, Object> pod = podSpec(doc);
            assertThat(pod.get("serviceAccountName")).isEqualTo("events-migrator");
            assertThat(pod.get("imagePullSecrets")).isEqualTo(List.of(Map.of("name", "registry-credentials")));
            assertThat(pod.get("nodeSelector")).isEqualTo(Map.of("kubernetes.io/os", "linux", "pool", "batch"));
            assertThat(list(pod.get("tolerations"))).singleElement().satisfies(t -> assertThat(t).containsEntry("key", "dedicated"));
            assertThat(at(pod, "affinity", "nodeAffinity")).isNotNull();
            assertThat(pod.get("priorityClassName")).isEqualTo("low-priority-batch");
            assertThat(at(doc, "metadata", "labels", "team")).isEqualTo("data-platform");
            Map<String, Object> c = containers(doc).get(0);
            assertThat(c.get("image")).isEqualTo("registry.example.com/platform/events-has-embedding@sha256:"
                    + "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
            assertThat(c.get("imagePullPolicy")).isEqualTo("Always");
            assertThat(env(c, "DATABASE_URL")).isEqualTo(secretRef("events-db-owner", "jdbc-uri"));
            assertThat(env(c, "PGUSER")).isEqualTo(secretRef("events-db-owner", "username"));
            assertThat(env(c, "PGPASSWORD")).isEqualTo(secretRef("events-db-owner", "password"));
            assertThat(at(env(c, "LOG_FORMAT"), "value")).isEqualTo("text");
            assertThat(at(env(c, "JAVA_TOOL_OPTIONS"), "value")).isEqualTo("-XX:MaxRAMPercentage=60");
            assertSecureDefaults(doc);
        }
    }

    @Test
    void indexedBackfillWhenSharded() {
        Chart.Rendered r = Chart.template("backfill.shards", "6");
        Map<String, Object> backfill = r.one("CronJob", "ehe-backfill");
        assertThat(at(backfill, "spec", "suspend")).isEqualTo(true);
        Map<String, Object> spec = jobSpec(backfill);
        assertThat(spec).containsEntry("completionMode", "Indexed").containsEntry("completions", 6).containsEntry("parallelism", 6);
        List<String> args = args(containers(backfill).get(0));
        assertThat(args).containsSequence("--shards", "6").doesNotContain("--shard");
        // One shard is the plain, non-indexed Job.
        Map<String, Object> single = Chart.template("backfill.shards", "1").one("CronJob", "ehe-backfill");
        assertThat(jobSpec(single)).doesNotContainKeys("completionMode", "completions", "parallelism");
        assertThat(args(containers(single).get(0))).doesNotContain("--shards");
    }

    @Test
    void nullBackfillSettingsLeaveTheCliDefaults() {
        Map<String, Object> backfill = Chart.template("backfill.batchSize", "null", "backfill.targetBatchMs", "null",
                "backfill.sleep", "null", "backfill.thenMigrate", "false").one("CronJob", "ehe-backfill");
        assertThat(args(containers(backfill).get(0))).containsExactly("backfill");
    }

    @Test
    void noCredentialInPlainTextInAnyManifest() {
        Path values = Chart.resource("chart-created-secret-values.yaml");
        String url = "postgres://ehe_owner:Xy7-url-s3cret@db.internal:5432/events?sslmode=require";
        List<String> secrets = List.of("Xy7-url-s3cret", "Pw9-plain-s3cret", url);
        Chart.Rendered r = Chart.template(values, "migrations.hook", "false");
        assertThat(r.kindsAndNames()).contains("Secret/ehe-db").anyMatch(k -> k.startsWith("Job/ehe-migrate-"));
        for (String s : secrets) {
            assertThat(r.text()).as("rendered manifests").doesNotContain(s);
        }
        // Only the Secret holds them (base64, as every Secret does), and never as stringData.
        Map<String, Object> secret = r.one("Secret", "ehe-db");
        assertThat(secret).doesNotContainKey("stringData");
        assertThat(decode(at(secret, "data", "uri"))).isEqualTo(url);
        assertThat(decode(at(secret, "data", "password"))).isEqualTo("Pw9-plain-s3cret");
        assertThat(decode(at(secret, "data", "username"))).isEqualTo("ehe_owner");
        for (Map<String, Object> doc : r.docs()) {
            if ("Secret".equals(doc.get("kind"))) {
                continue;
            }
            String yaml = new org.yaml.snakeyaml.Yaml().dump(doc);
            for (String s : secrets) {
                assertThat(yaml).doesNotContain(s).doesNotContain(b64(s));
            }
            for (Map<String, Object> c : containers(doc)) {
                assertThat(args(c)).noneMatch(a -> a.startsWith("--url") || a.startsWith("--password") || a.startsWith("--username") || a.startsWith("-U"));
                assertThat(env(c, "DATABASE_URL")).isEqualTo(secretRef("ehe-db", "uri"));
                assertThat(env(c, "PGUSER")).isEqualTo(secretRef("ehe-db", "username"));
                assertThat(env(c, "PGPASSWORD")).isEqualTo(secretRef("ehe-db", "password"));
                for (Map<String, Object> e : list(c.get("env"))) {
                    if (List.of("DATABASE_URL", "PGUSER", "PGPASSWORD").contains(e.get("name"))) {
                        assertThat(e).doesNotContainKey("value");
                    }
                }
            }
        }
        // NOTES name the Secret but never print what is in it.
        String notes = Chart.installNotes(List.of(values));
        assertThat(notes).contains("ehe-db");
        for (String s : secrets) {
            assertThat(notes).doesNotContain(s).doesNotContain(b64(s));
        }
    }

    @Test
    void notesPrintTheExactBackfillAndStatusCommands() {
        String notes = Chart.installNotes(List.of());
        assertThat(notes).contains("kubectl -n prod create job ehe-backfill-1 --from=cronjob/ehe-backfill")
                .contains("kubectl -n prod logs -f job/ehe-backfill-1")
                .contains("kubectl -n prod create job ehe-status-1 --from=cronjob/ehe-status")
                .contains("kubectl -n prod wait --for=condition=complete job/ehe-status-1");
        assertThat(notes).contains("Design: the one installed in the database (the column design on a database with neither)");
        assertThat(Chart.installNotes(List.of(), "design", "column")).contains("Design: column (EHE_DESIGN");
        assertThat(Chart.installNotes(List.of(), "design", "pending-table")).contains("Design: pending-table (EHE_DESIGN");
        String sharded = Chart.installNotes(List.of(), "backfill.shards", "3");
        assertThat(sharded).contains("kubectl -n prod logs -f -l job-name=ehe-backfill-1 --prefix --max-log-requests 3");
    }

    @Test
    void everyPodRunsLockedDown() {
        for (Chart.Rendered r : List.of(Chart.template("migrations.hook", "false"), Chart.template("backfill.shards", "3"))) {
            for (Map<String, Object> doc : r.docs()) {
                if (List.of("Job", "CronJob").contains(doc.get("kind"))) {
                    assertSecureDefaults(doc);
                }
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            duration without unit          | migrations: {lockTimeout: '5'}
            duration with a bad unit       | migrations: {indexLockTimeout: 10m}
            lock timeout as a number       | migrations: {lockTimeout: 5}
            batch size zero                | backfill: {batchSize: 0}
            batch size as a string         | backfill: {batchSize: '1000'}
            batch size too large           | backfill: {batchSize: 2000000}
            target batch below 10 ms       | backfill: {targetBatchMs: 5}
            negative shards                | backfill: {shards: -1}
            sleep without unit             | backfill: {sleep: '100'}
            unknown top-level key (typo)   | migration: {hook: false}
            unknown nested key (typo)      | backfill: {batchsize: 100}
            log format                     | logFormat: xml
            writable root filesystem       | securityContext: {readOnlyRootFilesystem: false}
            privilege escalation           | securityContext: {allowPrivilegeEscalation: true}
            root allowed                   | podSecurityContext: {runAsNonRoot: false}
            no capabilities dropped        | securityContext: {capabilities: {drop: []}}
            no Secret and no URL           | database: {existingSecret: ''}
            URL that is not PostgreSQL     | database: {existingSecret: '', url: 'mysql://u:p@h/db'}
            password beside existingSecret | database: {password: hunter2}
            bad pull policy                | image: {pullPolicy: Sometimes}
            bad digest                     | image: {digest: 'latest'}
            hook as a string               | migrations: {hook: 'no'}
            credentials in extraEnv        | extraEnv: [{name: PGPASSWORD, value: x}]
            unknown design                 | design: foo
            design in another case         | design: Column
            design as a boolean            | design: true
            design overridden in extraEnv  | extraEnv: [{name: EHE_DESIGN, value: column}]
            """)
    void valuesThatBreakTheSchemaAreRejected(String what, String yaml, @TempDir Path tmp) throws IOException {
        Path values = tmp.resolve("bad.yaml");
        Files.writeString(values, yaml + "\n");
        assertThatThrownBy(() -> Chart.template(values))
                .as(what)
                .hasMessageContaining("values don't meet the specifications of the schema");
        assertThatThrownBy(() -> Chart.installNotes(List.of(values)))
                .as("install (client-only dry run): " + what)
                .hasMessageContaining("values don't meet the specifications of the schema");
    }

    /**
     * Field fault 3: the old defaults (5 attempts of a 10-minute index lock timeout) let the runner
     * retry for 50 minutes inside a 30-minute Job deadline, so Kubernetes could kill it mid-build.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            the old defaults                      | migrations: {indexLockTimeout: 10min, maxAttempts: 5}
            one attempt longer than the deadline   | migrations: {indexLockTimeout: 1h, maxAttempts: 1}
            DDL lock timeout times attempts        | migrations: {lockTimeout: 10min, maxAttempts: 3, activeDeadlineSeconds: 1800}
            pauses and reserve tip it over        | migrations: {lockTimeout: 1s, indexLockTimeout: 1min, maxAttempts: 25, retryBackoff: 1min, activeDeadlineSeconds: 3000}
            """)
    void retriesThatCannotEndBeforeTheJobDeadlineAreRefused(String what, String yaml, @TempDir Path tmp) throws IOException {
        Path values = tmp.resolve("too-long.yaml");
        Files.writeString(values, yaml + "\n");
        assertThatThrownBy(() -> Chart.template(values)).as(what)
                .hasMessageContaining("past activeDeadlineSeconds").hasMessageContaining("Lower maxAttempts or indexLockTimeout");
        assertThatThrownBy(() -> Chart.installNotes(List.of(values))).as("install (client-only dry run): " + what)
                .hasMessageContaining("past activeDeadlineSeconds");
    }

    @Test
    void retriesThatEndBeforeTheJobDeadlineAreAccepted(@TempDir Path tmp) throws IOException {
        // 5 x 4min + 2+4+8+16 s of pauses + 300 s reserve = 1530 s, inside the default 1800 s
        assertThat(Chart.template("migrations.hook", "false").ofKind("Job")).isNotEmpty();
        Path values = tmp.resolve("fits.yaml");
        Files.writeString(values, "migrations: {hook: false, indexLockTimeout: 10min, maxAttempts: 5, activeDeadlineSeconds: 3400}\n");
        assertThat(Chart.template(values).ofKind("Job")).isNotEmpty();
        Files.writeString(values, "migrations: {hook: false, enabled: false, indexLockTimeout: 1h}\n");
        assertThat(Chart.template(values).ofKind("Job")).isEmpty();
    }

    @Test
    void goodValuesPassTheSchema(@TempDir Path tmp) throws IOException {
        Path values = tmp.resolve("good.yaml");
        Files.writeString(values, "design: pending-table\nmigrations: {lockTimeout: 250ms, indexLockTimeout: 1h, activeDeadlineSeconds: 21600}\nbackfill: {batchSize: 1, sleep: 1s, shards: 64}\n");
        // backfill, status and (pending-table design) the queue sweep
        assertThat(Chart.template(values).ofKind("CronJob")).hasSize(3);
    }

    // ---------------------------------------------------------------------------------------------

    /** Pod and container securityContext, /tmp on an emptyDir, no host access. */
    static void assertSecureDefaults(Map<String, Object> doc) {
        Map<String, Object> pod = podSpec(doc);
        assertThat(at(pod, "securityContext", "runAsNonRoot")).isEqualTo(true);
        assertThat((Integer) at(pod, "securityContext", "runAsUser")).isPositive();
        assertThat(at(pod, "securityContext", "seccompProfile", "type")).isEqualTo("RuntimeDefault");
        assertThat(pod).doesNotContainKeys("hostNetwork", "hostPID", "hostIPC");
        assertThat(list(pod.get("volumes"))).anySatisfy(v -> {
            assertThat(v.get("name")).isEqualTo("tmp");
            assertThat(v).containsKey("emptyDir");
        });
        for (Map<String, Object> c : containers(doc)) {
            Map<String, Object> sc = map(c.get("securityContext"));
            assertThat(sc).containsEntry("runAsNonRoot", true)
                    .containsEntry("readOnlyRootFilesystem", true)
                    .containsEntry("allowPrivilegeEscalation", false);
            assertThat(at(sc, "capabilities", "drop")).isEqualTo(List.of("ALL"));
            assertThat(at(sc, "capabilities", "add")).isNull();
            assertThat(at(sc, "seccompProfile", "type")).isEqualTo("RuntimeDefault");
            assertThat(list(c.get("volumeMounts"))).anySatisfy(m -> assertThat(m).containsEntry("name", "tmp").containsEntry("mountPath", "/tmp"));
        }
    }

    static Map<String, Object> env(Map<String, Object> container, String name) {
        return list(container.get("env")).stream().filter(e -> name.equals(e.get("name"))).findFirst()
                .map(e -> {
                    Map<String, Object> copy = new java.util.LinkedHashMap<>(e);
                    copy.remove("name");
                    return copy;
                })
                .orElseThrow(() -> new AssertionError("no env " + name + " in " + container.get("env")));
    }

    private static Map<String, Object> secretRef(String secret, String key) {
        return Map.of("valueFrom", Map.of("secretKeyRef", Map.of("name", secret, "key", key)));
    }

    private static String name(Map<String, Object> doc) {
        return (String) at(doc, "metadata", "name");
    }

    private static String decode(Object b64) {
        return new String(Base64.getDecoder().decode((String) b64), StandardCharsets.UTF_8);
    }

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    private static String readUnchecked(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void thePendingSemanticsAndTargetModelsReachMigrate() {
        Chart.Rendered r = Chart.template("migrations.hook", "false", "design", "pending-table", "pending.semantics", "app",
                "pending.targetModels[0]", "bge-base-en-v1.5", "pending.targetModels[1]", "model-b");
        List<String> args = args(containers(r.ofKind("Job").get(0)).get(0));
        assertThat(String.join(" ", args)).contains("--semantics app --target-model bge-base-en-v1.5 --target-model model-b");
        assertThat(args).as("confirmations only when the values say so").doesNotContain("--change-question", "--new-model");
        assertThat(args(containers(Chart.template("migrations.hook", "false").ofKind("Job").get(0)).get(0)))
                .as("by default the database keeps its configuration").doesNotContain("--semantics", "--target-model");
        List<String> confirmed = args(containers(Chart.template("migrations.hook", "false", "design", "pending-table",
                "pending.semantics", "app", "pending.targetModels[0]", "m", "pending.changeQuestion", "true", "pending.newModel", "true")
                .ofKind("Job").get(0)).get(0));
        assertThat(confirmed).contains("--change-question", "--new-model");
    }

    @Test
    void theReaderRolesReachMigrate() {
        Chart.Rendered r = Chart.template("migrations.hook", "false", "readerRoles[0]", "scheduler", "readerRoles[1]", "analytics");
        assertThat(String.join(" ", args(containers(r.ofKind("Job").get(0)).get(0)))).contains("--reader-role scheduler --reader-role analytics");
        assertThat(args(containers(Chart.template("migrations.hook", "false").ofKind("Job").get(0)).get(0)))
                .as("by default the database keeps its recorded readers").doesNotContain("--reader-role");
        assertThatThrownBy(() -> Chart.template("readerRoles[0]", "a,b"))
                .as("one role per entry").hasMessageContaining("values don't meet the specifications of the schema");
    }

    @Test
    void theSchemaRefusesTheAppsQuestionForTheColumnDesignOrWithoutATarget() {
        assertThatThrownBy(() -> Chart.template("pending.semantics", "app", "pending.targetModels[0]", "m"))
                .hasMessageContaining("values don't meet the specifications of the schema");
        assertThatThrownBy(() -> Chart.template("design", "pending-table", "pending.semantics", "app"))
                .hasMessageContaining("values don't meet the specifications of the schema");
        assertThatThrownBy(() -> Chart.template("design", "pending-table", "pending.semantics", "sideways"))
                .hasMessageContaining("values don't meet the specifications of the schema");
        assertThatThrownBy(() -> Chart.template("design", "pending-table", "pending.targetModels[0]", "m"))
                .as("a target model needs the app's semantics (a model column)")
                .hasMessageContaining("values don't meet the specifications of the schema");
    }
}
