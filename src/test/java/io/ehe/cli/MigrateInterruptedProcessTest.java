package io.ehe.cli;

import io.ehe.migration.AdvisoryLockService;
import io.ehe.testing.ChildJvm;
import io.ehe.testing.Migrations;
import io.ehe.testing.PostgresExtension;
import io.ehe.testing.PostgresServer;
import io.ehe.testing.TestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 28 (every wait interruptible), migrate's lock waits: a real migrate process, signalled while it
 * waits, ends within a second and a half with one error line and exit 7, nothing of the changeSet it
 * waited for applied or recorded, the migration lock released; the next migrate applies everything.
 * Three waits: a DDL statement waiting for its table lock (under a long lock_timeout), the pause
 * between attempts after a refused lock, and the wait for the migration lock another runner holds.
 */
@ExtendWith(PostgresExtension.class)
class MigrateInterruptedProcessTest {

    private static final String HOLDS_MIGRATION_LOCK = "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted"
            + " AND classid = " + (AdvisoryLockService.LOCK_KEY >>> 32) + " AND objid = " + (AdvisoryLockService.LOCK_KEY & 0xffffffffL)
            + " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())";

    private record Child(Process process, Path err) {
        String stderr() throws Exception {
            return Files.readString(err);
        }
    }

    private static Child start(TestDatabase db, Path tmp, String... args) throws Exception {
        List<String> all = new ArrayList<>(List.of(args));
        all.add("--url");
        all.add(db.urlWithCredentials());
        Path out = Files.createTempFile(tmp, "out", ".txt");
        Path err = Files.createTempFile(tmp, "err", ".txt");
        Process p = ChildJvm.builder(ChildJvm.command(List.of("-Xmx128m", "-XX:TieredStopAtLevel=1"), "io.ehe.cli.Main", all), Map.of())
                .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        return new Child(p, err);
    }

