package io.ehe.cli;

import io.ehe.migration.AdvisoryLockService;
import io.ehe.migration.Interruption;
import io.ehe.migration.MigrationInterruptedException;
import io.ehe.migration.RollbackTarget;
import io.ehe.migration.Rollbacker;
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
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Issue 28 (every wait interruptible), rollback's lock waits, as MigrateInterruptedProcessTest does for
 * migrate: a real rollback process, signalled while it waits, ends at once with one error line and exit
 * 7. Each starts from 010, 020 and 030 applied and asks rollback --count 3: 030's rollback commits, then
 * the signal comes while 020's waits, so the test sees that a changeSet rolled back before the signal
 * stays rolled back, the one in flight stays applied and recorded whole (020's four DROP TRIGGERs that
 * ran before the wait are undone), and no further changeSet (010) was started. Three waits: a statement
 * waiting for its lock (under a long lock_timeout), the pause between attempts after a refused lock, and
 * the wait for the migration lock another runner holds. The command the error line names then finishes.
 */
@ExtendWith(PostgresExtension.class)
class RollbackInterruptedProcessTest {

    /** --count 3 from 010, 020, 030 keeps the baseline: what the error line must name instead of the same --count. */
    private static final String TO_FINISH = "to finish, run rollback --to-changeset 000-baseline-tables";

    private static TestDatabase withColumnDesignUpTo030(String name) {
        TestDatabase db = PostgresServer.get().createDatabase(name);
        Migrations.baselineOnly(db);
        Cli.Result migrated = Cli.run("migrate", "--url", db.urlWithCredentials(), "--count", "3");
        assertThat(migrated.exit()).as(migrated.toString()).isZero();
        assertThat(recorded(db)).containsExactly("000-baseline-tables", "010-has-embedding-column", "020-has-embedding-triggers",
                "030-backfill-progress");
        return db;
    }

    private static List<String> recorded(TestDatabase db) {
        return db.queryStrings("SELECT id FROM public.databasechangelog ORDER BY orderexecuted");
    }

    private static long triggersOf020(TestDatabase db) {
        return db.queryLong("SELECT count(*) FROM pg_trigger WHERE tgrelid = 'public.event_embeddings'::regclass"
                + " AND tgname LIKE 'trg_event_embeddings_has_embedding_%'");
    }

    private static long columnOf010(TestDatabase db) {
        return db.queryLong("SELECT count(*) FROM pg_attribute WHERE attrelid = 'public.events'::regclass AND attname = 'has_embedding'"
                + " AND NOT attisdropped");
    }

    private static long tableOf030(TestDatabase db) {
        return db.queryLong("SELECT count(*) FROM pg_class WHERE oid = to_regclass('public.events_has_embedding_backfill')");
    }

