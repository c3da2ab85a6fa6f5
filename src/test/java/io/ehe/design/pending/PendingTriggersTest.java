package io.ehe.design.pending;

import io.ehe.catalog.Design;
import io.ehe.testing.Migrations;
import io.ehe.testing.PostgresExtension;
import io.ehe.testing.TestDatabase;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

import static io.ehe.design.pending.PendingInvariant.assertExact;
import static io.ehe.design.pending.PendingInvariant.pending;
import static io.ehe.design.pending.PendingInvariant.pendingAfter;
import static org.assertj.core.api.Assertions.assertThat;

/** Every write path of the pending-table triggers, one transaction at a time. */
@ExtendWith(PostgresExtension.class)
class PendingTriggersTest {

    static TestDatabase db;

    @BeforeAll
    static void setUp() {
        Migrations.migrate(db, true, Design.PENDING_TABLE);
    }

    static long event(String org, String text) {
        return db.queryLong("INSERT INTO events (organization_id, payload_text) VALUES ('" + org + "', "
                + (text == null ? "NULL" : "'" + text + "'") + ") RETURNING id");
    }

    /** An embedding row of the event (the default model and chunk). */
    static String embed(long event) {
        return "INSERT INTO event_embeddings (event_id) VALUES (" + event + ")";
    }

    static String setText(long event, String text) {
        return "UPDATE events SET payload_text = '" + text + "' WHERE id = " + event;
    }

    @Test
    void onlyThePendingTableDesignIsInstalled() {
        assertThat(db.queryLong("SELECT count(*) FROM pg_attribute WHERE attrelid = 'events'::regclass AND attname = 'has_embedding'")).isZero();
        assertThat(db.queryLong("SELECT count(*) FROM pg_trigger WHERE tgname LIKE 'trg_%pending_%' AND NOT tgisinternal"
                + " AND tgrelid IN ('events'::regclass, 'event_embeddings'::regclass)"))
                .isEqualTo(PendingTableDesign.TRIGGERS.size());
        assertThat(db.queryLong("SELECT count(*) FROM databasechangelog WHERE id LIKE '0%' AND id <> '000-baseline-tables'")).isZero();
    }

    @Test
    void newEventsWithTextArePendingUntilEmbedded() {
        long withText = event("a", "hello");
        long noText = event("a", null);
        long empty = event("a", "");
        assertThat(pending(db, withText)).isTrue();
        assertThat(pending(db, noText)).isFalse();
        assertThat(pending(db, empty)).isFalse();
        assertThat(db.queryString("SELECT organization_id FROM event_embedding_pending WHERE event_id = " + withText)).isEqualTo("a");

        assertThat(pendingAfter(db, "INSERT INTO event_embeddings (event_id, chunk_index) VALUES (" + withText + ", 0), (" + withText + ", 1)", withText))
                .isFalse();
        assertThat(pendingAfter(db, "DELETE FROM event_embeddings WHERE event_id = " + withText + " AND chunk_index = 0", withText))
                .as("one chunk is left").isFalse();
        assertThat(pendingAfter(db, "DELETE FROM event_embeddings WHERE event_id = " + withText, withText)).as("no embedding left").isTrue();
        assertExact(db);
    }

    @Test
    void textAndOrganizationChangesFollowTheEvent() {
        long e = event("a", "x");
        assertThat(pendingAfter(db, setText(e, ""), e)).isFalse();
        assertThat(pendingAfter(db, setText(e, "back"), e)).isTrue();
        db.execute("UPDATE events SET organization_id = 'b' WHERE id = " + e);
        assertThat(db.queryString("SELECT organization_id FROM event_embedding_pending WHERE event_id = " + e)).isEqualTo("b");
        db.execute(embed(e));
        assertThat(pendingAfter(db, setText(e, "changed again"), e))
                .as("text changed, but it has an embedding").isFalse();
        assertExact(db);
    }

    @Test
    void movingAnEmbeddingToAnotherEventMovesThePendingRow() {
        long from = event("a", "x");
        long to = event("a", "y");
        assertThat(pendingAfter(db, embed(from), from)).isFalse();
        assertThat(pending(db, to)).isTrue();
        assertThat(pendingAfter(db, "UPDATE event_embeddings SET event_id = " + to + " WHERE event_id = " + from, from)).isTrue();
        assertThat(pending(db, to)).isFalse();
        assertThat(pendingAfter(db, "UPDATE event_embeddings SET embedding_model = 'other' WHERE event_id = " + to, to))
                .as("a restamp changes nothing").isFalse();
        assertExact(db);
    }

    @Test
    void deletingEventsAndTruncatingKeepTheTableExact() {
        long a = event("a", "x");
        long b = event("a", "y");
        db.execute(embed(b));
        assertThat(pendingAfter(db, "DELETE FROM events WHERE id IN (" + a + ", " + b + ")", a)).isFalse();
        assertExact(db);

        long c = event("a", "z");
        db.execute(embed(c));
        assertThat(pendingAfter(db, "TRUNCATE event_embeddings", c)).isTrue();
        assertExact(db);

        db.execute("TRUNCATE events CASCADE");
        assertThat(db.queryLong("SELECT count(*) FROM event_embedding_pending")).isZero();
    }

    @Test
    void bulkStatementsKeepTheTableExact() {
        db.execute("INSERT INTO events (organization_id, payload_text) SELECT 'bulk', CASE WHEN g % 3 = 0 THEN '' ELSE 't' || g END FROM generate_series(1, 500) g");
        db.execute("INSERT INTO event_embeddings (event_id) SELECT id FROM events WHERE organization_id = 'bulk' AND id % 2 = 0");
        assertExact(db);
        db.execute("DELETE FROM event_embeddings WHERE event_id IN (SELECT id FROM events WHERE organization_id = 'bulk' AND id % 4 = 0)");
        db.execute("UPDATE events SET payload_text = 'refilled' WHERE organization_id = 'bulk' AND payload_text = ''");
        assertExact(db);
    }

    /** The design's promise: nothing it does updates events, not even on the embedding paths. */
    @Test
    void noStatementOfTheDesignUpdatesEvents() throws SQLException {
        long e = event("a", "x");
        try (Connection c = db.open()) {
            c.setAutoCommit(false);
            try (Statement st = c.createStatement()) {
                st.execute("INSERT INTO event_embeddings (event_id, chunk_index) VALUES (" + e + ", 0), (" + e + ", 1)");
                st.execute("UPDATE event_embeddings SET chunk_index = 2 WHERE event_id = " + e + " AND chunk_index = 1");
                st.execute("DELETE FROM event_embeddings WHERE event_id = " + e);
                // The delete trigger is deferred to commit: fire it now, inside this transaction (and so
                // that TRUNCATE finds no pending trigger event).
                st.execute("SET CONSTRAINTS ALL IMMEDIATE");
                st.execute("TRUNCATE event_embeddings");
                try (ResultSet rs = st.executeQuery("SELECT pg_stat_get_xact_tuples_updated('public.events'::regclass), "
                        + "pg_stat_get_xact_tuples_hot_updated('public.events'::regclass)")) {
                    rs.next();
                    assertThat(rs.getLong(1)).as("rows of events updated by the triggers").isZero();
                }
            }
            c.rollback();
        }
    }
}
