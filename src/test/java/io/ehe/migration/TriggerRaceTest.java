package io.ehe.migration;

import io.ehe.testing.Migrations;
import io.ehe.testing.PostgresExtension;
import io.ehe.testing.TestDatabase;
import io.ehe.testing.TwoSessions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static io.ehe.testing.TwoSessions.exec;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The triggers under real concurrency: two connections, each in its own transaction, writing
 * embeddings of the same event. A statement whose trigger must wait for the other transaction's row
 * lock runs on a separate thread while the test decides when the other one commits.
 */
@ExtendWith(PostgresExtension.class)
class TriggerRaceTest {

    static TestDatabase db;
    static TwoSessions sessions;
    static Connection one;
    static Connection two;

    @BeforeAll
    static void setUp() throws SQLException {
        Migrations.migrate(db, true);
        sessions = new TwoSessions(db);
        one = sessions.one();
        two = sessions.two();
    }

    @AfterAll
    static void tearDown() throws SQLException {
        sessions.close();
    }

    private static boolean flag(long id) {
        return "true".equals(db.queryString("SELECT has_embedding::text FROM events WHERE id = " + id));
    }

    private static boolean truth(long id) {
        return db.queryLong("SELECT count(*) FROM event_embeddings WHERE event_id = " + id) > 0;
    }

    @RepeatedTest(25)
    void twoTransactionsDeletingTheTwoEmbeddingsOfOneEventEndFalse() throws Exception {
        long e = sessions.eventWithChunks(2);
        exec(one, "DELETE FROM event_embeddings WHERE event_id = " + e + " AND chunk_index = 0");
        Future<?> second = sessions.inBackground(two, "DELETE FROM event_embeddings WHERE event_id = " + e + " AND chunk_index = 1");
        sessions.waitUntilBlocked(second);
        one.commit();
        second.get(10, TimeUnit.SECONDS);
        two.commit();
        assertThat(truth(e)).isFalse();
        assertThat(flag(e)).as("event %d", e).isFalse();
    }

    @RepeatedTest(25)
    void insertRacingADeleteEndsTrueWhicheverCommitsFirst() throws Exception {
        // The insert's trigger takes the event's lock first; the delete waits, then sees the new row.
        long e = sessions.eventWithChunks(1);
        exec(one, "INSERT INTO event_embeddings (event_id, chunk_index) VALUES (" + e + ", 7)");
        Future<?> delete = sessions.inBackground(two, "DELETE FROM event_embeddings WHERE event_id = " + e + " AND chunk_index = 0");
        sessions.waitUntilBlocked(delete);
        one.commit();
        delete.get(10, TimeUnit.SECONDS);
        two.commit();
        assertThat(flag(e)).isTrue();

        // The delete goes first and writes false; the insert waits, then writes true.
        long f = sessions.eventWithChunks(1);
        exec(two, "DELETE FROM event_embeddings WHERE event_id = " + f);
        Future<?> insert = sessions.inBackground(one, "INSERT INTO event_embeddings (event_id, chunk_index) VALUES (" + f + ", 7)");
        sessions.waitUntilBlocked(insert);
        two.commit();
        insert.get(10, TimeUnit.SECONDS);
        one.commit();
        assertThat(flag(f)).isTrue();
    }

    @RepeatedTest(15)
    void insertThatRollsBackWhileADeleteWaitsEndsFalse() throws Exception {
        long e = sessions.eventWithChunks(1);
        exec(one, "INSERT INTO event_embeddings (event_id, chunk_index) VALUES (" + e + ", 7)");
        Future<?> delete = sessions.inBackground(two, "DELETE FROM event_embeddings WHERE event_id = " + e + " AND chunk_index = 0");
        sessions.waitUntilBlocked(delete);
        one.rollback();
        delete.get(10, TimeUnit.SECONDS);
        two.commit();
        assertThat(truth(e)).isFalse();
        assertThat(flag(e)).isFalse();
    }

    /** Random interleavings of two writers on a handful of shared events: the flag always ends true to the rows. */
    @Test
    void randomInterleavingsOfTwoWritersKeepTheInvariant() throws Exception {
        Random random = new Random(42);
        List<Long> events = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            events.add(sessions.eventWithChunks(1));
        }
        ExecutorService writers = Executors.newFixedThreadPool(2);
        try (Connection a = db.open(); Connection b = db.open()) {
            a.setAutoCommit(false);
            b.setAutoCommit(false);
            for (int round = 0; round < 150; round++) {
                List<Future<?>> done = new ArrayList<>();
                for (Connection c : List.of(a, b)) {
                    long event = events.get(random.nextInt(events.size()));
                    int chunk = random.nextInt(3);
                    boolean insert = random.nextBoolean();
                    boolean commit = random.nextInt(5) > 0;
                    int pause = random.nextInt(3);
                    done.add(writers.submit(() -> {
                        try {
                            String sql = insert
                                    ? "INSERT INTO event_embeddings (event_id, chunk_index) VALUES (?, ?) ON CONFLICT DO NOTHING"
                                    : "DELETE FROM event_embeddings WHERE event_id = ? AND chunk_index = ?";
                            try (PreparedStatement ps = c.prepareStatement(sql)) {
                                ps.setLong(1, event);
                                ps.setInt(2, chunk);
                                ps.executeUpdate();
                            }
                            Thread.sleep(pause);
                            if (commit) {
                                c.commit();
                            } else {
                                c.rollback();
                            }
                        } catch (SQLException ex) {
                            c.rollback(); // a deadlock or unique violation is the app's problem, not drift
                        }
                        return null;
                    }));
                }
                for (Future<?> f : done) {
                    f.get(20, TimeUnit.SECONDS);
                }
            }
        } finally {
            writers.shutdownNow();
        }
        for (long e : events) {
            assertThat(flag(e)).as("event %d", e).isEqualTo(truth(e));
        }
        assertThat(db.queryLong("""
                SELECT count(*) FROM events e
                 WHERE e.has_embedding IS DISTINCT FROM EXISTS (SELECT 1 FROM event_embeddings x WHERE x.event_id = e.id)""")).isZero();
    }
}
