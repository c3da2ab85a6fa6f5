package io.ehe.design.pending;

import io.ehe.catalog.Design;
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
import static io.ehe.design.pending.PendingInvariant.assertExact;
import static io.ehe.design.pending.PendingInvariant.pending;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The pending-table triggers under real concurrency: two connections, each in its own transaction,
 * on the same event. The statement that must wait runs on a thread while the test decides when the
 * other transaction ends; every scenario is run in both orders.
 */
@ExtendWith(PostgresExtension.class)
class PendingTriggerRaceTest {

    static TestDatabase db;
    static TwoSessions sessions;
    static Connection one;
    static Connection two;

    @BeforeAll
    static void setUp() throws SQLException {
        Migrations.migrate(db, true, Design.PENDING_TABLE);
        sessions = new TwoSessions(db);
        one = sessions.one();
        two = sessions.two();
    }

    @AfterAll
    static void tearDown() throws SQLException {
        sessions.close();
    }

    @RepeatedTest(10)
    void twoTransactionsDeletingTheTwoEmbeddingsOfOneEventLeaveItPending() throws Exception {
        long e = sessions.eventWithChunks(2);
        sessions.race("DELETE FROM event_embeddings WHERE event_id = " + e + " AND chunk_index = 0",
                "DELETE FROM event_embeddings WHERE event_id = " + e + " AND chunk_index = 1");
        assertThat(pending(db, e)).isTrue();
        assertExact(db);
    }

    /**
     * ChangeSet 170 point 8: the deferred delete answers without a key only from rows this transaction
     * wrote. Here both deferred triggers fire before either transaction commits (SET CONSTRAINTS ...
     * IMMEDIATE), each still seeing the other's row: only the keys make the second decide after the
     * first commits. (Mutation-checked: without the xmin condition in the first keyless answer, the
     * event is left not pending.)
     */
    @RepeatedTest(5)
    void twoDeletesDecidedBeforeEitherCommitsLeaveItPending() throws Exception {
        long e = sessions.eventWithChunks(2);
        sessions.race("DELETE FROM event_embeddings WHERE event_id = " + e + " AND chunk_index = 0; SET CONSTRAINTS ALL IMMEDIATE",
                "DELETE FROM event_embeddings WHERE event_id = " + e + " AND chunk_index = 1; SET CONSTRAINTS ALL IMMEDIATE");
        assertThat(pending(db, e)).isTrue();
        assertExact(db);
    }

    /**
     * ChangeSet 170 point 8 (b): "the event is dead" answers without a key only when this transaction
     * wrote the event's visible version. Here the event comes alive in another transaction while the
     * embedding delete decides. (Mutation-checked: without the xmin condition in the second keyless
     * answer, the event is left not pending.)
     */
    @RepeatedTest(5)
    void anEmbeddingDeleteDecidedWhileItsEventComesAliveLeavesItPending() throws Exception {
        long e = db.queryLong("INSERT INTO events (organization_id, payload_text) VALUES ('org', '') RETURNING id");
        db.execute("INSERT INTO event_embeddings (event_id, chunk_index) VALUES (" + e + ", 0)");
        sessions.race("UPDATE events SET payload_text = 'now with text' WHERE id = " + e,
                "DELETE FROM event_embeddings WHERE event_id = " + e + "; SET CONSTRAINTS ALL IMMEDIATE");
        assertThat(pending(db, e)).isTrue();
        assertExact(db);
    }

    @RepeatedTest(10)
    void anEmbeddingInsertAndADeleteOfTheOtherChunkLeaveItNotPendingInEitherOrder() throws Exception {
        long e = sessions.eventWithChunks(1);
        sessions.race("INSERT INTO event_embeddings (event_id, chunk_index) VALUES (" + e + ", 7)",
                "DELETE FROM event_embeddings WHERE event_id = " + e + " AND chunk_index = 0");
        assertThat(pending(db, e)).isFalse();

        long f = sessions.eventWithChunks(1);
        sessions.race("DELETE FROM event_embeddings WHERE event_id = " + f,
                "INSERT INTO event_embeddings (event_id, chunk_index) VALUES (" + f + ", 7)");
        assertThat(pending(db, f)).isFalse();
        assertExact(db);
    }

