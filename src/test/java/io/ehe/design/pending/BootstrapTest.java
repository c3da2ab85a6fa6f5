package io.ehe.design.pending;

import io.ehe.backfill.BackfillKillTest;
import io.ehe.backfill.BackfillProcess;
import io.ehe.cli.Main;
import io.ehe.catalog.Design;
import io.ehe.testing.DataSet;
import io.ehe.testing.Migrations;
import io.ehe.testing.PostgresExtension;
import io.ehe.testing.TestDatabase;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.sql.Connection;
import java.sql.Statement;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static io.ehe.design.pending.PendingInvariant.assertExact;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The bootstrap on a production-shaped database whose events existed before the pending-table
 * triggers: it fills exactly the missing rows, writes nothing else, races live writers safely and
 * resumes after a kill.
 */
@ExtendWith(PostgresExtension.class)
class BootstrapTest {

    static final String PROGRESS = Design.PENDING_TABLE.progressTable();
    static TestDatabase db;

    @BeforeAll
    static void load() {
        Migrations.baselineOnly(db);
        DataSet.ofSize(30_000).load(db);
        Migrations.migrate(db, false, Design.PENDING_TABLE);
    }

    /** Back to "just migrated": no row for the old events, no progress. */
    @BeforeEach
    void reset() {
        db.execute("TRUNCATE event_embedding_pending, " + PROGRESS, "UPDATE event_embedding_pending_targets SET state = 'filling', ready_at = NULL");
    }

    static int cli(String... args) {
        String[] all = new String[args.length + 2];
        System.arraycopy(args, 0, all, 0, args.length);
        all[args.length] = "--url";
        all[args.length + 1] = db.urlWithCredentials();
        return Main.run(all);
    }

    @Test
    void fillsExactlyThePendingEventsAndWritesNothingElse() {
        assertThat(PendingInvariant.missing(db)).as("old events are missing before the bootstrap").isPositive();
        // A witness that counts every row any statement updates in events (the statistics views lag).
        db.execute("CREATE TABLE zz_updates (n bigint)",
                "CREATE FUNCTION zz_count_updates() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO zz_updates VALUES (1); RETURN NULL; END $$",
                "CREATE TRIGGER zz_count_updates AFTER UPDATE ON events FOR EACH ROW EXECUTE FUNCTION zz_count_updates()");
        try {
            assertThat(cli("status")).isEqualTo(5);
            assertThat(cli("backfill", "--batch-size", "2000")).isEqualTo(0);
            assertExact(db);
            assertThat(cli("verify")).isEqualTo(0);
            assertThat(cli("status")).isEqualTo(0);
            assertThat(db.queryLong("SELECT count(*) FROM zz_updates")).as("rows of events updated").isZero();
        } finally {
            db.execute("DROP TRIGGER zz_count_updates ON events", "DROP FUNCTION zz_count_updates()", "DROP TABLE zz_updates");
        }
        // A second run finds the plan done and changes nothing.
        assertThat(cli("backfill")).isEqualTo(0);
        assertExact(db);
    }

    @Test
    void anEmbeddingCommittedWhileTheBootstrapWaitsLeavesNoStaleRow() throws Exception {
        long candidate = db.queryLong("""
                SELECT max(e.id) FROM events e WHERE e.payload_text <> ''
                   AND NOT EXISTS (SELECT 1 FROM event_embeddings x WHERE x.event_id = e.id)""");
        ExecutorService bootstrap = Executors.newSingleThreadExecutor();
        try (Connection app = db.open()) {
            app.setAutoCommit(false);
            try (Statement st = app.createStatement()) {
                st.execute("INSERT INTO event_embeddings (event_id) VALUES (" + candidate + ")");
            }
            // The fill must not decide the candidate while our insert is open: it waits for transactions
            // older than itself before it walks, and a writer's advisory key holds it back after that.
            Future<Integer> run = bootstrap.submit(() -> cli("backfill", "--batch-size", "5000", "--lock-timeout", "20s"));
            Thread.sleep(1_500);
            assertThat(run.isDone()).as("the fill finished while an embedding insert older than it was open").isFalse();
            assertThat(PendingInvariant.pending(db, candidate)).isFalse();
            app.commit();
            assertThat(run.get(60, TimeUnit.SECONDS)).isEqualTo(0);
        } finally {
            bootstrap.shutdownNow();
        }
        assertThat(PendingInvariant.pending(db, candidate)).isFalse();
        assertExact(db);
    }

