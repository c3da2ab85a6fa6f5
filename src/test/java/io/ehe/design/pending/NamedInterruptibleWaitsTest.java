package io.ehe.design.pending;

import io.ehe.cli.ExitCodes;
import io.ehe.testing.CliChild;
import io.ehe.testing.PartitionedSchema;
import io.ehe.testing.PostgresExtension;
import io.ehe.testing.TestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 28, case 4: the waits for transactions older than a change (the fill after targets add,
 * targets remove) name whom they wait for while they wait, end within a second of SIGINT/SIGTERM
 * with exit 7, and honour --older-transactions-wait as given.
 */
@ExtendWith(PostgresExtension.class)
class NamedInterruptibleWaitsTest {

    private static TestDatabase filled(String name) {
        TestDatabase db = AppSchema.installed(name, "m1", "m2");
        AppSchema.fill(db, 7, 2000, "m1");
        return db;
    }

    /** An open transaction that began now, as an idle-in-transaction session; returns its pid. */
    private static int openTransaction(Connection c) throws Exception {
        c.setAutoCommit(false);
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT pg_backend_pid()")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    @Test
    void theFillsWaitNamesItsBlockerAndEndsOnSigint() throws Exception {
        TestDatabase db = filled("wait_fill_sigint");
        assertThat(AppSchema.cli(db, "targets", "add", "m3", "--new-model")).isZero();
        try (Connection blocker = db.open()) {
            int pid = openTransaction(blocker);
            CliChild fill = CliChild.start(null, db, "backfill");
            fill.awaitLog("oldest still open: pid " + pid, 60);
            assertThat(fill.stderr()).contains("idle in transaction").contains("age ").contains("will wait at most");
            fill.interruptedBy("INT", 1_500);
            assertThat(fill.stderr()).contains("error: the fill stopped (signal)").contains("pid " + pid);
            blocker.rollback();
        }
        assertThat(db.queryString("SELECT state FROM event_embedding_pending_targets WHERE model = 'm3'")).isEqualTo("filling");
    }

    @Test
    void targetsRemoveWaitEndsOnSigtermAndHonoursItsTimeout() throws Exception {
        TestDatabase db = filled("wait_remove");
        try (Connection blocker = db.open()) {
            int pid = openTransaction(blocker);
            CliChild remove = CliChild.start(null, db, "targets", "remove", "m2");
            remove.awaitLog("oldest still open: pid " + pid, 60);
            remove.interruptedBy("TERM", 1_500);
            // The mark commits before the wait: the line says it stays, and what finishes it (a new-user trial read "Nothing was changed").
            assertThat(remove.stderr()).contains("error: targets remove m2 stopped (signal) while waiting")
                    .contains("m2 stays marked removing (committed before the wait)").contains("will be deleted")
                    .contains("Run 'targets remove m2' again to finish it").doesNotContain("Nothing was changed");
            assertThat(db.queryString("SELECT state FROM event_embedding_pending_targets WHERE model = 'm2'"))
                    .as("stopped before deleting: resumable").isEqualTo("removing");
            assertThat(AppSchema.cli(db, "targets", "add", "m2")).as("marked removing: add refuses it").isNotZero();
            blocker.rollback();

            openTransaction(blocker);
            long started = System.nanoTime();
            int exit = AppSchema.cli(db, "targets", "remove", "m2", "--older-transactions-wait", "2s");
            long waited = (System.nanoTime() - started) / 1_000_000;
            assertThat(exit).isEqualTo(ExitCodes.LOCK_NOT_GRANTED);
            assertThat(waited).as("--older-transactions-wait 2s, ms").isBetween(2_000L, 4_500L);
            blocker.rollback();
        }
        assertThat(AppSchema.cli(db, "targets", "remove", "m2")).isZero();
        assertThat(db.queryLong("SELECT count(*) FROM event_embedding_pending WHERE model = 'm2'")).isZero();
    }

    /**
     * configure's re-derivation waits for no older transaction of its own (the next fill does, above); its
     * waits are lock waits under --lock-timeout, for the app's transactions that hold a lock its statements
     * need (the triggers on event_embeddings, the TRUNCATE). They name the blocker, end on SIGINT with exit
     * 7 and nothing changed, and honour --lock-timeout as given.
     */
    @Test
    void configuresLockWaitNamesItsBlockerEndsOnSigintAndHonoursItsTimeout() throws Exception {
        TestDatabase db = filled("wait_configure");
        try (Connection blocker = db.open()) {
            int pid = openTransaction(blocker);
            try (Statement st = blocker.createStatement()) {
                // The app's embedding insert, left open: its locks on event_embeddings and the pending table.
                st.execute("INSERT INTO event_embeddings (event_id, embedding_model, chunk_index) SELECT id, 'm2', 0 FROM events WHERE id % 10 = 0 LIMIT 1");
            }
            CliChild configure = CliChild.start(null, db, "configure", "--semantics", "seed", "--change-question", "--lock-timeout", "1min");
            configure.awaitLog("waits for a lock held by pid " + pid, 60);
            assertThat(configure.stderr()).contains("idle in transaction").contains("age ").contains("will wait at most");
            configure.interruptedBy("INT", 1_500);
            assertThat(configure.stderr()).contains("error: configure stopped (signal)").contains("nothing was changed");
            assertThat(db.queryString("SELECT model_column FROM event_embedding_pending_semantics")).as("question kept").isNotNull();

            long started = System.nanoTime();
            int exit = AppSchema.cli(db, "configure", "--semantics", "seed", "--change-question", "--lock-timeout", "2s");
            long waited = (System.nanoTime() - started) / 1_000_000;
            assertThat(exit).isEqualTo(ExitCodes.LOCK_NOT_GRANTED);
            assertThat(waited).as("--lock-timeout 2s, ms").isBetween(2_000L, 4_500L);
            blocker.rollback();
        }
        assertThat(AppSchema.cli(db, "configure", "--semantics", "seed", "--change-question")).isZero();
        assertThat(db.queryString("SELECT model_column FROM event_embedding_pending_semantics")).isNull();
    }

    /**
     * SIGINT while migrate's configure step waits for its lock (a new-user trial read "configure stopped ...
     * run it again" after migrate): the line names migrate's step, says the changeSets applied stay applied
     * and that migrate is what to run again; exit 7 and the question as before.
     */
    @Test
    void migratesConfigureStepStoppedBySigintSaysTheChangeSetsStayAndToRunMigrateAgain() throws Exception {
        TestDatabase db = filled("wait_migrate_configure_sigint");
        String before = configuration(db);
        try (Connection blocker = db.open()) {
            int pid = openTransaction(blocker);
            try (Statement st = blocker.createStatement()) {
                st.execute("INSERT INTO event_embeddings (event_id, embedding_model, chunk_index) SELECT id, 'm2', 0 FROM events WHERE id % 10 = 0 LIMIT 1");
            }
            CliChild migrate = CliChild.start(null, db, "migrate", "--semantics", "seed", "--change-question", "--lock-timeout", "1min");
            migrate.awaitLog("migrate's configure step: replacing the triggers on events and event_embeddings (ehe_pending_apply_semantics)"
                    + " waits for a lock held by pid " + pid, 60);
            migrate.interruptedBy("INT", 1_500);
            assertThat(migrate.oneErrorLine()).contains("error: migrate's configure step stopped (signal)")
                    .contains("the changeSets applied stay applied: run migrate again").doesNotContain("run it again");
            blocker.rollback();
        }
        assertThat(configuration(db)).as("the configure step changed nothing").isEqualTo(before);
    }

    /**
     * configure's --lock-timeout running out (issue 28, a new-user trial saw PostgreSQL's raw "canceling
     * statement due to lock timeout ... ehe_pending_apply_semantics() line 60"): one line naming the step
     * that waited, the blocker (pid, role, state, ages; never its query, whose literals can be customer
     * data), that nothing was changed and what to do. Nothing was changed indeed: configure's one
     * transaction, which had already rewritten the question's row, is rolled back (the state read before
     * and after is the same).
     */
    @Test
    void configuresLockTimeoutIsOneLineNamingTheStepTheBlockerAndThatNothingChanged() throws Exception {
        assertThat(refusedConfigure("wait_configure_refused", "configure", "configure"))
                .contains("Nothing was changed (configure's one transaction was rolled back): run configure again")
                .contains("or with a longer --lock-timeout");
    }

    /** The same step run by migrate after its changeSets: the line says so, and that migrate is what to run again. */
    @Test
    void migratesConfigureStepSaysTheChangeSetsStayAndToRunMigrateAgain() throws Exception {
        assertThat(refusedConfigure("wait_migrate_configure_refused", "migrate's configure step", "migrate"))
                .contains("The configure step changed nothing (its one transaction was rolled back); the changeSets applied stay applied: "
                        + "run migrate again").contains("or with a longer --lock-timeout");
    }

    /**
     * {@code command --semantics seed --change-question --lock-timeout 3s} while the app's open transaction
     * (its query holding a literal) holds a lock the triggers' replacement needs; returns the error line
     * after checking the wait line, the blocker in both, no query literal anywhere and the state unchanged.
     */
    private static String refusedConfigure(String name, String what, String command) throws Exception {
        TestDatabase db = filled(name);
        String before = configuration(db);
        String error;
        try (Connection blocker = db.open()) {
            int pid = openTransaction(blocker);
            String role;
            try (Statement st = blocker.createStatement()) {
                st.execute("INSERT INTO event_embeddings (event_id, embedding_model, chunk_index) SELECT id, 'm2', 0 FROM events"
                        + " WHERE id % 10 = 0 AND payload_text <> 'customer-secret-literal-42' LIMIT 1");
                try (ResultSet rs = st.executeQuery("SELECT current_user")) {
                    rs.next();
                    role = rs.getString(1);
                }
            }
            CliChild run = CliChild.start(null, db, command, "--semantics", "seed", "--change-question", "--lock-timeout", "3s");
            assertThat(run.process().waitFor(60, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            String err = run.stderr();
            System.err.println("[" + command + ", lock timeout] " + err);
            assertThat(run.process().exitValue()).as(err).isEqualTo(ExitCodes.LOCK_NOT_GRANTED);
            String step = what + ": replacing the triggers on events and event_embeddings (ehe_pending_apply_semantics)";
            String blockerNamed = "pid " + pid + " (role " + role + ", idle in transaction, transaction open since";
            assertThat(err).as("the wait line names the step and the blocker's role").contains(step + " waits for a lock held by " + blockerNamed);
            error = run.oneErrorLine();
            assertThat(error).contains(step + " got no lock within --lock-timeout 3s; it waited for " + blockerNamed).contains("query started")
                    .doesNotContain("canceling statement").doesNotContain("line 60");
            assertThat(err + java.nio.file.Files.readString(run.out())).as("no line quotes the blocker's query")
                    .doesNotContain("customer-secret-literal-42");
            blocker.rollback();
        }
        assertThat(configuration(db)).as("nothing was changed").isEqualTo(before);
        return error;
    }

    /**
     * targets add's --lock-timeout running out while an app's migration (its ALTER TABLE, whose default is a
     * literal, left open) holds event_embeddings: one line naming the step, the blocker and that nothing
     * was changed (its one transaction), exit 4; the model is indeed no target and the state is as before.
     */
    @Test
    void targetsAddsLockTimeoutIsOneLineNamingTheStepTheBlockerAndThatNothingChanged() throws Exception {
        TestDatabase db = filled("wait_add_refused");
        String before = configuration(db);
        try (Connection blocker = db.open()) {
            int pid = openTransaction(blocker);
            try (Statement st = blocker.createStatement()) {
                st.execute("ALTER TABLE event_embeddings ADD COLUMN note text DEFAULT 'customer-secret-literal-42'");
            }
            CliChild run = CliChild.start(null, db, "targets", "add", "m3", "--new-model", "--lock-timeout", "3s");
            String error = refused(run, "targets add m3: looking for the model in event_embeddings", pid, role(blocker));
            assertThat(error).contains("Nothing was changed (targets add's one transaction was rolled back; m3 is not a target): run it again"
                    + " once that transaction has ended, or with a longer --lock-timeout");
            blocker.rollback();
        }
        assertThat(configuration(db)).as("nothing was changed").isEqualTo(before);
        assertThat(AppSchema.cli(db, "targets", "add", "m3", "--new-model")).isZero();
    }

    /**
     * targets remove's --lock-timeout running out on a batch of deletes while a scheduler's transaction
     * (begun after the removal's wait started, its query holding a literal) keeps a row of the model
     * locked: one line naming the step, the blocker and what stays (the mark, the batches already
     * deleted), exit 4; the table says the same, and a rerun resumes and finishes.
     */
    @Test
    void targetsRemovesLockTimeoutSaysWhatStaysDeletedAndARerunResumes() throws Exception {
        TestDatabase db = io.ehe.testing.PostgresServer.get().createDatabase("wait_remove_refused");
        AppSchema.install(db, "m1", "m2");
        db.execute("INSERT INTO events (organization_id, payload_text) SELECT 'org-' || (g % 7), 'text ' || g FROM generate_series(1, 12000) g",
                "INSERT INTO event_embeddings (event_id, embedding_model, chunk_index) SELECT id, 'm1', 0 FROM events");
        assertThat(AppSchema.cli(db, "backfill")).isZero();
        long before = db.queryLong("SELECT count(*) FROM event_embedding_pending WHERE model = 'm2'");
        assertThat(before).as("more than two batches").isGreaterThan(10_000);
        try (Connection older = db.open(); Connection scheduler = db.open()) {
            int olderPid = openTransaction(older);
            CliChild run = CliChild.start(null, db, "targets", "remove", "m2", "--lock-timeout", "3s");
            run.awaitLog("oldest still open: pid " + olderPid, 60);
            int pid = openTransaction(scheduler);
            try (Statement st = scheduler.createStatement()) {
                st.executeQuery("SELECT event_id FROM event_embedding_pending WHERE model = 'm2' AND organization_id <> 'customer-secret-literal-42'"
                        + " ORDER BY event_id DESC LIMIT 1 FOR UPDATE").close();
            }
            older.rollback();
            assertThat(run.process().waitFor(60, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            long left = db.queryLong("SELECT count(*) FROM event_embedding_pending WHERE model = 'm2'");
            long deleted = before - left;
            String error = refused(run, String.format("targets remove m2: deleting its pending rows (a batch of up to %,d after %,d deleted)",
                    5_000, deleted), pid, role(scheduler));
            assertThat(error).contains(String.format("m2 stays marked removing (the triggers no longer add its rows) and the %,d pending rows"
                    + " deleted so far stay deleted; the rest and the target remain: run it again once that transaction has ended, or with a"
                    + " longer --lock-timeout (it resumes).", deleted));
            assertThat(deleted).as("the batches committed before the refused one").isPositive();
            assertThat(left).as("the locked row's batch").isPositive();
            assertThat(db.queryString("SELECT state FROM event_embedding_pending_targets WHERE model = 'm2'")).isEqualTo("removing");
            scheduler.rollback();
        }
        assertThat(AppSchema.cli(db, "targets", "remove", "m2")).isZero();
        assertThat(db.queryLong("SELECT count(*) FROM event_embedding_pending WHERE model = 'm2'")).isZero();
        assertThat(db.queryLong("SELECT count(*) FROM event_embedding_pending_targets WHERE model = 'm2'")).isZero();
    }

    /**
     * partitions sync's --lock-timeout running out while the app's transaction (its insert, holding a
     * literal, left open) holds the partition just attached, which the sync's first step gives the
     * module's TRUNCATE trigger: one line naming the step, the blocker, that nothing was changed and the
     * set not recorded, exit 4; the triggers, pending rows and recorded set are as before, status stays
     * not ready, and a rerun syncs.
     */
    @Test
    void partitionsSyncsLockTimeoutNamesTheStepTheBlockerAndThatNothingWasRecorded() throws Exception {
        TestDatabase db = io.ehe.testing.PostgresServer.get().createDatabase("wait_sync_refused");
        PartitionedSchema schema = PartitionedSchema.create(db, PartitionedSchema.Scheme.BY_ID, true);
        for (String leaf : schema.eventLeaves()) {
            schema.eventIn(leaf, "org-1", "text");
        }
        AppSchema.installOnExisting(db, "model-a");
        assertThat(AppSchema.cli(db, "backfill")).isZero();
        db.execute("CREATE TABLE events_archive (LIKE events INCLUDING DEFAULTS INCLUDING GENERATED)",
                "ALTER TABLE events ATTACH PARTITION events_archive FOR VALUES FROM (5000000) TO (6000000)");
        String before = PartitionsSyncDryRunTest.state(db);
        try (Connection app = db.open()) {
            int pid = openTransaction(app);
            try (Statement st = app.createStatement()) {
                st.execute("INSERT INTO events (id, organization_id, payload_text) VALUES (5000001, 'org-1', 'customer-secret-literal-42')");
            }
            CliChild run = CliChild.start(null, db, "partitions", "sync", "--lock-timeout", "3s");
            String error = refused(run, "partitions sync: giving the partitions the module's TRUNCATE triggers (ehe_pending_partition_setup)",
                    pid, role(app));
            assertThat(error).contains("Nothing was changed (this step's transaction was rolled back; the partition set is not recorded,"
                    + " status stays not ready): run partitions sync again once that transaction has ended, or with a longer --lock-timeout");
            app.rollback();
        }
        assertThat(PartitionsSyncDryRunTest.state(db)).as("nothing was changed").isEqualTo(before);
        assertThat(AppSchema.cli(db, "status")).as("not recorded").isEqualTo(ExitCodes.NOT_READY);
        assertThat(AppSchema.cli(db, "partitions", "sync")).isZero();
        assertThat(AppSchema.cli(db, "status")).isZero();
    }

    private static String role(Connection c) throws Exception {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT current_user")) {
            rs.next();
            return rs.getString(1);
        }
    }

    /**
     * The run's exit 4 and its error line, after checking that the wait line and the error line name
     * {@code step} and the blocker {@code pid} (its role, state, ages) and that no output holds the
     * blocker's query literal.
     */
    private static String refused(CliChild run, String step, int pid, String role) throws Exception {
        assertThat(run.process().waitFor(60, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        String err = run.stderr();
        System.err.println("[" + step + ", lock timeout] " + err);
        assertThat(run.process().exitValue()).as(err).isEqualTo(ExitCodes.LOCK_NOT_GRANTED);
        String blockerNamed = "pid " + pid + " (role " + role + ", idle in transaction, transaction open since";
        assertThat(err).as("the wait line names the step and the blocker").contains(step + " waits for a lock held by " + blockerNamed);
        String error = run.oneErrorLine();
        assertThat(error).contains(step + " got no lock within --lock-timeout 3s; it waited for " + blockerNamed).contains("query started")
                .doesNotContain("canceling statement");
        assertThat(err + java.nio.file.Files.readString(run.out())).as("no line quotes the blocker's query")
                .doesNotContain("customer-secret-literal-42");
        return error;
    }

    /** The question's row, the targets, the pending pairs and the module's triggers and functions, as text. */
    private static String configuration(TestDatabase db) {
        return db.queryString("SELECT row_to_json(s)::text FROM event_embedding_pending_semantics s")
                + " | " + db.queryString("SELECT string_agg(model || ':' || state, ',' ORDER BY model) FROM event_embedding_pending_targets")
                + " | " + db.queryLong("SELECT count(*) FROM event_embedding_pending")
                + " | " + db.queryString("SELECT md5(string_agg(pg_get_triggerdef(oid), ';' ORDER BY tgname)) FROM pg_trigger WHERE NOT tgisinternal")
                + " | " + db.queryString("SELECT md5(string_agg(pg_get_functiondef(oid), ';' ORDER BY proname)) FROM pg_proc"
                        + " WHERE proname LIKE 'ehe_pending%' AND prokind = 'f'");
    }
}
