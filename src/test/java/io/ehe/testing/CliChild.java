package io.ehe.testing;

import io.ehe.cli.ExitCodes;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The shipped CLI (io.ehe.cli.Main) as its own JVM, for what only a real process shows: a signal while
 * it waits, its exit code and its stderr. Started with {@code --url} of the test database after the
 * given arguments; stdout and stderr go to files.
 */
public record CliChild(Process process, Path err, Path out) {

    /** Starts {@code args --url <db>}; its output files go in {@code dir} (null: the system's temp folder). */
    public static CliChild start(Path dir, TestDatabase db, String... args) throws Exception {
        return startAt(dir, db.urlWithCredentials(), args);
    }

    /** Starts {@code args --url <url>} against any URL (a server that never answers, say). */
    public static CliChild startAt(Path dir, String url, String... args) throws Exception {
        List<String> all = new ArrayList<>(List.of(args));
        all.add("--url");
        all.add(url);
        Path out = dir == null ? Files.createTempFile("cli-out", ".txt") : Files.createTempFile(dir, "out", ".txt");
        Path err = dir == null ? Files.createTempFile("cli-err", ".txt") : Files.createTempFile(dir, "err", ".txt");
        Process p = ChildJvm.builder(ChildJvm.command(List.of("-Xmx128m", "-XX:TieredStopAtLevel=1"), "io.ehe.cli.Main", all), Map.of())
                .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        return new CliChild(p, err, out);
    }

    public String stderr() throws Exception {
        return Files.readString(err);
    }

    /** Returns once stderr contains {@code text}; fails (and kills the process) if it ended or {@code seconds} passed first. */
    public void awaitLog(String text, long seconds) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < deadline) {
            if (stderr().contains(text)) {
                return;
            }
            assertThat(process.isAlive()).as("ended before logging '" + text + "':\n" + stderr()).isTrue();
            Thread.sleep(100);
        }
        process.destroyForcibly();
        throw new AssertionError("no '" + text + "' within " + seconds + " s:\n" + stderr());
    }

    /** Sends SIG{@code signal} (INT, TERM); returns the milliseconds until the process ended (it must end within 10 s). */
    public long signalAndTime(String signal) throws Exception {
        long sent = System.nanoTime();
        new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid())).start().waitFor();
        boolean ended = process.waitFor(10, TimeUnit.SECONDS);
        long ms = (System.nanoTime() - sent) / 1_000_000;
        if (!ended) {
            process.destroyForcibly().waitFor();
        }
        assertThat(ended).as("still running 10 s after SIG" + signal + ":\n" + stderr()).isTrue();
        System.err.println("[SIG" + signal + "] ended " + ms + " ms after the signal, exit " + process.exitValue());
        return ms;
    }

    /** {@link #signalAndTime}, and the process ended with exit {@code INTERRUPTED} in under {@code withinMs}. */
    public void interruptedBy(String signal, long withinMs) throws Exception {
        long ms = signalAndTime(signal);
        assertThat(process.exitValue()).as(stderr()).isEqualTo(ExitCodes.INTERRUPTED);
        assertThat(ms).as("SIG" + signal + " to exit, ms").isLessThan(withinMs);
    }

    /** The error line: exactly one; never a stack trace. */
    public String oneErrorLine() throws Exception {
        List<String> errors = stderr().lines().filter(l -> l.startsWith("error: ")).toList();
        assertThat(errors).as(stderr()).hasSize(1);
        assertThat(stderr()).doesNotContain("\tat ");
        return errors.get(0);
    }
}
