package io.ehe.cli;

import io.ehe.testing.DataSet;
import io.ehe.testing.Migrations;
import io.ehe.testing.PostgresExtension;
import io.ehe.testing.TestDatabase;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A second session holds a row lock on events (an open SELECT ... FOR UPDATE) while migrate wants
 * ACCESS EXCLUSIVE for ADD COLUMN. Production traffic must never wait behind migrate for longer
 * than lock_timeout; migrate retries and succeeds once the blocker commits, or gives up with exit 4
 * and nothing half-applied. All runs on this database use the same --lock-timeout: the changeSets'
 * checksums include it.
 */
@ExtendWith(PostgresExtension.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MigrateBlockedTest {

    private static final long LOCK_TIMEOUT_MS = 1000;

    @BeforeAll
    static void tables(TestDatabase db) {
        Migrations.baselineOnly(db);
        DataSet.ofSize(2000).load(db);
    }

    @Test
    @Order(1)
    void givesUpWithExitFourAndNothingHalfAppliedWhenTheBlockerOutlastsEveryRetry(TestDatabase db) throws Exception {
        try (Connection blocker = db.open()) {
            blocker.setAutoCommit(false);
            int blockerPid = pid(blocker);
            try (Statement st = blocker.createStatement()) {
                st.executeQuery("SELECT id FROM public.events WHERE id = 1 FOR UPDATE").close();
            }
            long t0 = System.nanoTime();
            Cli.Result r = Cli.run("migrate", "--url", db.urlWithCredentials(), "--lock-timeout", "1s",
                    "--max-attempts", "2", "--retry-backoff", "200ms");
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            assertThat(r.exit()).as(r.toString()).isEqualTo(ExitCodes.LOCK_NOT_GRANTED);
            assertThat(r.err()).contains("lock not granted within lock_timeout 1s (attempt 1/2)")
                    .contains("pid " + blockerPid);
            assertThat(r.errLines().stream().filter(l -> l.startsWith("error:")).toList()).hasSize(1)
                    .allSatisfy(l -> assertThat(l).contains("after 2 attempts").contains("pid " + blockerPid));
            // two lock waits of 1 s and one pause of 200 ms, not an endless wait
            assertThat(ms).isBetween(2000L, 15000L);
            blocker.rollback();
        }
        assertThat(db.queryLong("SELECT count(*) FROM information_schema.columns WHERE table_name = 'events' AND column_name = 'has_embedding'")).isZero();
        assertThat(db.queryLong("SELECT count(*) FROM public.databasechangelog WHERE id <> '000-baseline-tables'")).isZero();
        assertThat(db.queryString("SELECT to_regclass('public.databasechangeloglock')::text")).isNull();
    }

    @Test
    @Order(2)
    void retriesAndSucceedsOnceTheBlockerCommitsWithoutQueueingTrafficLongerThanTheLockTimeout(TestDatabase db) throws Exception {
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong worstReadMs = new AtomicLong();
        AtomicLong worstWriteMs = new AtomicLong();
        AtomicLong reads = new AtomicLong();
        AtomicLong writes = new AtomicLong();
        CompletableFuture<Void> reader = CompletableFuture.runAsync(() -> traffic(db, stop, worstReadMs, reads,
                "SELECT count(*) FROM public.events WHERE id BETWEEN 100 AND 200"));
        CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> traffic(db, stop, worstWriteMs, writes,
                "INSERT INTO public.events (organization_id, payload_text) VALUES ('org-traffic', 'written while migrate waits')"));
        Cli.Result r;
        try (Connection blocker = db.open()) {
            blocker.setAutoCommit(false);
            int blockerPid = pid(blocker);
            try (Statement st = blocker.createStatement()) {
                st.executeQuery("SELECT id FROM public.events WHERE id = 1 FOR UPDATE").close();
            }
            CompletableFuture<Void> release = CompletableFuture.runAsync(() -> {
                try {
                    Thread.sleep(3500);
                    blocker.commit();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            r = Cli.run("migrate", "--url", db.urlWithCredentials(), "--lock-timeout", "1s",
                    "--max-attempts", "6", "--retry-backoff", "300ms");
            release.join();
            assertThat(r.err()).contains("pid " + blockerPid);
        } finally {
            stop.set(true);
        }
        reader.join();
        writer.join();
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.err()).contains("retrying in");
        assertThat(r.out()).contains("applied   010-has-embedding-column").contains("applied   020-has-embedding-triggers");
        System.err.printf("worst read %d ms (%d reads), worst write %d ms (%d writes), lock_timeout %d ms%n",
                worstReadMs.get(), reads.get(), worstWriteMs.get(), writes.get(), LOCK_TIMEOUT_MS);
        assertThat(reads.get()).isPositive();
        assertThat(writes.get()).isPositive();
        // Traffic did queue behind migrate's lock request (the measurement measures something) ...
        assertThat(Math.max(worstReadMs.get(), worstWriteMs.get())).isGreaterThan(LOCK_TIMEOUT_MS / 4);
        // ... but never for much longer than lock_timeout, though the blocker held on for 3.5 s.
        assertThat(worstReadMs.get()).isLessThan(LOCK_TIMEOUT_MS + 700);
        assertThat(worstWriteMs.get()).isLessThan(LOCK_TIMEOUT_MS + 700);
        // every write went through (none failed while migrate waited)
        assertThat(db.queryLong("SELECT count(*) FROM public.events WHERE organization_id = 'org-traffic'")).isEqualTo(writes.get());
    }

    private static void traffic(TestDatabase db, AtomicBoolean stop, AtomicLong worst, AtomicLong n, String sql) {
        try (Connection c = db.open(); Statement st = c.createStatement()) {
            while (!stop.get()) {
                long t0 = System.nanoTime();
                st.execute(sql);
                long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
                worst.accumulateAndGet(ms, Math::max);
                n.incrementAndGet();
                Thread.sleep(20);
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static int pid(Connection c) throws Exception {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT pg_backend_pid()")) {
            rs.next();
            return rs.getInt(1);
        }
    }
}