    private static void awaitLog(Child child, String text) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!child.stderr().contains(text)) {
            assertThat(child.process().isAlive()).as("ended before logging '" + text + "':\n" + child.stderr()).isTrue();
            assertThat(System.nanoTime()).as("no '" + text + "' within 60 s:\n" + child.stderr()).isLessThan(deadline);
            Thread.sleep(100);
        }
    }

    /** Sends the signal; returns the milliseconds until the process ended (it must end within 10 s). */
    private static long signalAndTime(Child child, String signal) throws Exception {
        long sent = System.nanoTime();
        new ProcessBuilder("kill", "-" + signal, Long.toString(child.process().pid())).start().waitFor();
        boolean ended = child.process().waitFor(10, TimeUnit.SECONDS);
        long ms = (System.nanoTime() - sent) / 1_000_000;
        if (!ended) {
            child.process().destroyForcibly().waitFor();
        }
        assertThat(ended).as("still running 10 s after SIG" + signal + ":\n" + child.stderr()).isTrue();
        System.err.println("[migrate SIG" + signal + "] ended " + ms + " ms after the signal, exit " + child.process().exitValue());
        return ms;
    }

    /** The error line: exactly one, naming the stop; never a stack trace. */
    private static String oneErrorLine(Child child) throws Exception {
        List<String> errors = child.stderr().lines().filter(l -> l.startsWith("error: ")).toList();
        assertThat(errors).as(child.stderr()).hasSize(1);
        assertThat(child.stderr()).doesNotContain("\tat ");
        return errors.get(0);
    }

    private static void nothingOf010(TestDatabase db) {
        assertThat(db.queryLong("SELECT count(*) FROM pg_attribute WHERE attrelid = 'public.events'::regclass AND attname = 'has_embedding'"))
                .as("010's column").isZero();
        assertThat(db.queryLong("SELECT count(*) FROM databasechangelog WHERE id LIKE '0%' AND id <> '000-baseline-tables'"))
                .as("history rows of the column design").isZero();
        assertThat(db.queryLong(HOLDS_MIGRATION_LOCK)).as("the migration lock, after the process ended").isZero();
    }

    private static void theNextMigrateAppliesAll(TestDatabase db) {
        Cli.Result again = Cli.run("migrate", "--url", db.urlWithCredentials());
        assertThat(again.exit()).as(again.toString()).isZero();
        assertThat(again.out()).contains("applied   010-has-embedding-column");
    }

    @Test
    void sigintEndsADdlLockWait(@TempDir Path tmp) throws Exception {
        TestDatabase db = PostgresServer.get().createDatabase("op_sigint_ddl");
        Migrations.baselineOnly(db);
        try (Connection blocker = db.open()) {
            blocker.setAutoCommit(false);
            try (Statement st = blocker.createStatement()) {
                st.execute("LOCK TABLE public.events IN ROW EXCLUSIVE MODE");
            }
            // A long lock_timeout: 010's ALTER TABLE sits in the server's lock queue.
            Child child = start(db, tmp, "migrate", "--lock-timeout", "10min", "--max-attempts", "1");
            Cli.awaitLockWait(db, child.process(), child.err().toFile());
            long ms = signalAndTime(child, "INT");
            assertThat(child.process().exitValue()).as(child.stderr()).isEqualTo(ExitCodes.INTERRUPTED);
            assertThat(ms).as("SIGINT to exit, ms").isLessThan(1_500);
            assertThat(oneErrorLine(child)).startsWith("error: migrate stopped by a signal while a statement waited for its lock or ran (cancelled)")
                    .contains("run migrate again");
            assertThat(db.queryLong("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                    + " AND application_name = 'events-has-embedding'")).as("no session of the stopped runner left").isZero();
            nothingOf010(db);
            blocker.commit();
        }
        theNextMigrateAppliesAll(db);
    }

    @Test
    void sigtermEndsThePauseBetweenAttempts(@TempDir Path tmp) throws Exception {
        TestDatabase db = PostgresServer.get().createDatabase("op_sigterm_pause");
        Migrations.baselineOnly(db);
        try (Connection blocker = db.open()) {
            blocker.setAutoCommit(false);
            try (Statement st = blocker.createStatement()) {
                st.execute("LOCK TABLE public.events IN ROW EXCLUSIVE MODE");
            }
            Child child = start(db, tmp, "migrate", "--lock-timeout", "500ms", "--max-attempts", "5", "--retry-backoff", "60s");
            awaitLog(child, "retrying in 60000 ms");
            long ms = signalAndTime(child, "TERM");
            assertThat(child.process().exitValue()).as(child.stderr()).isEqualTo(ExitCodes.INTERRUPTED);
            assertThat(ms).as("SIGTERM to exit, ms").isLessThan(1_500);
            assertThat(oneErrorLine(child)).startsWith("error: migrate stopped by a signal while it paused before retrying a refused lock");
            nothingOf010(db);
            blocker.commit();
        }
        theNextMigrateAppliesAll(db);
    }

    @Test
    void sigintEndsTheWaitForTheMigrationLock(@TempDir Path tmp) throws Exception {
        TestDatabase db = PostgresServer.get().createDatabase("op_sigint_migration_lock");
        Migrations.baselineOnly(db);
        try (Connection holder = db.open(); Statement st = holder.createStatement()) {
            st.execute("SELECT pg_advisory_lock(" + AdvisoryLockService.LOCK_KEY + ")");
            Child child = start(db, tmp, "migrate");
            awaitLog(child, "waiting for the migration lock, held by pid");
            long ms = signalAndTime(child, "INT");
            assertThat(child.process().exitValue()).as(child.stderr()).isEqualTo(ExitCodes.INTERRUPTED);
            assertThat(ms).as("SIGINT to exit, ms").isLessThan(1_500);
            assertThat(oneErrorLine(child)).startsWith("error: migrate stopped by a signal while it waited for the migration lock");
            assertThat(db.queryLong("SELECT count(*) FROM pg_attribute WHERE attrelid = 'public.events'::regclass AND attname = 'has_embedding'"))
                    .isZero();
            st.execute("SELECT pg_advisory_unlock(" + AdvisoryLockService.LOCK_KEY + ")");
        }
        nothingOf010(db);
        theNextMigrateAppliesAll(db);
    }
}
