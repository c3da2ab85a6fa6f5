package io.ehe.design.pending;

import io.ehe.cli.ExitCodes;
import io.ehe.testing.CliChild;
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
            assertThat(db.queryString("SELECT state FROM event_embedding_pending_targets WHERE model = 'm2'"))
                    .as("stopped before deleting: resumable").isEqualTo("removing");
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
}
