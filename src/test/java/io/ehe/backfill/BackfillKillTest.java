package io.ehe.backfill;

import io.ehe.testing.PostgresExtension;
import io.ehe.testing.TestDatabase;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.concurrent.ThreadLocalRandom;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * SIGKILL the backfill JVM at several moments, restart it: the end state is exact and the restart
 * reads only the rows beyond the last committed batch.
 */
@ExtendWith(PostgresExtension.class)
public class BackfillKillTest {

    @BeforeAll
    static void load(TestDatabase db) {
        Fixture.load(db, 30_000);
    }

    @Test
    void killedAfterTheFirstBatches(TestDatabase db) throws Exception {
        killAndResume(db, 2, "--batch-size", "300", "--sleep", "30ms");
    }

    @Test
    void killedHalfWay(TestDatabase db) throws Exception {
        killAndResume(db, 45, "--batch-size", "300", "--sleep", "10ms");
    }

    @Test
    void killedAtAnUnplannedMomentWithoutPauses(TestDatabase db) throws Exception {
        // No sleep: the kill lands anywhere, most likely inside a batch transaction.
        killAndResume(db, 1 + ThreadLocalRandom.current().nextInt(30), "--batch-size", "200", "--sleep", "0ms");
    }

    @Test
    void killedTwiceInARow(TestDatabase db) throws Exception {
        Fixture.reset(db);
        kill(db, 10, "--batch-size", "250", "--sleep", "20ms");
        kill(db, 10, "--batch-size", "250", "--sleep", "20ms");
        resumeAndCheck(db);
    }

    private void killAndResume(TestDatabase db, int afterBatches, String... args) throws Exception {
        Fixture.reset(db);
        kill(db, afterBatches, args);
        resumeAndCheck(db);
    }

    /** Starts a backfill, SIGKILLs it once its progress row counts {@code afterBatches} more batches. */
    private void kill(TestDatabase db, int afterBatches, String... args) throws Exception {
        long before = batches(db);
        BackfillProcess p = BackfillProcess.start(db, args);
        p.awaitCondition(() -> batches(db) >= before + afterBatches, 60);
        p.process().destroyForcibly();
        assertThat(p.waitFor(10)).isEqualTo(137);
        awaitNoBackfillSessions(db);
        long cursor = cursor(db);
        // The cursor is never ahead of the data: no NULL at or below it (nothing else writes here).
        assertThat(db.queryLong("SELECT count(*) FROM public.events WHERE has_embedding IS NULL AND id <= " + cursor)).isZero();
        assertThat(db.queryLong("SELECT count(*) FROM public.events WHERE has_embedding IS NOT NULL AND id > " + cursor)).isZero();
        assertThat(Fixture.nulls(db)).isPositive();
        p.cleanup();
    }

    private void resumeAndCheck(TestDatabase db) throws Exception {
        long cursor = cursor(db);
        long ahead = db.queryLong("SELECT count(*) FROM public.events WHERE id > " + cursor);
        BackfillProcess again = BackfillProcess.start(db, "--batch-size", "1000");
        assertThat(again.waitFor(120)).as(again.stderr()).isEqualTo(0);
        Fixture.assertExact(db);
        // Bounded re-reads: the restart walked exactly the rows beyond the last committed batch.
        assertThat(again.summary("rows_scanned")).isEqualTo(ahead);
        assertThat(again.summary("rows_true") + again.summary("rows_false")).isEqualTo(ahead);
        again.cleanup();
    }

    private static long batches(TestDatabase db) {
        Long n = db.queryList("SELECT batches FROM " + ProgressStore.TABLE + " WHERE shard_count = 1", rs -> {
            try {
                return rs.getLong(1);
            } catch (java.sql.SQLException e) {
                throw new IllegalStateException(e);
            }
        }).stream().findFirst().orElse(0L);
        return n;
    }

    private static long cursor(TestDatabase db) {
        return db.queryLong("SELECT last_id FROM " + ProgressStore.TABLE + " WHERE shard_count = 1");
    }

    /** The killed client's server session ends when the server notices (client_connection_check_interval). */
    public static void awaitNoBackfillSessions(TestDatabase db) throws InterruptedException {
        for (int i = 0; i < 300; i++) {
            if (db.queryLong("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                    + " AND application_name = 'events-has-embedding'") == 0) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("the killed backfill's session did not end within 15 s");
    }
}
