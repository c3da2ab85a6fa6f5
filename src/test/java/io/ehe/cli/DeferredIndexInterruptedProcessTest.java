package io.ehe.cli;

import io.ehe.testing.ChildJvm;
import io.ehe.testing.DataSet;
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
 * Issue 28 (every wait interruptible), the two changeSets that run outside a transaction (040's CREATE
 * INDEX CONCURRENTLY, 050's NOT NULL steps): a real process signalled half way, while 040's build (or
 * its rollback's DROP INDEX CONCURRENTLY) has already marked the index in the catalog and waits for an
 * app transaction, leaves an INVALID index behind. Running the same command again finishes: no INVALID
 * index left, each changeSet recorded once (or not at all after the rollback), status ready.
 */
@ExtendWith(PostgresExtension.class)
class DeferredIndexInterruptedProcessTest {

    private static final String INDEX = "idx_events_pending_embedding";
    private static final String INVALID = "SELECT count(*) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid"
            + " WHERE i.indrelid = 'public.events'::regclass AND NOT (i.indisvalid AND i.indisready)";
    private static final String WAITING = "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            + " AND application_name = 'events-has-embedding' AND wait_event_type = 'Lock' AND wait_event = 'virtualxid'";

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

    /** Until the runner's session waits for the app's transaction (a virtualxid: CONCURRENTLY's wait for older transactions). */
    private static void awaitConcurrentlyWaiting(TestDatabase db, Child child) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (db.queryLong(WAITING) == 0) {
            assertThat(child.process().isAlive()).as("ended before the wait:\n" + child.stderr()).isTrue();
            assertThat(System.nanoTime()).as("never waited:\n" + child.stderr()).isLessThan(deadline);
            Thread.sleep(100);
        }
    }

    private static void signalAndAwait(Child child, String signal) throws Exception {
        new ProcessBuilder("kill", "-" + signal, Long.toString(child.process().pid())).start().waitFor();
        boolean ended = child.process().waitFor(10, TimeUnit.SECONDS);
        if (!ended) {
            child.process().destroyForcibly().waitFor();
        }
        assertThat(ended).as("still running 10 s after SIG" + signal + ":\n" + child.stderr()).isTrue();
        assertThat(child.process().exitValue()).as(child.stderr()).isEqualTo(ExitCodes.INTERRUPTED);
        assertThat(child.stderr().lines().filter(l -> l.startsWith("error: ")).count()).as(child.stderr()).isOne();
    }

    private static long recorded(TestDatabase db, String id) {
        return db.queryLong("SELECT count(*) FROM databasechangelog WHERE id = '" + id + "'");
    }

    /** The column design installed and backfilled: 040 and 050 are what the next migrate applies. */
    private static TestDatabase backfilled(String name) {
        TestDatabase db = PostgresServer.get().createDatabase(name);
        Migrations.baselineOnly(db);
        DataSet.ofSize(2_000).load(db);
        Cli.Result migrated = Cli.run("migrate", "--url", db.urlWithCredentials());
        assertThat(migrated.exit()).as(migrated.toString()).isZero();
        Cli.Result backfill = Cli.run("backfill", "--url", db.urlWithCredentials());
        assertThat(backfill.exit()).as(backfill.toString()).isZero();
        assertThat(recorded(db, "040-pending-embedding-index")).isZero();
        return db;
    }

    /** An app transaction left open after touching events: CONCURRENTLY waits for it. */
    private static Connection openAppTransaction(TestDatabase db) throws Exception {
        return db.begin("UPDATE public.events SET title = title WHERE id = (SELECT min(id) FROM public.events)");
    }

    private static void readyAndComplete(TestDatabase db) {
        assertThat(db.queryLong(INVALID)).as("INVALID index left").isZero();
        assertThat(db.queryLong("SELECT count(*) FROM pg_class WHERE relname = '" + INDEX + "'")).isOne();
        assertThat(recorded(db, "040-pending-embedding-index")).isOne();
        assertThat(recorded(db, "050-has-embedding-not-null")).isOne();
        assertThat(db.queryString("SELECT attnotnull::text FROM pg_attribute WHERE attrelid = 'public.events'::regclass AND attname = 'has_embedding'"))
                .isEqualTo("true");
        Cli.Result status = Cli.run("status", "--url", db.urlWithCredentials());
        assertThat(status.exit()).as(status.toString()).isZero();
    }

    @Test
    void migrateStoppedWhile040BuildsIsFinishedByTheNextMigrate(@TempDir Path tmp) throws Exception {
        TestDatabase db = backfilled("cic_sigint_migrate");
        try (Connection blocker = openAppTransaction(db)) {
            Child child = start(db, tmp, "migrate", "--max-attempts", "1");
            awaitConcurrentlyWaiting(db, child);
            assertThat(db.queryLong(INVALID)).as("half way: the build's INVALID index is in the catalog").isOne();
            signalAndAwait(child, "INT");
            assertThat(db.queryLong(INVALID)).as("left by the cancelled build").isOne();
            assertThat(recorded(db, "040-pending-embedding-index")).isZero();
            assertThat(recorded(db, "050-has-embedding-not-null")).isZero();
            blocker.rollback();
        }
        Cli.Result again = Cli.run("migrate", "--url", db.urlWithCredentials());
        assertThat(again.exit()).as(again.toString()).isZero();
        assertThat(again.out()).contains("applied   040-pending-embedding-index").contains("applied   050-has-embedding-not-null");
        readyAndComplete(db);
    }

    @Test
    void rollbackStoppedWhile040DropsItsIndexIsFinishedByTheCommandItNames(@TempDir Path tmp) throws Exception {
        TestDatabase db = backfilled("cic_sigterm_rollback");
        Child stopped = halfRolledBack040(db, tmp);
        String line = stopped.stderr().lines().filter(l -> l.startsWith("error: ")).findFirst().orElseThrow();
        assertThat(line).contains("to finish, run rollback ");
        String named = line.substring(line.indexOf("to finish, run ") + "to finish, run ".length()).replaceFirst(" \\(.*$", "").strip();
        List<String> args = new ArrayList<>(List.of(named.split(" ")));
        args.add("--url");
        args.add(db.urlWithCredentials());
        Cli.Result again = Cli.run(args.toArray(String[]::new));
        assertThat(again.exit()).as(named + "\n" + again).isZero();
        assertThat(recorded(db, "040-pending-embedding-index")).isZero();
        assertThat(db.queryLong("SELECT count(*) FROM pg_class WHERE relname = '" + INDEX + "'")).as("index dropped").isZero();
        assertThat(db.queryLong(INVALID)).isZero();
        // And forward again: both deferred changeSets apply once more.
        assertThat(Cli.run("migrate", "--url", db.urlWithCredentials()).exit()).isZero();
        readyAndComplete(db);
    }

    /** 050 rolled back, then 040's rollback stopped while its DROP INDEX CONCURRENTLY waits: the index INVALID, 040 recorded. */
    private static Child halfRolledBack040(TestDatabase db, Path tmp) throws Exception {
        assertThat(Cli.run("migrate", "--url", db.urlWithCredentials()).exit()).isZero();
        readyAndComplete(db);
        Cli.Result undo050 = Cli.run("rollback", "--count", "1", "--url", db.urlWithCredentials());
        assertThat(undo050.exit()).as(undo050.toString()).isZero();
        assertThat(recorded(db, "050-has-embedding-not-null")).isZero();
        try (Connection blocker = openAppTransaction(db)) {
            Child child = start(db, tmp, "rollback", "--count", "1", "--max-attempts", "1");
            awaitConcurrentlyWaiting(db, child);
            signalAndAwait(child, "TERM");
            assertThat(recorded(db, "040-pending-embedding-index")).as("its rollback did not finish: still recorded").isOne();
            assertThat(db.queryLong(INVALID)).as("marked invalid by the stopped DROP INDEX CONCURRENTLY").isOne();
            blocker.rollback();
            return child;
        }
    }

    /**
     * Found by this test: a migrate after such a stop saw 040 recorded and left the INVALID index for good
     * (exit 0, status not ready, "the next migrate drops and rebuilds it" untrue). Now migrate forgets 040's
     * row while its index is INVALID, and 040 rebuilds it.
     */
    @Test
    void migrateAfterA040RollbackStoppedHalfWayRebuildsTheIndex(@TempDir Path tmp) throws Exception {
        TestDatabase db = backfilled("cic_half_rollback_migrate");
        halfRolledBack040(db, tmp);
        Cli.Result migrate = Cli.run("migrate", "--url", db.urlWithCredentials());
        assertThat(migrate.exit()).as(migrate.toString()).isZero();
        assertThat(migrate.out()).contains("applied   040-pending-embedding-index");
        readyAndComplete(db);
    }
}
