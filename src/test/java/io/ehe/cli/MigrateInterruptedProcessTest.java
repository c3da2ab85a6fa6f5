package io.ehe.cli;

import io.ehe.migration.AdvisoryLockService;
import io.ehe.testing.CliChild;
import io.ehe.testing.Migrations;
import io.ehe.testing.PostgresExtension;
import io.ehe.testing.PostgresServer;
import io.ehe.testing.TestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;

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

    private static void nothingOf010(TestDatabase db) {
        assertThat(db.queryLong("SELECT count(*) FROM pg_attribute WHERE attrelid = 'public.events'::regclass AND attname = 'has_embedding'"))
                .as("010's column").isZero();
        assertThat(db.queryLong("SELECT count(*) FROM databasechangelog WHERE id LIKE '0%' AND id <> '000-baseline-tables'"))
                .as("history rows of the column design").isZero();
        assertThat(db.queryLong(Cli.HOLDS_MIGRATION_LOCK)).as("the migration lock, after the process ended").isZero();
    }

    private static void theNextMigrateAppliesAll(TestDatabase db) {
        Cli.Result again = Cli.run("migrate", "--url", db.urlWithCredentials());
        assertThat(again.exit()).as(again.toString()).isZero();
        assertThat(again.out()).contains("applied   010-has-embedding-column");
    }

    /** What a test does with a migrate process while an app transaction holds events. */
    private interface WhileLocked {
        void run(TestDatabase db) throws Exception;
    }

    private static TestDatabase baselineOnly(String name) {
        TestDatabase db = PostgresServer.get().createDatabase(name);
        Migrations.baselineOnly(db);
        return db;
    }

    /**
     * {@code stopped} on a new baseline-only database while an app transaction holds events (ROW
     * EXCLUSIVE, as its writes do, which 010's ALTER TABLE waits for); then nothing of 010 is applied,
     * and once that transaction ends the next migrate applies everything.
     */
    private static void stoppedWhileEventsAreLocked(String name, WhileLocked stopped) throws Exception {
        TestDatabase db = baselineOnly(name);
        try (Connection blocker = db.begin("LOCK TABLE public.events IN ROW EXCLUSIVE MODE")) {
            stopped.run(db);
            nothingOf010(db);
            blocker.commit();
        }
        theNextMigrateAppliesAll(db);
    }

    @Test
    void sigintEndsADdlLockWait(@TempDir Path tmp) throws Exception {
        stoppedWhileEventsAreLocked("op_sigint_ddl", db -> {
            // A long lock_timeout: 010's ALTER TABLE sits in the server's lock queue.
            CliChild child = CliChild.start(tmp, db, "migrate", "--lock-timeout", "10min", "--max-attempts", "1");
            Cli.awaitLockWait(db, child.process(), child.err().toFile());
            child.interruptedBy("INT", 1_500);
            assertThat(child.oneErrorLine()).startsWith("error: migrate stopped by a signal while a statement waited for its lock or ran (cancelled)")
                    .contains("run migrate again");
            assertThat(db.queryLong("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                    + " AND application_name = 'events-has-embedding'")).as("no session of the stopped runner left").isZero();
        });
    }

    @Test
    void sigtermEndsThePauseBetweenAttempts(@TempDir Path tmp) throws Exception {
        stoppedWhileEventsAreLocked("op_sigterm_pause", db -> {
            CliChild child = CliChild.start(tmp, db, "migrate", "--lock-timeout", "500ms", "--max-attempts", "5", "--retry-backoff", "60s");
            child.awaitLog("retrying in 60000 ms", 60);
            child.interruptedBy("TERM", 1_500);
            assertThat(child.oneErrorLine()).startsWith("error: migrate stopped by a signal while it paused before retrying a refused lock");
        });
    }

    @Test
    void sigintEndsTheWaitForTheMigrationLock(@TempDir Path tmp) throws Exception {
        TestDatabase db = baselineOnly("op_sigint_migration_lock");
        try (Connection holder = db.open(); Statement st = holder.createStatement()) {
            st.execute("SELECT pg_advisory_lock(" + AdvisoryLockService.LOCK_KEY + ")");
            CliChild child = CliChild.start(tmp, db, "migrate");
            child.awaitLog("waiting for the migration lock, held by pid", 60);
            child.interruptedBy("INT", 1_500);
            assertThat(child.oneErrorLine()).startsWith("error: migrate stopped by a signal while it waited for the migration lock");
            assertThat(db.queryLong("SELECT count(*) FROM pg_attribute WHERE attrelid = 'public.events'::regclass AND attname = 'has_embedding'"))
                    .isZero();
            st.execute("SELECT pg_advisory_unlock(" + AdvisoryLockService.LOCK_KEY + ")");
        }
        nothingOf010(db);
        theNextMigrateAppliesAll(db);
    }
}
