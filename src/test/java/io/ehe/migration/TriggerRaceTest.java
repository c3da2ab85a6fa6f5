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

import java.sql.SQLException;
import java.util.List;
import java.util.Random;

import static io.ehe.testing.TwoSessions.deleteChunk;
import static io.ehe.testing.TwoSessions.deleteEmbeddings;
import static io.ehe.testing.TwoSessions.insertChunk;
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

    @BeforeAll
    static void setUp() throws SQLException {
        Migrations.migrate(db, true);
        sessions = new TwoSessions(db);
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

    /** {@link TwoSessions#inTurn}; then event {@code e}'s flag is {@code flagAfter}, and true to its rows. */
    private static void inTurn(long e, String first, String second, boolean firstCommits, boolean flagAfter) throws Exception {
        sessions.inTurn(first, second, firstCommits);
        assertThat(truth(e)).as("event %d has rows", e).isEqualTo(flagAfter);
        assertThat(flag(e)).as("event %d", e).isEqualTo(flagAfter);
    }

    @RepeatedTest(25)
    void twoTransactionsDeletingTheTwoEmbeddingsOfOneEventEndFalse() throws Exception {
        long e = sessions.eventWithChunks(2);
        inTurn(e, deleteChunk(e, 0), deleteChunk(e, 1), true, false);
    }

    @RepeatedTest(25)
    void insertRacingADeleteEndsTrueWhicheverCommitsFirst() throws Exception {
        // The insert's trigger takes the event's lock first; the delete waits, then sees the new row.
        long e = sessions.eventWithChunks(1);
        inTurn(e, insertChunk(e, 7), deleteChunk(e, 0), true, true);

        // The delete goes first and writes false; the insert waits, then writes true.
        long f = sessions.eventWithChunks(1);
        inTurn(f, deleteEmbeddings(f), insertChunk(f, 7), true, true);
    }

    @RepeatedTest(15)
    void insertThatRollsBackWhileADeleteWaitsEndsFalse() throws Exception {
        long e = sessions.eventWithChunks(1);
        inTurn(e, insertChunk(e, 7), deleteChunk(e, 0), false, false);
    }

    /** Random interleavings of two writers on a handful of shared events: the flag always ends true to the rows. */
    @Test
    void randomInterleavingsOfTwoWritersKeepTheInvariant() throws Exception {
        Random random = new Random(42);
        List<Long> events = sessions.eventsWithChunks(4, 1);
        // a deadlock or unique violation is the app's problem, not drift
        TwoSessions.randomWriters(db, random, 150, r -> {
            long event = events.get(r.nextInt(events.size()));
            int chunk = r.nextInt(3);
            return r.nextBoolean()
                    ? insertChunk(event, chunk) + " ON CONFLICT DO NOTHING"
                    : deleteChunk(event, chunk);
        });
        for (long e : events) {
            assertThat(flag(e)).as("event %d", e).isEqualTo(truth(e));
        }
        assertThat(db.queryLong("""
                SELECT count(*) FROM events e
                 WHERE e.has_embedding IS DISTINCT FROM EXISTS (SELECT 1 FROM event_embeddings x WHERE x.event_id = e.id)""")).isZero();
    }
}
