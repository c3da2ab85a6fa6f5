package io.ehe.backfill;

import io.ehe.testing.TestDatabase;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.time.Duration;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;

/** Transient failures during a run: a lost connection and a lock not granted are retried. */
@Fixture.Loaded(events = 10_000, resetBeforeEach = true)
class BackfillRetryTest {

    @Test
    void reconnectsAfterItsSessionIsTerminated(TestDatabase db) throws Exception {
        Future<BackfillSummary> run = Fixture.runInBackground(db,
                BackfillSettings.defaults().withFixedBatchSize(100).withSleep(Duration.ofMillis(20)));
        while (Fixture.batches(db) < 5) {
            Thread.sleep(5);
        }
        long killed = db.queryLong("""
                SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
                 WHERE datname = current_database() AND application_name = 'ehe-test' AND pid <> pg_backend_pid()""");
        assertThat(killed).isEqualTo(1);
        completedWithRetries(run);
        Fixture.assertExact(db);
    }

    @Test
    void retriesALockNotGrantedWithinLockTimeout(TestDatabase db) throws Exception {
        try (Connection ddl = lockingEvents(db)) {
            Future<BackfillSummary> run = Fixture.runInBackground(db,
                    BackfillSettings.defaults().withTimeouts(Duration.ofMillis(100), Duration.ofSeconds(30), 20));
            Thread.sleep(1500);
            assertThat(run.isDone()).isFalse();
            ddl.rollback();
            completedWithRetries(run);
        }
        Fixture.assertExact(db);
    }

    @Test
    void givesUpAfterMaxRetriesWithTheError(TestDatabase db) throws Exception {
        try (Connection ddl = lockingEvents(db)) {
            int code = BackfillEndStateTest.cli(db, "backfill", "--lock-timeout", "50ms", "--max-retries", "1");
            assertThat(code).isEqualTo(io.ehe.cli.ExitCodes.LOCK_NOT_GRANTED);
            ddl.rollback();
        }
        assertThat(Fixture.nulls(db)).isEqualTo(Fixture.events(db));
    }

    private static void completedWithRetries(Future<BackfillSummary> run) throws Exception {
        BackfillSummary s = run.get();
        assertThat(s.status()).isEqualTo(BackfillSummary.Status.COMPLETE);
        assertThat(s.retries()).isPositive();
    }

    /** A transaction holding what a migration's ALTER TABLE would: nothing can touch events until it rolls back. */
    private static Connection lockingEvents(TestDatabase db) throws Exception {
        return db.begin("LOCK TABLE public.events IN ACCESS EXCLUSIVE MODE");
    }
}
