package io.ehe.backfill;

import io.ehe.testing.PostgresExtension;
import io.ehe.testing.TestDatabase;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The backfill against live writers: embedding rows inserted and deleted through the triggers, new
 * events, and writers that lock event rows and roll back. Small batches, so the interleavings are many.
 */
@ExtendWith(PostgresExtension.class)
class BackfillConcurrencyTest {

    static final int EVENTS = 20_000;

    @BeforeAll
    static void load(TestDatabase db) {
        Fixture.load(db, EVENTS);
    }

    @Test
    void writersDuringTheBackfillLeaveNoDriftAndNoNull(TestDatabase db) throws Exception {
        Fixture.reset(db);
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicLong inserted = new AtomicLong();
        AtomicLong deleted = new AtomicLong();
        AtomicLong newEvents = new AtomicLong();
        AtomicLong rolledBack = new AtomicLong();
        ExecutorService pool = Executors.newFixedThreadPool(5);
        List<Future<?>> writers = new ArrayList<>();
        writers.add(pool.submit(() -> loop(db, running, c -> inserted.addAndGet(insertEmbeddings(c)))));
        writers.add(pool.submit(() -> loop(db, running, c -> inserted.addAndGet(insertEmbeddings(c)))));
        writers.add(pool.submit(() -> loop(db, running, c -> deleted.addAndGet(deleteEmbeddings(c)))));
        writers.add(pool.submit(() -> loop(db, running, c -> newEvents.addAndGet(insertEvents(c)))));
        writers.add(pool.submit(() -> loop(db, running, c -> rolledBack.addAndGet(lockAndRollBack(c)))));
        BackfillSummary s;
        try {
            Thread.sleep(200); // writers warm up: the first batches already race them
            s = Backfill.run(db.connections(), BackfillSettings.defaults().withFixedBatchSize(100)
                    .withTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(30), 50), null);
            Thread.sleep(200);
        } finally {
            running.set(false);
        }
        for (Future<?> w : writers) {
            w.get();
        }
        pool.shutdown();
        System.out.printf("writers: %d embedding rows inserted, %d deleted, %d events inserted, %d lock-and-rollback; %s%n",
                inserted.get(), deleted.get(), newEvents.get(), rolledBack.get(), s.line());

        assertThat(s.status()).isEqualTo(BackfillSummary.Status.COMPLETE);
        assertThat(inserted.get()).isGreaterThan(1000);
        assertThat(deleted.get()).isGreaterThan(1000);
        assertThat(newEvents.get()).isGreaterThan(100);
        assertThat(rolledBack.get()).isGreaterThan(10);
        VerifyResult v = Verifier.check(db.connections(), 0);
        assertThat(v.nulls()).isZero();
        assertThat(v.mismatches()).isZero();
        Fixture.assertExact(db);
    }

    @Test
    void aWriterThatHoldsARowAndRollsBackLeavesNoNull(TestDatabase db) throws Exception {
        Fixture.reset(db);
        long target = db.queryLong("SELECT id FROM public.events WHERE payload_text <> '' ORDER BY id OFFSET 3000 LIMIT 1");
        // Holds the row lock (as an application UPDATE would), leaving has_embedding NULL.
        try (Connection writer = db.begin("UPDATE public.events SET title = title || ' (edited)' WHERE id = " + target)) {
            Future<BackfillSummary> run = Fixture.runInBackground(db, BackfillSettings.defaults().withFixedBatchSize(500));
            // Wait until the walk has passed the locked row, then give up the lock by rolling back.
            while (db.queryLong("SELECT coalesce(max(last_id), 0) FROM " + ProgressStore.TABLE) <= target) {
                assertThat(run.isDone()).as("the backfill may not finish while the row is locked").isFalse();
                Thread.sleep(5);
            }
            assertThat(db.queryString("SELECT coalesce(has_embedding::text, 'null') FROM public.events WHERE id = " + target))
                    .isEqualTo("null");
            Thread.sleep(300);
            writer.rollback();
            BackfillSummary s = run.get();
            assertThat(s.status()).isEqualTo(BackfillSummary.Status.COMPLETE);
            assertThat(s.sweepFilled()).isEqualTo(1);
        }
        Fixture.assertExact(db);
        assertThat(db.queryString("SELECT title FROM public.events WHERE id = " + target)).doesNotContain("edited");
    }

    interface Work {
        void run(Connection c) throws SQLException, InterruptedException;
    }

    private static void loop(TestDatabase db, AtomicBoolean running, Work work) {
        try (Connection c = db.open()) {
            while (running.get()) {
                try {
                    work.run(c);
                } catch (SQLException e) {
                    // a deadlock between two writers is the writers' business; the invariant must hold anyway
                    if (!"40P01".equals(e.getSQLState())) {
                        throw e;
                    }
                    c.setAutoCommit(true);
                }
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static long randomEvent() {
        return 1 + ThreadLocalRandom.current().nextLong(EVENTS);
    }

    /** 1..5 embedding rows for random events, some of which already have rows (other chunk). */
    private static long insertEmbeddings(Connection c) throws SQLException {
        int n = 1 + ThreadLocalRandom.current().nextInt(5);
        try (PreparedStatement ps = c.prepareStatement("""
                INSERT INTO public.event_embeddings (event_id, embedding_model, chunk_index)
                SELECT e, 'test-model', (random() * 1000)::int FROM unnest(?::bigint[]) e
                ON CONFLICT DO NOTHING""")) {
            Long[] ids = new Long[n];
            for (int i = 0; i < n; i++) {
                ids[i] = randomEvent();
            }
            ps.setArray(1, c.createArrayOf("bigint", ids));
            return ps.executeUpdate();
        }
    }

    /** Deletes every embedding row of 1..3 random events (some of them: all the event's rows). */
    private static long deleteEmbeddings(Connection c) throws SQLException {
        int n = 1 + ThreadLocalRandom.current().nextInt(3);
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM public.event_embeddings WHERE event_id = ANY (?)")) {
            Long[] ids = new Long[n];
            for (int i = 0; i < n; i++) {
                ids[i] = randomEvent();
            }
            ps.setArray(1, c.createArrayOf("bigint", ids));
            return ps.executeUpdate();
        }
    }

    /** A new event, embedded in the same transaction half the time. */
    private static long insertEvents(Connection c) throws SQLException, InterruptedException {
        c.setAutoCommit(false);
        try (Statement st = c.createStatement()) {
            var rs = st.executeQuery("INSERT INTO public.events (organization_id, payload_text) VALUES ('org-new', 'fresh') RETURNING id");
            rs.next();
            long id = rs.getLong(1);
            if (ThreadLocalRandom.current().nextBoolean()) {
                st.executeUpdate("INSERT INTO public.event_embeddings (event_id) VALUES (" + id + ")");
            }
        }
        c.commit();
        c.setAutoCommit(true);
        Thread.sleep(2);
        return 1;
    }

    /** Locks a few event rows like an application update, holds them briefly, rolls back. */
    private static long lockAndRollBack(Connection c) throws SQLException, InterruptedException {
        c.setAutoCommit(false);
        try (Statement st = c.createStatement()) {
            long id = randomEvent();
            st.executeUpdate("UPDATE public.events SET title = title WHERE id BETWEEN " + id + " AND " + (id + 5));
            Thread.sleep(ThreadLocalRandom.current().nextInt(20, 120));
        }
        c.rollback();
        c.setAutoCommit(true);
        return 1;
    }
}
