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
import java.sql.SQLException;
import java.util.List;
import java.util.Random;

import static io.ehe.testing.TwoSessions.deleteChunk;
import static io.ehe.testing.TwoSessions.deleteEmbeddings;
import static io.ehe.testing.TwoSessions.exec;
import static io.ehe.testing.TwoSessions.insertChunk;
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

    private static final String IMMEDIATE = "; SET CONSTRAINTS ALL IMMEDIATE";

    /** {@link TwoSessions#race} of {@code first} and {@code second}; then event {@code e} is pending, or not. */
    private static void race(long e, String first, String second, boolean pendingAfter) throws Exception {
        sessions.race(first, second);
        assertThat(pending(db, e)).as("event %d pending", e).isEqualTo(pendingAfter);
    }

    private static String giveText(long e) {
        return "UPDATE events SET payload_text = 'now with text' WHERE id = " + e;
    }

    /** An embedding row of the default chunk. */
    private static String insertEmbedding(long e) {
        return "INSERT INTO event_embeddings (event_id) VALUES (" + e + ")";
    }

    private static String deleteEvent(long e) {
        return "DELETE FROM events WHERE id = " + e;
    }

    @RepeatedTest(10)
    void twoTransactionsDeletingTheTwoEmbeddingsOfOneEventLeaveItPending() throws Exception {
        long e = sessions.eventWithChunks(2);
        race(e, deleteChunk(e, 0), deleteChunk(e, 1), true);
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
        race(e, deleteChunk(e, 0) + IMMEDIATE, deleteChunk(e, 1) + IMMEDIATE, true);
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
        long e = sessions.eventWithText("");
        db.execute(insertChunk(e, 0));
        race(e, giveText(e), deleteEmbeddings(e) + IMMEDIATE, true);
        assertExact(db);
    }

    @RepeatedTest(10)
    void anEmbeddingInsertAndADeleteOfTheOtherChunkLeaveItNotPendingInEitherOrder() throws Exception {
        long e = sessions.eventWithChunks(1);
        race(e, insertChunk(e, 7), deleteChunk(e, 0), false);
        long f = sessions.eventWithChunks(1);
        race(f, deleteEmbeddings(f), insertChunk(f, 7), false);
        assertExact(db);
    }

    @RepeatedTest(10)
    void aTextChangeRacingAnEmbeddingInsertLeavesNoStaleRowInEitherOrder() throws Exception {
        // Without the FOR UPDATE in the update path, the text change would not wait for the insert
        // (its row lock, FOR NO KEY UPDATE, does not conflict with FOR KEY SHARE) and would add a row
        // for an event that has an embedding.
        long e = sessions.eventWithText("");
        race(e, insertEmbedding(e), giveText(e), false);
        long f = sessions.eventWithText("");
        race(f, giveText(f), insertEmbedding(f), false);
        assertExact(db);
    }

    @RepeatedTest(5)
    void anEventDeleteRacingAnEmbeddingDeleteLeavesNoRow() throws Exception {
        long e = sessions.eventWithChunks(1);
        race(e, deleteEmbeddings(e), deleteEvent(e), false);
        long f = sessions.eventWithChunks(1);
        race(f, deleteEvent(f), deleteEmbeddings(f), false);
        assertExact(db);
    }

    /** The embedding insert takes no row lock on events stronger than FOR KEY SHARE. */
    @Test
    void anEmbeddingInsertDoesNotWaitForAWriterOfOtherColumnsOfItsEvent() throws Exception {
        long e = sessions.eventWithText("x");
        exec(one, "SELECT 1 FROM events WHERE id = " + e + " FOR NO KEY UPDATE");
        try {
            exec(two, "SET LOCAL lock_timeout = '2s'");
            exec(two, insertEmbedding(e));
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
        List<Long> events = sessions.eventsWithChunks(4, 1);
        String[] kinds = {
                "INSERT INTO event_embeddings (event_id, chunk_index) VALUES (%d, %d) ON CONFLICT DO NOTHING",
                "DELETE FROM event_embeddings WHERE event_id = %d AND chunk_index = %d",
                "UPDATE events SET payload_text = CASE WHEN %2$d = 0 THEN '' ELSE 'text %2$d' END WHERE id = %1$d",
                "UPDATE events SET organization_id = 'org-%2$d' WHERE id = %1$d"};
        // a deadlock is the app's to retry; it must not leave drift
        TwoSessions.randomWriters(db, random, 200, r -> {
            long event = events.get(r.nextInt(events.size()));
            return String.format(kinds[r.nextInt(kinds.length)], event, r.nextInt(3));
        });
        assertExact(db);
    }
}
