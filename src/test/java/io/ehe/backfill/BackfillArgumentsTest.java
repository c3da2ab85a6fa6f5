package io.ehe.backfill;

import io.ehe.cli.ExitCodes;
import io.ehe.cli.Main;
import io.ehe.testing.ChildJvm;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Bad values are refused with one line and exit 2 before any connection: the URL points at a port
 * nothing listens on, so an attempt to connect would end in exit 3 instead (the control case).
 */
class BackfillArgumentsTest {

    static final String UNREACHABLE = "jdbc:postgresql://127.0.0.1:9/nowhere?user=u&password=s3cret-pw";

    record Result(int code, String out, String err) {
    }

    static Result run(String... args) {
        List<String> full = new ArrayList<>(Arrays.asList(args));
        full.add("--url");
        full.add(UNREACHABLE);
        CommandLine cli = Main.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int code = cli.execute(full.toArray(String[]::new));
        return new Result(code, out.toString(), err.toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "--batch-size 0", "--batch-size -5", "--batch-size abc", "--batch-size 99999999999", "--batch-size 2000000",
            "--target-batch-ms 0", "--target-batch-ms -1", "--target-batch-ms 5", "--target-batch-ms 1h",
            "--sleep 5", "--sleep 5x", "--sleep -1s", "--sleep 2h", "--sleep 1.5s",
            "--max-rows 0", "--max-rows -3", "--max-rows lots",
            "--max-duration 0s", "--max-duration 100d", "--max-duration soon",
            "--lock-timeout 0ms", "--lock-timeout 11min", "--lock-timeout 2",
            "--statement-timeout 0s", "--statement-timeout 2h", "--statement-timeout abc",
            "--max-retries -1", "--max-retries 5000", "--max-retries x",
            "--shard 3/3", "--shard 0/0", "--shard a/b", "--shard 1-3", "--shard -1/3", "--shard 0/1000",
            "--shard 0/2 --shards 2", "--shards 0", "--shards 3",
            "--progress-interval 0s", "--progress-interval 500ms", "--progress-interval 2h",
            "--no-such-flag"
    })
    void backfillRefusesWithOneLineAndExitTwo(String args) {
        Result r = run(("backfill " + args).split(" "));
        assertThat(r.code()).as(args + " -> " + r.err()).isEqualTo(ExitCodes.USAGE);
        List<String> lines = r.err().lines().filter(l -> !l.isBlank()).toList();
        assertThat(lines).as(r.err()).hasSize(1);
        assertThat(lines.get(0)).startsWith("error: ").doesNotContain("s3cret-pw");
    }

    @ParameterizedTest
    @ValueSource(strings = {"--sample 0", "--sample -1", "--sample x", "--batch-size 0", "--batch-size 1000000"})
    void verifyRefusesWithOneLineAndExitTwo(String args) {
        Result r = run(("verify " + args).split(" "));
        assertThat(r.code()).as(args + " -> " + r.err()).isEqualTo(ExitCodes.USAGE);
        assertThat(r.err().lines().filter(l -> !l.isBlank()).count()).isEqualTo(1);
    }

    @Test
    void validValuesDoTryToConnect() {
        // The control: the same URL with good values reaches the connection attempt and fails there.
        assertThat(run("backfill", "--batch-size", "500", "--sleep", "10ms", "--shard", "1/3",
                "--max-duration", "2h", "--lock-timeout", "1s").code()).isEqualTo(ExitCodes.CONNECT);
        assertThat(run("verify", "--sample", "100").code()).isEqualTo(ExitCodes.CONNECT);
    }

    @Test
    void backfillMainRefusesTheSameWayAsAProcess() throws Exception {
        Process p = ChildJvm.builder(ChildJvm.command(List.of(), BackfillMain.class.getName(), List.of("--url", UNREACHABLE, "--batch-size", "0")), Map.of())
                .redirectErrorStream(true).start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        String output = new String(p.getInputStream().readAllBytes());
        assertThat(p.exitValue()).as(output).isEqualTo(ExitCodes.USAGE);
        assertThat(output.lines().filter(l -> !l.isBlank()).toList()).hasSize(1);
        assertThat(output).contains("--batch-size");
    }

    @Test
    void durationsAndSizingModes() {
        BackfillSettings defaults = flags(null, null).toSettings();
        assertThat(defaults.adaptive()).isTrue();
        assertThat(defaults.batchSize()).isEqualTo(10_000);
        assertThat(defaults.targetBatch()).isEqualTo(Duration.ofMillis(150));
        BackfillSettings fixed = flags(500, null).toSettings();
        assertThat(fixed.adaptive()).isFalse();
        assertThat(fixed.batchSize()).isEqualTo(500);
        BackfillSettings adaptiveFrom = flags(500, 100).toSettings();
        assertThat(adaptiveFrom.adaptive()).isTrue();
        assertThat(adaptiveFrom.targetBatch()).isEqualTo(Duration.ofMillis(100));
        assertThat(new BackfillFlags(null, null, null, null, null, null, null, null, null, 4, "3", false, null)
                .toSettings().shard()).isEqualTo(new Shard(3, 4));
    }

    private static BackfillFlags flags(Integer batch, Integer target) {
        return new BackfillFlags(batch, target, null, null, null, null, null, null, null, null, null, false, null);
    }
}