    /** 030 rolled back (before the signal), 020 and 010 applied and recorded, whole; nothing of the stopped runner left. */
    private static void stoppedAt020(TestDatabase db) {
        assertThat(recorded(db)).as("history after the stop")
                .containsExactly("000-baseline-tables", "010-has-embedding-column", "020-has-embedding-triggers");
        assertThat(tableOf030(db)).as("030's table, rolled back before the signal").isZero();
        assertThat(triggersOf020(db)).as("020's triggers: its rollback in flight is undone whole").isEqualTo(4);
        assertThat(db.queryLong("SELECT count(*) FROM pg_proc WHERE proname LIKE 'ehe_has_embedding_after_%'")).as("020's functions").isEqualTo(4);
        assertThat(columnOf010(db)).as("010's column: its rollback never started").isEqualTo(1);
        assertThat(db.queryLong(Cli.HOLDS_MIGRATION_LOCK)).as("the migration lock, after the process ended").isZero();
        assertThat(db.queryLong("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                + " AND application_name = 'events-has-embedding'")).as("no session of the stopped runner left").isZero();
    }

    /** The command the error line names finishes the rollback the operator asked for, and no more. */
    private static void theNamedCommandFinishes(TestDatabase db) {
        Cli.Result again = Cli.run("rollback", "--to-changeset", "000-baseline-tables", "--url", db.urlWithCredentials());
        assertThat(again.exit()).as(again.toString()).isZero();
        assertThat(again.out()).contains("rolled back  020-has-embedding-triggers").contains("rolled back  010-has-embedding-column");
        assertThat(recorded(db)).containsExactly("000-baseline-tables");
        assertThat(triggersOf020(db) + columnOf010(db)).isZero();
    }

    /** What a test does with a rollback process while another transaction holds what 020's rollback needs. */
    private interface WhileBlocked {
        void run(TestDatabase db) throws Exception;
    }

    /**
     * {@code stopped} on a new database up to 030 while a transaction that ran {@code blocking} holds
     * what 020's rollback needs; then the rollback stopped at 020 ({@link #stoppedAt020}), and once that
     * transaction ends the command the error line names finishes.
     */
    private static void stoppedAt020While(String name, String blocking, WhileBlocked stopped) throws Exception {
        TestDatabase db = withColumnDesignUpTo030(name);
        try (Connection blocker = db.begin(blocking)) {
            stopped.run(db);
            stoppedAt020(db);
            blocker.rollback();
        }
        theNamedCommandFinishes(db);
    }

    @Test
    void sigintEndsAStatementsLockWaitAndUndoesItsChangeSetWhole(@TempDir Path tmp) throws Exception {
        // COMMENT ON holds SHARE UPDATE EXCLUSIVE on the function until commit: 020's rollback drops its four
        // triggers, then its DROP FUNCTION (ACCESS EXCLUSIVE on the function) waits in the middle of the changeSet.
        stoppedAt020While("rb_sigint_ddl", "COMMENT ON FUNCTION public.ehe_has_embedding_after_insert() IS 'held by the test'", db -> {
            CliChild child = CliChild.start(tmp, db, "rollback", "--count", "3", "--lock-timeout", "10min", "--max-attempts", "1");
            Cli.awaitLockWait(db, child.process(), child.err().toFile());
            assertThat(db.queryString("SELECT string_agg(wait_event, ',') FROM pg_stat_activity WHERE datname = current_database()"
                    + " AND application_name = 'events-has-embedding' AND wait_event_type = 'Lock'")).as("020's DROP FUNCTION waits").isEqualTo("object");
            child.interruptedBy("INT", 1_000);
            assertThat(child.oneErrorLine()).startsWith("error: rollback stopped by a signal while a statement waited for its lock or ran (cancelled)")
                    .contains("stays applied and recorded, whole").contains(TO_FINISH);
        });
    }

    @Test
    void sigtermEndsThePauseBetweenAttempts(@TempDir Path tmp) throws Exception {
        // While event_embeddings is held ROW EXCLUSIVE, 020's DROP TRIGGER is refused.
        stoppedAt020While("rb_sigterm_pause", "LOCK TABLE public.event_embeddings IN ROW EXCLUSIVE MODE", db -> {
            CliChild child = CliChild.start(tmp, db, "rollback", "--count", "3", "--lock-timeout", "500ms", "--max-attempts", "5", "--retry-backoff", "60s");
            child.awaitLog("retrying in 60000 ms", 60);
            child.interruptedBy("TERM", 1_000);
            assertThat(child.oneErrorLine()).startsWith("error: rollback stopped by a signal while it paused before retrying a refused lock")
                    .contains(TO_FINISH);
        });
    }

    @Test
    void sigintEndsTheWaitForTheMigrationLock(@TempDir Path tmp) throws Exception {
        TestDatabase db = withColumnDesignUpTo030("rb_sigint_migration_lock");
        try (Connection holder = db.open(); Statement st = holder.createStatement()) {
            st.execute("SELECT pg_advisory_lock(" + AdvisoryLockService.LOCK_KEY + ")");
            CliChild child = CliChild.start(tmp, db, "rollback", "--to-changeset", "000-baseline-tables");
            child.awaitLog("waiting for the migration lock, held by pid", 60);
            child.interruptedBy("INT", 1_000);
            assertThat(child.oneErrorLine()).startsWith("error: rollback stopped by a signal while it waited for the migration lock")
                    .contains("run the same rollback again to finish");
            st.execute("SELECT pg_advisory_unlock(" + AdvisoryLockService.LOCK_KEY + ")");
        }
        assertThat(recorded(db)).as("nothing rolled back").hasSize(4);
        assertThat(tableOf030(db)).isEqualTo(1);
        assertThat(db.queryLong(Cli.HOLDS_MIGRATION_LOCK)).isZero();
        theNamedCommandFinishes(db);
    }

    /**
     * In process, the signal that reaches no statement (it came between two changeSets): asked before the
     * rollback starts, it starts no changeSet's rollback (AtomicChangeSetDatabase checks before each).
     */
    @Test
    void aStopBetweenChangeSetsStartsNoFurtherRollback() throws Exception {
        TestDatabase db = withColumnDesignUpTo030("rb_stop_between");
        Interruption interruption = new Interruption();
        Rollbacker rollbacker = new Rollbacker(db.connections(), Migrations.settings(false));
        // Bound on another thread: a request interrupts the bound thread, and pgjdbc opens no connection from
        // an interrupted one; this test's thread must reach the first changeSet's rollback with the flag set.
        Thread binder = new Thread(() -> rollbacker.interruptibleBy(interruption));
        binder.start();
        binder.join();
        interruption.request();
        assertThatThrownBy(() -> rollbacker.rollback(new RollbackTarget.Count(3)))
                .isInstanceOf(MigrationInterruptedException.class)
                .hasMessageStartingWith("rollback stopped by a signal between two changeSets")
                .hasMessageContaining(TO_FINISH);
        assertThat(recorded(db)).as("nothing rolled back").hasSize(4);
        assertThat(tableOf030(db)).isEqualTo(1);
    }
}