    @Test
    void liveWritersDuringTheBootstrapLeaveTheTableExact() throws Exception {
        AtomicBoolean stop = new AtomicBoolean();
        ExecutorService app = Executors.newSingleThreadExecutor();
        Future<Long> writes = app.submit(() -> {
            long n = 0;
            try (Connection c = db.open(); Statement st = c.createStatement()) {
                while (!stop.get()) {
                    // Embed a pending event, un-embed an embedded one, add a new event: all over the id range.
                    st.execute("""
                            INSERT INTO event_embeddings (event_id, chunk_index)
                            SELECT e.id, 5 FROM events e
                             WHERE e.payload_text <> '' AND NOT EXISTS (SELECT 1 FROM event_embeddings x WHERE x.event_id = e.id)
                             ORDER BY random() LIMIT 1""");
                    st.execute("""
                            DELETE FROM event_embeddings
                             WHERE event_id = (SELECT event_id FROM event_embeddings ORDER BY random() LIMIT 1)""");
                    st.execute("INSERT INTO events (organization_id, payload_text) VALUES ('org-live', 'live')");
                    n++;
                }
            }
            return n;
        });
        try {
            assertThat(cli("backfill", "--batch-size", "500", "--sleep", "5ms")).isEqualTo(0);
        } finally {
            stop.set(true);
        }
        assertThat(writes.get(30, TimeUnit.SECONDS)).as("writer rounds").isPositive();
        app.shutdownNow();
        assertExact(db);
    }

    @Test
    void stopsAtALimitWithExitSevenAndResumes() {
        assertThat(cli("backfill", "--batch-size", "1000", "--max-rows", "5000")).isEqualTo(7);
        assertThat(db.queryLong("SELECT last_id FROM " + PROGRESS)).isPositive();
        assertThat(PendingInvariant.missing(db)).isPositive();
        assertThat(cli("backfill", "--batch-size", "1000")).isEqualTo(0);
        assertExact(db);
    }

    @Test
    void killedAndRestartedEndsExact() throws Exception {
        BackfillProcess p = BackfillProcess.start(db, "--batch-size", "300", "--sleep", "20ms");
        p.awaitCondition(() -> db.queryLong("SELECT coalesce(max(batches), 0) FROM " + PROGRESS) >= 10, 60);
        p.process().destroyForcibly();
        assertThat(p.waitFor(10)).isEqualTo(137);
        BackfillKillTest.awaitNoBackfillSessions(db);
        long cursor = db.queryLong("SELECT last_id FROM " + PROGRESS);
        // The cursor is never ahead of the rows: every event at or below it that needs a row has one.
        assertThat(db.queryLong("""
                SELECT count(*) FROM events e
                 WHERE e.id <= %d AND e.payload_text <> ''
                   AND NOT EXISTS (SELECT 1 FROM event_embeddings x WHERE x.event_id = e.id)
                   AND NOT EXISTS (SELECT 1 FROM event_embedding_pending p WHERE p.event_id = e.id)""".formatted(cursor))).isZero();
        p.cleanup();
        BackfillProcess again = BackfillProcess.start(db, "--batch-size", "1000");
        assertThat(again.waitFor(120)).as(again.stderr()).isEqualTo(0);
        assertThat(again.summary("rows_scanned")).isEqualTo(db.queryLong("SELECT count(*) FROM events WHERE id > " + cursor));
        again.cleanup();
        assertExact(db);
    }

    @Test
    void sigtermStopsAfterTheBatchInFlightWithExitSevenAndProgressLinesSayWhatItAdded() throws Exception {
        BackfillProcess p = BackfillProcess.start(db, "--batch-size", "200", "--sleep", "40ms", "--progress-interval", "1s");
        p.awaitCondition(() -> db.queryLong("SELECT coalesce(max(batches), 0) FROM " + PROGRESS) >= 30, 60);
        p.process().destroy(); // SIGTERM
        assertThat(p.waitFor(30)).as(p.stderr()).isEqualTo(7);
        assertThat(p.summaryText("status")).isEqualTo("stopped");
        assertThat(p.summary("batches")).isEqualTo(db.queryLong("SELECT batches FROM " + PROGRESS));
        assertThat(p.stderr()).contains("added to the pending table").doesNotContain("set true");
        assertThat(PendingInvariant.missing(db)).isPositive();
        p.cleanup();
        assertThat(cli("backfill")).isEqualTo(0);
        assertExact(db);
    }

    @Test
    void refusesToStartWhileATriggerIsDisabled() {
        db.execute("ALTER TABLE event_embeddings DISABLE TRIGGER trg_event_embeddings_pending_targets_del");
        try {
            assertThat(cli("backfill")).isEqualTo(1);
            assertThat(db.queryLong("SELECT count(*) FROM " + PROGRESS)).as("nothing planned").isZero();
        } finally {
            db.execute("ALTER TABLE event_embeddings ENABLE TRIGGER trg_event_embeddings_pending_targets_del");
        }
    }

    @Test
    void driftIsFoundAndRepairedByVerify() {
        assertThat(cli("backfill")).isEqualTo(0);
        long embedded = db.queryLong("SELECT min(event_id) FROM event_embeddings");
        long pendingEvent = db.queryLong("SELECT min(event_id) FROM event_embedding_pending");
        db.execute("ALTER TABLE event_embedding_pending DISABLE TRIGGER ALL",
                "INSERT INTO event_embedding_pending VALUES (" + embedded + ", 'x')",
                "DELETE FROM event_embedding_pending WHERE event_id = " + pendingEvent,
                "ALTER TABLE event_embedding_pending ENABLE TRIGGER ALL");
        assertThat(cli("verify")).isEqualTo(8);
        assertThat(cli("verify", "--repair")).isEqualTo(0);
        assertExact(db);
    }
}
