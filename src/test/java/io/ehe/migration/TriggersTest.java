package io.ehe.migration;

import io.ehe.testing.Migrations;
import io.ehe.testing.PostgresExtension;
import io.ehe.testing.TestDatabase;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;

import static org.assertj.core.api.Assertions.assertThat;

/** 020: every write path of event_embeddings keeps events.has_embedding = EXISTS(embedding rows). */
@ExtendWith(PostgresExtension.class)
class TriggersTest {

    static TestDatabase db;

    @BeforeAll
    static void schema() {
        Migrations.migrate(db, true);
    }

    @BeforeEach
    void empty() {
        db.execute("TRUNCATE events RESTART IDENTITY CASCADE");
    }

    private static long newEvent() {
        return db.queryLong("INSERT INTO events (organization_id, payload_text) VALUES ('org-1', 'some text') RETURNING id");
    }

    /** A new event with one embedding row (chunk 0). */
    private static long embeddedEvent() {
        long id = newEvent();
        db.execute("INSERT INTO event_embeddings (event_id) VALUES (" + id + ")");
        return id;
    }

    private static String flag(long id) {
        return db.queryString("SELECT coalesce(has_embedding::text, 'null') FROM events WHERE id = " + id);
    }

    private static String ctid(long id) {
        return db.queryString("SELECT ctid::text FROM events WHERE id = " + id);
    }

    @Test
    void insertSetsTrueOnlyForThatEvent() {
        long a = newEvent();
        long b = newEvent();
        db.execute("INSERT INTO event_embeddings (event_id) VALUES (" + a + ")");
        assertThat(flag(a)).isEqualTo("true");
        assertThat(flag(b)).isEqualTo("false");
    }

    @Test
    void deleteOfOneOfTwoEmbeddingsKeepsTrueAndOfTheLastSetsFalse() {
        long a = newEvent();
        db.execute("INSERT INTO event_embeddings (event_id, chunk_index) VALUES (" + a + ", 0), (" + a + ", 1)");
        db.execute("DELETE FROM event_embeddings WHERE event_id = " + a + " AND chunk_index = 0");
        assertThat(flag(a)).isEqualTo("true");
        db.execute("DELETE FROM event_embeddings WHERE event_id = " + a);
        assertThat(flag(a)).isEqualTo("false");
    }

    @Test
    void updateThatMovesEventIdMovesTheFlag() {
        long a = embeddedEvent();
        long b = newEvent();
        db.execute("UPDATE event_embeddings SET event_id = " + b + " WHERE event_id = " + a);
        assertThat(flag(a)).isEqualTo("false");
        assertThat(flag(b)).isEqualTo("true");
    }

    @Test
    void updateInPlaceWritesNoNewEventRowVersion() {
        long a = embeddedEvent();
        String before = ctid(a);
        db.execute("UPDATE event_embeddings SET embedding_model = 'restamped', embedding = ARRAY[1.0]::real[] WHERE event_id = " + a);
        assertThat(flag(a)).isEqualTo("true");
        assertThat(ctid(a)).as("a restamp must not rewrite the event row").isEqualTo(before);
    }

    @Test
    void insertForAnEventAlreadyTrueWritesNoNewRowVersion() {
        long a = embeddedEvent();
        String before = ctid(a);
        db.execute("INSERT INTO event_embeddings (event_id, chunk_index) VALUES (" + a + ", 1)");
        assertThat(ctid(a)).isEqualTo(before);
        assertThat(flag(a)).isEqualTo("true");
    }

    @Test
    void truncateSetsEveryEventFalse() {
        long a = embeddedEvent();
        long b = embeddedEvent();
        db.execute("TRUNCATE event_embeddings");
        assertThat(flag(a)).isEqualTo("false");
        assertThat(flag(b)).isEqualTo("false");
    }

    @Test
    void deleteCascadingFromEventsLeavesTheOthersRight() {
        long a = embeddedEvent();
        long b = embeddedEvent();
        db.execute("DELETE FROM events WHERE id = " + a);
        assertThat(db.queryLong("SELECT count(*) FROM events WHERE id = " + a)).isZero();
        assertThat(db.queryLong("SELECT count(*) FROM event_embeddings WHERE event_id = " + a)).isZero();
        assertThat(flag(b)).isEqualTo("true");
    }

    @Test
    void bulkInsertOfAThousandEmbeddingsFlipsAThousandEventsInOneTriggerCall() throws Exception {
        db.execute("INSERT INTO events (organization_id, payload_text) SELECT 'org-' || (g % 5), 'text' FROM generate_series(1, 1500) g");
        try (Connection c = db.open(); Statement st = c.createStatement()) {
            c.setAutoCommit(false);
            st.execute("SET LOCAL track_functions = 'pl'");
            st.execute("INSERT INTO event_embeddings (event_id) SELECT id FROM events ORDER BY id LIMIT 1000");
            try (ResultSet rs = st.executeQuery(
                    "SELECT pg_stat_get_xact_function_calls('public.ehe_has_embedding_after_insert'::regproc)")) {
                rs.next();
                assertThat(rs.getLong(1)).as("one statement-level call, not one per row").isEqualTo(1);
            }
            c.commit();
        }
        assertThat(db.queryLong("SELECT count(*) FROM events WHERE has_embedding")).isEqualTo(1000);
        assertThat(db.queryLong("SELECT count(*) FROM events WHERE NOT has_embedding")).isEqualTo(500);
    }

    @Test
    void invariantHoldsAfterAMixOfBulkStatements() {
        db.execute("INSERT INTO events (organization_id, payload_text) SELECT 'org-' || (g % 5), 'text' FROM generate_series(1, 3000) g");
        db.execute("INSERT INTO event_embeddings (event_id, chunk_index) SELECT id, c FROM events, generate_series(0, 2) c WHERE id % 3 = 0 AND c <= id % 4");
        db.execute("DELETE FROM event_embeddings WHERE event_id % 5 = 0 AND chunk_index = 0");
        db.execute("UPDATE event_embeddings SET event_id = event_id + 1 WHERE event_id % 7 = 0 AND event_id < 3000 AND chunk_index = 1");
        db.execute("INSERT INTO event_embeddings (event_id, chunk_index) SELECT id, 5 FROM events WHERE id % 11 = 0");
        assertThat(db.queryLong("""
                SELECT count(*) FROM events e
                 WHERE e.has_embedding IS DISTINCT FROM EXISTS (SELECT 1 FROM event_embeddings x WHERE x.event_id = e.id)""")).isZero();
        assertThat(db.queryLong("SELECT count(*) FROM events WHERE has_embedding")).isPositive();
    }
}
