package io.ehe.chart;

import io.ehe.cli.Main;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static io.ehe.chart.Chart.args;
import static io.ehe.chart.Chart.at;
import static io.ehe.chart.Chart.containers;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

/**
 * No drift between the chart and the CLI: the arguments every rendered Job and CronJob container would
 * run are parsed by the CLI's own picocli spec ({@link Main#commandLine()}) and must be accepted.
 */
class ChartCliDriftTest {

    /** Value sets that between them render every flag the chart can pass. */
    static Stream<String> renderings() {
        return Stream.of("defaults", "hook=false", "custom-values.yaml", "sharded", "every backfill option", "hook Job (default values)",
                "hook Job, pending-table design", "as an app's dependency, hooks included", "drift check");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("renderings")
    void everyRenderedCommandLineIsAcceptedByTheCli(String rendering, @TempDir Path tmp) {
        Chart.Rendered r = render(rendering, tmp);
        List<String> failures = new ArrayList<>();
        int checked = 0;
        for (Map<String, Object> doc : r.docs()) {
            if (!List.of("Job", "CronJob", "Pod").contains(doc.get("kind"))) {
                continue;
            }
            if (!"events-has-embedding".equals(at(doc, "metadata", "labels", "app.kubernetes.io/name"))) {
                continue; // an app's own Job, beside this chart as its dependency: not our CLI
            }
            for (Map<String, Object> c : containers(doc)) {
                assertThat(c.get("command")).as("the image's ENTRYPOINT is the CLI").isNull();
                List<String> args = args(c);
                String where = doc.get("kind") + "/" + at(doc, "metadata", "name") + " " + args;
                try {
                    CommandLine.ParseResult parsed = Main.commandLine().parseArgs(args.toArray(String[]::new));
                    assertThat(parsed.hasSubcommand()).as(where).isTrue();
                    assertThat(parsed.subcommand().commandSpec().name()).as(where).isEqualTo(args.get(0));
                    assertThat(parsed.subcommand().unmatched()).as(where).isEmpty();
                    checked++;
                } catch (CommandLine.ParameterException e) {
                    failures.add(where + ": " + e.getMessage());
                }
            }
        }
        if (!failures.isEmpty()) {
            fail("the CLI rejects what the chart renders (" + rendering + "):\n  " + String.join("\n  ", failures));
        }
        assertThat(checked).as("command lines checked in " + r.kindsAndNames()).isGreaterThanOrEqualTo(2);
    }

    @Test
    void theCheckCanFail() {
        // The parser rejects what the CLI does not declare, so the test above means something.
        assertThatThrownBy(() -> Main.commandLine().parseArgs("backfill", "--no-such-option", "1"))
                .isInstanceOf(CommandLine.ParameterException.class);
        assertThatThrownBy(() -> Main.commandLine().parseArgs("no-such-command"))
                .isInstanceOf(CommandLine.ParameterException.class);
    }

    private static Chart.Rendered render(String rendering, Path tmp) {
        return switch (rendering) {
            case "defaults" -> Chart.template();
            case "hook=false" -> Chart.template("migrations.hook", "false", "migrations.tag", "v1");
            case "custom-values.yaml" -> Chart.template(Chart.resource("custom-values.yaml"));
            case "sharded" -> Chart.template("backfill.shards", "8", "migrations.hook", "false");
            case "every backfill option" -> Chart.template("backfill.maxRows", "1000", "backfill.maxDuration", "30min",
                    "backfill.lockTimeout", "2s", "backfill.statementTimeout", "30s", "backfill.maxRetries", "10",
                    "backfill.sleep", "1s", "backfill.targetBatchMs", "500", "backfill.batchSize", "1000000");
            case "hook Job (default values)" -> Chart.template(
                    Chart.copyWithEdit(tmp.resolve("chart"), "migrate-job.yaml", t -> t.replace("helm.sh/hook:", "test.invalid/hook:")),
                    List.of());
            case "hook Job, pending-table design" -> Chart.templateWithHooks(tmp.resolve("rendered"), "design", "pending-table");
            case "as an app's dependency, hooks included" -> Chart.templateWithHooks(AppChartDependencyTest.unpacked(tmp),
                    tmp.resolve("rendered"), AppChartDependencyTest.RELEASE, AppChartDependencyTest.NAMESPACE, List.of());
            case "drift check" -> Chart.template("driftCheck.enabled", "true", "driftCheck.sample", "2500");
            default -> throw new IllegalArgumentException(rendering);
        };
    }
}
