package io.ehe.cli;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 28 (9): every --help complete and wrapped by words. picocli wraps a footer line longer than
 * the usage width (80) at that width, without the indentation: a hard-wrapped block (the exit codes)
 * must therefore keep every line within it, and each command's own footer must name its exit codes.
 */
class HelpTextTest {

    private static final List<String> COMMANDS = List.of("migrate", "rollback", "status", "backfill", "verify", "configure",
            "targets", "partitions");

    @Test
    void theExitCodeBlockFitsTheUsageWidthSoNoLineBreaksMidSentence() {
        for (String line : ExitCodes.HELP_TEXT.split("\n")) {
            assertThat(line.length()).as(line).isLessThanOrEqualTo(80);
        }
        for (int code = 0; code <= ExitCodes.NOT_CONFIRMED; code++) {
            assertThat(ExitCodes.HELP_TEXT).contains(String.format("%3d  ", code).substring(1));
        }
    }

    @Test
    void everyHelpIsWrappedByWordsAndNamesItsExitCodes() {
        for (String command : COMMANDS) {
            Cli.Result r = Cli.run(command, "--help");
            assertThat(r.exit()).as(command).isZero();
            assertThat(r.out()).as(command).contains("Exit codes");
            List<String> lines = r.out().lines().toList();
            int from = 0;
            while (from < lines.size() && !lines.get(from).startsWith("Exit codes")) {
                from++;
            }
            for (int i = from + 1; i < lines.size(); i++) {
                String previous = lines.get(i - 1);
                String line = lines.get(i);
                // In the indented exit-code block, a line picocli broke at the width continues at column 0.
                if (previous.startsWith(" ") && !line.isEmpty() && !line.startsWith(" ") && !line.startsWith("A Job controller")) {
                    throw new AssertionError(command + " --help breaks a line mid-sentence at: '" + line + "' after '" + previous + "'");
                }
            }
        }
        assertThat(Cli.run("targets", "--help").out().replaceAll("\\s+", " ")).contains("10 unsuitable connection").contains("13 add:");
        assertThat(Cli.run("backfill", "--help").out().replaceAll("\\s+", " ")).contains("12 more to do").contains("pending-table design");
        assertThat(Cli.run("configure", "--help").out().replaceAll("\\s+", " ")).contains("--dry-run").contains("--change-question").contains("--new-model");
    }
}
