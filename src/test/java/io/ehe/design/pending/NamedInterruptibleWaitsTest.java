package io.ehe.design.pending;

import io.ehe.cli.ExitCodes;
import io.ehe.testing.ChildJvm;
import io.ehe.testing.PostgresExtension;
import io.ehe.testing.PostgresServer;
import io.ehe.testing.TestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 28, case 4: the waits for transactions older than a change (the fill after targets add,
 * targets remove) name whom they wait for while they wait, end within a second of SIGINT/SIGTERM
 * with exit 7, and honour --older-transactions-wait as given.
 */
@ExtendWith(PostgresExtension.class)
class NamedInterruptibleWaitsTest {

    private static TestDatabase filled(String name) {
        TestDatabase db = PostgresServer.get().createDatabase(name);
        AppSchema.install(db, "m1", "m2");
        db.execute("INSERT INTO events (organization_id, payload_text) SELECT 'org-' || (g % 7), 'text ' || g FROM generate_series(1, 2000) g",
                "INSERT INTO event_embeddings (event_id, embedding_model, chunk_index) SELECT id, 'm1', 0 FROM events WHERE id % 10 <> 0");
        assertThat(AppSchema.cli(db, "backfill")).isZero();
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

    private record Child(Process process, Path err, Path out) {
        String stderr() throws Exception {
            return Files.readString(err);
        }
    }

    private static Child start(TestDatabase db, String... args) throws Exception {
        List<String> all = new ArrayList<>(List.of(args));
        all.add("--url=" + db.urlWithCredentials());
        Path out = Files.createTempFile("wait-out", ".txt");
        Path err = Files.createTempFile("wait-err", ".txt");
        Process p = ChildJvm.builder(ChildJvm.command(List.of("-Xmx128m", "-XX:TieredStopAtLevel=1"), "io.ehe.cli.Main", all), Map.of())
                .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        return new Child(p, err, out);
    }

    private static void awaitLog(Child child, String text, long seconds) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < deadline) {
            if (child.stderr().contains(text)) {
                return;
            }
            assertThat(child.process().isAlive()).as("ended before logging '" + text + "':\n" + child.stderr()).isTrue();
            Thread.sleep(100);
        }
        child.process().destroyForcibly();
        throw new AssertionError("no '" + text + "' within " + seconds + " s:\n" + child.stderr());
    }

    /** Sends the signal and returns the milliseconds until the process ended (it must end within 10 s). */
    private static long signalAndTime(Child child, String signal) throws Exception {
        long sent = System.nanoTime();
        new ProcessBuilder("kill", "-" + signal, Long.toString(child.process().pid())).start().waitFor();
        boolean ended = child.process().waitFor(10, TimeUnit.SECONDS);
        long ms = (System.nanoTime() - sent) / 1_000_000;
        if (!ended) {
            child.process().destroyForcibly().waitFor();
        }
        assertThat(ended).as("still running 10 s after SIG" + signal + ":\n" + child.stderr()).isTrue();
        return ms;
    }

    @Test
    void theFillsWaitNamesItsBlockerAndEndsOnSigint() throws Exception {
        TestDatabase db = filled("wait_fill_sigint");
        assertThat(AppSchema.cli(db, "targets", "add", "m3", "--new-model")).isZero();
        try (Connection blocker = db.open()) {
            int pid = openTransaction(blocker);
            Child fill = start(db, "backfill");
            awaitLog(fill, "oldest still open: pid " + pid, 60);
            assertThat(fill.stderr()).contains("idle in transaction").contains("age ").contains("will wait at most");
            long ms = signalAndTime(fill, "INT");
            assertThat(fill.process().exitValue()).as(fill.stderr()).isEqualTo(ExitCodes.INTERRUPTED);
            assertThat(ms).as("SIGINT to exit, ms").isLessThan(1_500);
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
            Child remove = start(db, "targets", "remove", "m2");
            awaitLog(remove, "oldest still open: pid " + pid, 60);
            long ms = signalAndTime(remove, "TERM");
            assertThat(remove.process().exitValue()).as(remove.stderr()).isEqualTo(ExitCodes.INTERRUPTED);
            assertThat(ms).as("SIGTERM to exit, ms").isLessThan(1_500);
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
            Child configure = start(db, "configure", "--semantics", "seed", "--change-question", "--lock-timeout", "1min");
            awaitLog(configure, "waits for a lock held by pid " + pid, 60);
            assertThat(configure.stderr()).contains("idle in transaction").contains("age ").contains("will wait at most");
            long ms = signalAndTime(configure, "INT");
            assertThat(configure.process().exitValue()).as(configure.stderr()).isEqualTo(ExitCodes.INTERRUPTED);
            assertThat(ms).as("SIGINT to exit, ms").isLessThan(1_500);
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
