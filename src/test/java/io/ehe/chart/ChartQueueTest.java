package io.ehe.chart;

import io.ehe.cli.Main;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

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
 * Issue 27 in the chart: queueRoles reach `migrate --queue-role` (pending-table design only), and the
 * queue-sweep CronJob runs `queue sweep` on its schedule (not suspended) with every pod option the other
 * Jobs get, only where there is a queue (pending-table design) and while enabled.
 */
class ChartQueueTest {

    private static final String SWEEP = Chart.RELEASE + "-queue-sweep";

    @Test
    void theSweepRunsOnItsScheduleWhereThereIsAQueue() {
        Chart.Rendered r = Chart.template("design", "pending-table");
        Map<String, Object> sweep = r.one("CronJob", SWEEP);
        assertThat(at(sweep, "spec", "suspend")).as("runs by itself").isEqualTo(false);
        assertThat(at(sweep, "spec", "schedule")).isEqualTo("*/5 * * * *");
        assertThat(at(sweep, "spec", "concurrencyPolicy")).isEqualTo("Forbid");
        assertThat(args(containers(sweep).get(0))).containsExactly("queue", "sweep", "--batch", "10000");
        CommandLine.ParseResult parsed = Main.commandLine().parseArgs(args(containers(sweep).get(0)).toArray(String[]::new));
        assertThat(parsed.subcommand().subcommand().commandSpec().name()).as("the CLI's own command").isEqualTo("sweep");
        assertThat(list(at(jobSpec(sweep), "podFailurePolicy", "rules"))).anySatisfy(rule ->
                assertThat(at(rule, "onExitCodes", "containerName")).isEqualTo("queue-sweep"));
        assertThat(KubernetesApiTypes.problems(r.text())).isEmpty();

        assertThat(Chart.template().kindsAndNames()).as("column design: no queue").doesNotContain("CronJob/" + SWEEP);
        assertThat(Chart.template("design", "pending-table", "queueSweep.enabled", "false").kindsAndNames()).doesNotContain("CronJob/" + SWEEP);
        Map<String, Object> hourly = Chart.template("design", "pending-table", "queueSweep.schedule", "17 * * * *", "queueSweep.batch", "500")
                .one("CronJob", SWEEP);
        assertThat(at(hourly, "spec", "schedule")).isEqualTo("17 * * * *");
        assertThat(args(containers(hourly).get(0))).containsExactly("queue", "sweep", "--batch", "500");
        assertThatThrownBy(() -> Chart.template("design", "pending-table", "queueSweep.batch", "0"))
                .hasMessageContaining("values don't meet the specifications of the schema");
    }

    @Test
    void theSweepPodGetsTheSamePodOptionsAsTheOtherJobs() {
        Chart.Rendered r = Chart.template(Chart.resource("custom-values.yaml"), "design", "pending-table");
        Map<String, Object> sweep = podSpec(r.one("CronJob", "events-queue-sweep"));
        Map<String, Object> status = podSpec(r.one("CronJob", "events-status"));
        assertThat(withoutContainerJob(sweep)).isEqualTo(withoutContainerJob(status));
        assertThat(sweep.get("serviceAccountName")).as("custom-values.yaml's").isEqualTo("events-migrator");
        Map<String, Object> c = containers(r.one("CronJob", "events-queue-sweep")).get(0);
        Map<String, Object> s = containers(r.one("CronJob", "events-status")).get(0);
        for (String key : List.of("image", "imagePullPolicy", "env", "securityContext", "volumeMounts")) {
            assertThat(c.get(key)).as(key).isEqualTo(s.get(key));
        }
        assertThat(KubernetesApiTypes.problems(r.text())).isEmpty();
    }

    @Test
    void theQueueRolesReachMigrateInThePendingTableDesignOnly() {
        Chart.Rendered r = Chart.template("migrations.hook", "false", "design", "pending-table", "queueRoles[0]", "worker", "queueRoles[1]", "batch");
        assertThat(String.join(" ", args(containers(r.ofKind("Job").get(0)).get(0)))).contains("--queue-role worker --queue-role batch");
        assertThat(args(containers(Chart.template("migrations.hook", "false", "design", "pending-table").ofKind("Job").get(0)).get(0)))
                .as("by default the database keeps its recorded queue roles").doesNotContain("--queue-role");
        assertThatThrownBy(() -> Chart.template("design", "pending-table", "queueRoles[0]", "a,b"))
                .as("one role per entry").hasMessageContaining("values don't meet the specifications of the schema");
        assertThatThrownBy(() -> Chart.template("queueRoles[0]", "worker"))
                .as("the column design has no queue").hasMessageContaining("values don't meet the specifications of the schema");
        assertThat(String.join(" ", args(containers(Chart.template("migrations.hook", "false", "queueRoles[0]", "none").ofKind("Job").get(0)).get(0))))
                .as("[none] takes the grants back, whatever the design").contains("--queue-role none");
    }

    /** A pod spec without what differs by job: the container's name, args and resources. */
    private static Map<String, Object> withoutContainerJob(Map<String, Object> pod) {
        Map<String, Object> copy = new LinkedHashMap<>(pod);
        Map<String, Object> container = new LinkedHashMap<>(map(list(pod.get("containers")).get(0)));
        container.keySet().removeAll(List.of("name", "args", "resources"));
        copy.put("containers", List.of(container));
        return copy;
    }
}
