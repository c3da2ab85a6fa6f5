package io.ehe.design.pending;

import io.ehe.backfill.BackfillKillTest;
import io.ehe.backfill.BackfillProcess;
import io.ehe.testing.PostgresExtension;
import io.ehe.testing.TestDatabase;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static io.ehe.design.pending.AppSchema.assertExact;
import static io.ehe.design.pending.AppSchema.cli;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A model swap (every live event pending again for the new model) filled while the app writes, as it
 * does: re-embeds of both models, supersedes and new events, each its own transaction; the fill in two
 * shard processes, one of them killed with SIGKILL half way and restarted. The table must end exact,
 * the fill must write no row of events, and the new target must end ready.
 */
@ExtendWith(PostgresExtension.class)
class ModelSwapFillTest {

    static TestDatabase db;

    @BeforeAll
    static void setUp() {
        AppSchema.install(db, "model-a");
        AppSchema.fill(db, 11, 30000, "model-a");
    }

    /** One app transaction on a random event: a re-embed of either model, a supersede, or a new event. */
    private static void appTransaction(Connection c) throws SQLException {
        long max = 30_000;
        long e = ThreadLocalRandom.current().nextLong(1, max);
        String sql = switch (ThreadLocalRandom.current().nextInt(5)) {
            case 0, 1 -> AppSchema.reembed(e, "model-b", 1, "FOR SHARE");
            case 2 -> AppSchema.reembed(e, "model-a", 2, "FOR NO KEY UPDATE");
            case 3 -> "SELECT 1 FROM events WHERE id = " + e + " AND superseded_by IS NULL FOR NO KEY UPDATE;" + AppSchema.supersede(e);
            default -> "INSERT INTO events (organization_id, payload_text) VALUES ('org-live', 'live')";
        };
        try (Statement st = c.createStatement()) {
            st.execute(sql);
            c.commit();
        } catch (SQLException ex) {
            c.rollback();
            if (!"23505".equals(ex.getSQLState())) { // a re-embed of an event superseded meanwhile: the app's own retry
                throw ex;
            }
        }
    }

    @Test
    void aModelSwapFilledInShardsUnderTheAppsWritersAndAKillEndsExact() throws Exception {
        db.execute("CREATE TABLE zz_updates (n bigint)",
                "CREATE FUNCTION zz_count_updates() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO zz_updates VALUES (1); RETURN NULL; END $$");
        assertThat(cli(db, "targets", "add", "model-b", "--new-model")).isZero();
        AtomicBoolean stop = new AtomicBoolean();
        ExecutorService app = Executors.newSingleThreadExecutor();
        Future<Long> writes = app.submit(() -> {
            long n = 0;
            try (Connection c = db.open()) {
                c.setAutoCommit(false);
                while (!stop.get()) {
                    appTransaction(c);
                    n++;
                }
            }
            return n;
        });
        try {
            BackfillProcess one = BackfillProcess.start(db, "--shard", "0/2", "--batch-size", "400", "--sleep", "10ms");
            BackfillProcess two = BackfillProcess.start(db, "--shard", "1/2", "--batch-size", "400", "--sleep", "10ms");
            two.awaitCondition(() -> db.queryLong("SELECT coalesce(max(batches), 0) FROM event_embedding_pending_bootstrap WHERE shard_index = 1") >= 5, 60);
            two.process().destroyForcibly();
            assertThat(two.waitFor(10)).isEqualTo(137);
            two.cleanup();
            assertThat(one.waitFor(120)).as(one.stderr()).isIn(0);
            one.cleanup();
            assertThat(db.queryString("SELECT state FROM event_embedding_pending_targets WHERE model = 'model-b'"))
                    .as("one shard of two done").isEqualTo("filling");
            // The restart of the killed shard runs while the app keeps writing; only the events UPDATEs of the
            // fill would count: the app's own supersedes update events too, so the witness goes on after the writer stops.
            BackfillProcess again = BackfillProcess.start(db, "--shard", "1/2", "--batch-size", "400");
            assertThat(again.waitFor(120)).as(again.stderr()).isEqualTo(0);
            again.cleanup();
        } finally {
            stop.set(true);
        }
        assertThat(writes.get(30, TimeUnit.SECONDS)).as("app transactions").isGreaterThan(20);
        app.shutdownNow();
        BackfillKillTest.awaitNoBackfillSessions(db);
        assertThat(db.queryString("SELECT state FROM event_embedding_pending_targets WHERE model = 'model-b'")).isEqualTo("ready");
        assertExact(db);
        assertThat(cli(db, "verify")).isZero();
        assertThat(cli(db, "status")).isZero();

        // And a second fill (a third model) with the witness on: no row of events updated.
        db.execute("CREATE TRIGGER zz_count_updates AFTER UPDATE ON events FOR EACH ROW EXECUTE FUNCTION zz_count_updates()");
        assertThat(cli(db, "targets", "add", "model-c", "--new-model")).isZero();
        assertThat(cli(db, "backfill", "--batch-size", "2000")).isZero();
        assertThat(db.queryLong("SELECT count(*) FROM zz_updates")).as("rows of events updated by the fill").isZero();
        assertThat(db.queryLong("SELECT count(*) FROM event_embedding_pending WHERE model = 'model-c'"))
                .isEqualTo(db.queryLong("SELECT count(*) FROM events WHERE superseded_by IS NULL"));
        assertExact(db);
    }