    @RepeatedTest(10)
    void aTextChangeRacingAnEmbeddingInsertLeavesNoStaleRowInEitherOrder() throws Exception {
        // Without the FOR UPDATE in the update path, the text change would not wait for the insert
        // (its row lock, FOR NO KEY UPDATE, does not conflict with FOR KEY SHARE) and would add a row
        // for an event that has an embedding.
        long e = db.queryLong("INSERT INTO events (organization_id, payload_text) VALUES ('org', '') RETURNING id");
        sessions.race("INSERT INTO event_embeddings (event_id) VALUES (" + e + ")",
                "UPDATE events SET payload_text = 'now with text' WHERE id = " + e);
        assertThat(pending(db, e)).isFalse();

        long f = db.queryLong("INSERT INTO events (organization_id, payload_text) VALUES ('org', '') RETURNING id");
        sessions.race("UPDATE events SET payload_text = 'now with text' WHERE id = " + f,
                "INSERT INTO event_embeddings (event_id) VALUES (" + f + ")");
        assertThat(pending(db, f)).isFalse();
        assertExact(db);
    }

    @RepeatedTest(5)
    void anEventDeleteRacingAnEmbeddingDeleteLeavesNoRow() throws Exception {
        long e = sessions.eventWithChunks(1);
        sessions.race("DELETE FROM event_embeddings WHERE event_id = " + e, "DELETE FROM events WHERE id = " + e);
        assertThat(pending(db, e)).isFalse();
        long f = sessions.eventWithChunks(1);
        sessions.race("DELETE FROM events WHERE id = " + f, "DELETE FROM event_embeddings WHERE event_id = " + f);
        assertThat(pending(db, f)).isFalse();
        assertExact(db);
    }

    /** The embedding insert takes no row lock on events stronger than FOR KEY SHARE. */
    @Test
    void anEmbeddingInsertDoesNotWaitForAWriterOfOtherColumnsOfItsEvent() throws Exception {
        long e = db.queryLong("INSERT INTO events (organization_id, payload_text) VALUES ('org', 'x') RETURNING id");
        exec(one, "SELECT 1 FROM events WHERE id = " + e + " FOR NO KEY UPDATE");
        try {
            exec(two, "SET LOCAL lock_timeout = '2s'");
            exec(two, "INSERT INTO event_embeddings (event_id) VALUES (" + e + ")");
            two.commit();
        } finally {
            one.rollback();
        }
        assertThat(pending(db, e)).isFalse();
    }

    /** Random interleavings of two writers of every kind on a handful of events: always exact. */
    @Test
    void randomInterleavingsOfTwoWritersKeepTheInvariant() throws Exception {
        Random random = new Random(7);
        List<Long> events = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            events.add(sessions.eventWithChunks(1));
        }
        String[] kinds = {
                "INSERT INTO event_embeddings (event_id, chunk_index) VALUES (%d, %d) ON CONFLICT DO NOTHING",
                "DELETE FROM event_embeddings WHERE event_id = %d AND chunk_index = %d",
                "UPDATE events SET payload_text = CASE WHEN %2$d = 0 THEN '' ELSE 'text %2$d' END WHERE id = %1$d",
                "UPDATE events SET organization_id = 'org-%2$d' WHERE id = %1$d"};
        ExecutorService writers = Executors.newFixedThreadPool(2);
        try (Connection a = db.open(); Connection b = db.open()) {
            a.setAutoCommit(false);
            b.setAutoCommit(false);
            for (int round = 0; round < 200; round++) {
                List<Future<?>> done = new ArrayList<>();
                for (Connection c : List.of(a, b)) {
                    long event = events.get(random.nextInt(events.size()));
                    String sql = String.format(kinds[random.nextInt(kinds.length)], event, random.nextInt(3));
                    boolean commit = random.nextInt(5) > 0;
                    int pause = random.nextInt(3);
                    done.add(writers.submit(() -> {
                        try (PreparedStatement ps = c.prepareStatement(sql)) {
                            ps.executeUpdate();
                            Thread.sleep(pause);
                            if (commit) {
                                c.commit();
                            } else {
                                c.rollback();
                            }
                        } catch (SQLException ex) {
                            c.rollback(); // a deadlock is the app's to retry; it must not leave drift
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
        assertExact(db);
    }
}
