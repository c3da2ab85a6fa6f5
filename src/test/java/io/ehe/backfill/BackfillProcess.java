package io.ehe.backfill;

import io.ehe.testing.ChildJvm;
import io.ehe.testing.TestDatabase;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A real backfill JVM: io.ehe.backfill.BackfillMain on the test class path, output in files. */
public record BackfillProcess(Process process, Path out, Path err) {

    public static BackfillProcess start(TestDatabase db, Map<String, String> env, String... args) throws IOException {
        List<String> command = ChildJvm.command(List.of("-Xmx128m", "-XX:TieredStopAtLevel=1"), BackfillMain.class.getName(),
                concat(List.of("--url", db.urlWithCredentials()), List.of(args)));
        Path out = Files.createTempFile("backfill-out", ".txt");
        Path err = Files.createTempFile("backfill-err", ".txt");
        // Run where a Job's container runs: not in the repository.
        ProcessBuilder pb = ChildJvm.builder(command, env).redirectOutput(out.toFile()).redirectError(err.toFile())
                .directory(out.getParent().toFile());
        return new BackfillProcess(pb.start(), out, err);
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    public static BackfillProcess start(TestDatabase db, String... args) throws IOException {
        return start(db, Map.of(), args);
    }

    public int waitFor(long seconds) throws Exception {
        if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
            throw new AssertionError("backfill did not finish in " + seconds + " s; stderr:\n" + stderr());
        }
        return process.exitValue();
    }

    /** Waits (polling) until {@code condition} holds or the process ends. */
    public void awaitCondition(BooleanSupplier condition, long seconds) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!condition.getAsBoolean()) {
            if (!process.isAlive()) {
                throw new AssertionError("backfill ended before the moment to interrupt it; stderr:\n" + stderr());
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not reached in " + seconds + " s");
            }
            Thread.sleep(5);
        }
    }

    public String stdout() throws IOException {
        return Files.readString(out);
    }

    public String stderr() throws IOException {
        return Files.readString(err);
    }

    /** A value of the summary line (key=value). */
    public long summary(String key) throws IOException {
        Matcher m = Pattern.compile("backfill summary: .*\\b" + key + "=(\\d+)").matcher(stdout());
        if (!m.find()) {
            throw new AssertionError("no " + key + " in the summary; stdout:\n" + stdout() + "\nstderr:\n" + stderr());
        }
        return Long.parseLong(m.group(1));
    }

    public String summaryText(String key) throws IOException {
        Matcher m = Pattern.compile("backfill summary: .*\\b" + key + "=(\\S+)").matcher(stdout());
        if (!m.find()) {
            throw new AssertionError("no " + key + " in the summary; stdout:\n" + stdout() + "\nstderr:\n" + stderr());
        }
        return m.group(1);
    }

    public void cleanup() {
        new File(out.toString()).delete();
        new File(err.toString()).delete();
    }
}