    @Test
    void aPairWhoseKeyIsHeldIsNeitherSkippedNorDecidedUntilTheHolderEnds() throws Exception {
        TestDatabase fresh = AppSchema.installed("swap_held_key", "model-a");
        fresh.execute("INSERT INTO events (organization_id, payload_text) SELECT 'org', 'text ' || g FROM generate_series(1, 3000) g");
        assertThat(cli(fresh, "backfill")).isZero();
        assertThat(cli(fresh, "targets", "add", "model-b", "--new-model")).isZero();
        long held = 2500;
        ExecutorService fill = Executors.newSingleThreadExecutor();
        try (Connection writer = fresh.open()) {
            writer.setAutoCommit(false);
            Future<Integer> run = fill.submit(() -> cli(fresh, "backfill", "--batch-size", "200", "--sleep", "100ms", "--lock-timeout", "30s"));
            // Once the fill walks (its wait for older transactions is over), a writer starts changing
            // (2500, model-b), ahead of the cursor: it holds the pair's target key.
            long deadline = System.currentTimeMillis() + 20_000;
            while (fresh.queryLong("SELECT coalesce(max(last_id), 0) FROM event_embedding_pending_bootstrap") == 0) {
                assertThat(System.currentTimeMillis()).as("the fill started walking").isLessThan(deadline);
                Thread.sleep(10);
            }
            try (Statement st = writer.createStatement()) {
                st.execute("SELECT pg_advisory_xact_lock(1701340466, ehe_pending_target_key(" + held + ", 'model-b'))");
            }
            assertThat(fresh.queryLong("SELECT last_id FROM event_embedding_pending_bootstrap")).as("the cursor").isLessThan(held);
            while (fresh.queryLong("SELECT count(*) FROM event_embedding_pending WHERE model = 'model-b' AND event_id < " + held) < held - 1) {
                assertThat(System.currentTimeMillis()).as("the fill reached the held pair").isLessThan(deadline);
                Thread.sleep(20);
            }
            Thread.sleep(500);
            assertThat(run.isDone()).as("the fill passed a pair it could not decide").isFalse();
            assertThat(AppSchema.pending(fresh, held, "model-b")).isFalse();
            assertThat(fresh.queryLong("SELECT last_id FROM event_embedding_pending_bootstrap")).as("the cursor").isLessThan(held);
            writer.rollback(); // the writer gave up: the pair is the fill's to add
            assertThat(run.get(60, TimeUnit.SECONDS)).isZero();
        } finally {
            fill.shutdownNow();
        }
        assertThat(AppSchema.pending(fresh, held, "model-b")).isTrue();
        assertExact(fresh);
    }
}
