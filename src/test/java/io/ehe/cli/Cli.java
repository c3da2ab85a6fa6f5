package io.ehe.cli;

import io.ehe.testing.ChildJvm;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/** Runs the real command line, in this JVM (stdout/stderr captured) or as a separate java process. */
final class Cli {

    record Result(int exit, String out, String err) {
        String all() {
            return out + err;
        }

        List<String> errLines() {
            return Arrays.stream(err.split("\\R")).filter(l -> !l.isBlank()).toList();
        }

        @Override
        public String toString() {
            return "exit " + exit + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    /** 1 while some session of this database holds the runner's migration lock (AdvisoryLockService), else 0. */
    static final String HOLDS_MIGRATION_LOCK = "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted"
            + " AND classid = " + (io.ehe.migration.AdvisoryLockService.LOCK_KEY >>> 32)
            + " AND objid = " + (io.ehe.migration.AdvisoryLockService.LOCK_KEY & 0xffffffffL)
            + " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())";

    private Cli() {
    }

    /** In-process: Main.run with System.out/err swapped, so logback's console output is captured too. */
    static synchronized Result run(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
             PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            System.setOut(o);
            System.setErr(e);
            exit = Main.run(args);
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
        Result r = new Result(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        oldErr.println("[cli] " + String.join(" ", args).replaceAll("password=[^& ]*", "password=****") + " -> " + exit);
        return r;
    }

    /** A separate JVM running io.ehe.cli.Main with this test's classpath. */
    static Process start(List<String> args, java.io.File out, java.io.File err) throws IOException {
        return start(args, java.util.Map.of(), out, err);
    }

    static Process start(List<String> args, java.util.Map<String, String> env, java.io.File out, java.io.File err) throws IOException {
        ProcessBuilder pb = ChildJvm.builder(ChildJvm.command(List.of(), "io.ehe.cli.Main", args), env).redirectOutput(out).redirectError(err);
        return pb.start();
    }

    /**
     * Returns once the child (a separate JVM of this module, application_name events-has-embedding) waits for
     * a lock; fails the test when it exits first or has not within a minute.
     */
    static void awaitLockWait(io.ehe.testing.TestDatabase db, Process child, java.io.File err) throws Exception {
        long deadline = System.currentTimeMillis() + 60_000;
        while (db.queryLong("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                + " AND application_name = 'events-has-embedding' AND wait_event_type = 'Lock'") == 0) {
            org.assertj.core.api.Assertions.assertThat(child.isAlive()).as("child exited early: " + java.nio.file.Files.readString(err.toPath())).isTrue();
            org.assertj.core.api.Assertions.assertThat(System.currentTimeMillis()).as("child never reached the lock wait").isLessThan(deadline);
            Thread.sleep(100);
        }
    }
}
