package io.ehe.backfill;

import io.ehe.testing.PostgresExtension;
import io.ehe.testing.TestDatabase;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;

/** Transient failures during a run: a lost connection and a lock not granted are retried. */
@ExtendWith(PostgresExtension.class)
class BackfillRetryTest {

    @BeforeAll
    static void load(TestDatabase db) {
        Fixture.load(db, 10_000);
    }

    @BeforeEach
    void reset(TestDatabase db) {
        Fixture.reset(db);
    }

    @Test
    void reconnectsAfterItsSessionIsTerminated(TestDatabase db) throws Exception {
        ExecutorService one = Executors.newSingleThreadExecutor();
        Future<BackfillSummary> run = one.submit(() -> Backfill.run(db.connections(),
                BackfillSettings.defaults().withFixedBatchSize(100).withSleep(Duration.ofMillis(20)), null));
        while (db.queryLong("SELECT coalesce(max(batches), 0) FROM " + ProgressStore.TABLE) < 5) {
            Thread.sleep(5);
        }
        long killed = db.queryLong("""
                SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
                 WHERE datname = current_database() AND application_name = 'ehe-test' AND pid <> pg_backend_pid()""");
        assertThat(killed).isEqualTo(1);
        BackfillSummary s = run.get();
        one.shutdown();
        assertThat(s.status()).isEqualTo(BackfillSummary.Status.COMPLETE);
        assertThat(s.retries()).isPositive();
        Fixture.assertExact(db);
    }

    @Test
    void retriesALockNotGrantedWithinLockTimeout(TestDatabase db) throws Exception {
        try (Connection ddl = lockingEvents(db)) {
            ExecutorService one = Executors.newSingleThreadExecutor();
            Future<BackfillSummary> run = one.submit(() -> Backfill.run(db.connections(),
                    BackfillSettings.defaults().withTimeouts(Duration.ofMillis(100), Duration.ofSeconds(30), 20), null));
            Thread.sleep(1500);
            assertThat(run.isDone()).isFalse();
            ddl.rollback();
            BackfillSummary s = run.get();
            one.shutdown();
            assertThat(s.status()).isEqualTo(BackfillSummary.Status.COMPLETE);
            assertThat(s.retries()).isPositive();
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

    /** A transaction holding what a migration's ALTER TABLE would: nothing can touch events until it rolls back. */
    private static Connection lockingEvents(TestDatabase db) throws Exception {
        Connection ddl = db.open();
        ddl.setAutoCommit(false);
        try (Statement st = ddl.createStatement()) {
            st.execute("LOCK TABLE public.events IN ACCESS EXCLUSIVE MODE");
        }
        return ddl;
    }
}
