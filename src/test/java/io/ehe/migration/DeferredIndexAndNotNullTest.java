package io.ehe.migration;

import io.ehe.testing.DataSet;
import io.ehe.testing.Migrations;
import io.ehe.testing.PostgresExtension;
import io.ehe.testing.TestDatabase;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** 040 and 050 wait for the backfill: skipped (not marked ran) while any row is NULL, applied once none is. */
@ExtendWith(PostgresExtension.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DeferredIndexAndNotNullTest {

    private static final String INDEX = "idx_events_pending_embedding";

    private static boolean ran(TestDatabase db, String id) {
        return db.queryLong("SELECT count(*) FROM databasechangelog WHERE id = '" + id + "'") == 1;
    }

    private static String nullable(TestDatabase db) {
        return db.queryString("SELECT is_nullable FROM information_schema.columns WHERE table_name = 'events' AND column_name = 'has_embedding'");
    }

    @Test
    @Order(1)
    void skippedWhileNullRowsExistAndTriedAgainOnTheNextUpdate(TestDatabase db) throws Exception {
        Migrations.baselineOnly(db);
        DataSet.ofSize(30_000).load(db);
        Migrations.migrate(db, false);
        assertThat(ran(db, "020-has-embedding-triggers")).isTrue();
        assertThat(ran(db, "040-pending-embedding-index")).isFalse();
        assertThat(ran(db, "050-has-embedding-not-null")).isFalse();
        assertThat(db.queryString("SELECT to_regclass('public." + INDEX + "')::text")).isNull();
        assertThat(nullable(db)).isEqualTo("YES");

        // A second update, still with NULL rows: still skipped, and still pending (not marked ran).
        Migrations.migrate(db, false);
        List<ChangeSetState> states = Migrations.runner(db, false).changeSets();
        assertThat(states).filteredOn(s -> s.id().equals("040-pending-embedding-index")).singleElement()
                .extracting(ChangeSetState::ran).isEqualTo(false);
    }

    @Test
    @Order(2)
    void anInvalidLeftoverIsReplacedAndTheIndexIsBuiltOnceNoNullRemains(TestDatabase db) throws Exception {
        // What a CREATE INDEX CONCURRENTLY that failed half way leaves behind: an INVALID index of that name.
        try (Connection c = db.open()) {
            SQLException failed = catchThrowableOfType(SQLException.class, () -> c.createStatement().execute(
                    "CREATE UNIQUE INDEX CONCURRENTLY " + INDEX + " ON public.events (organization_id)"));
            assertThat((Object) failed).isNotNull();
        }
        assertThat(db.queryString("SELECT indisvalid::text FROM pg_index WHERE indexrelid = 'public." + INDEX + "'::regclass")).isEqualTo("false");

        // Stand-in for the backfill (its own tests live with it): every NULL gets the truth.
        db.execute("UPDATE events e SET has_embedding = EXISTS (SELECT 1 FROM event_embeddings x WHERE x.event_id = e.id) WHERE has_embedding IS NULL",
                "ANALYZE events");
        Migrations.migrate(db, false);

        assertThat(ran(db, "040-pending-embedding-index")).isTrue();
        assertThat(db.queryString("SELECT indisvalid::text FROM pg_index WHERE indexrelid = 'public." + INDEX + "'::regclass")).isEqualTo("true");
        assertThat(db.queryString("SELECT pg_get_indexdef('public." + INDEX + "'::regclass)"))
                .isEqualTo("CREATE INDEX " + INDEX + " ON public.events USING btree (organization_id, id) "
                        + "WHERE ((NOT has_embedding) AND (payload_text IS NOT NULL) AND (payload_text <> ''::text))");
    }

    @Test
    @Order(3)
    void theSchedulerQueryUsesTheIndex(TestDatabase db) {
        String plan = String.join("\n", db.queryStrings("""
                EXPLAIN SELECT organization_id, id FROM events
                 WHERE NOT has_embedding AND payload_text IS NOT NULL AND payload_text <> ''
                 ORDER BY organization_id, id LIMIT 100"""));
        assertThat(plan).contains(INDEX);
        String perOrg = String.join("\n", db.queryStrings("""
                EXPLAIN SELECT organization_id, count(*) FROM events
                 WHERE NOT has_embedding AND payload_text IS NOT NULL AND payload_text <> ''
                 GROUP BY organization_id"""));
        assertThat(perOrg).contains(INDEX);
    }

    @Test
    @Order(4)
    void notNullIsSetAfterTheBackfillAndRejectsAnExplicitNull(TestDatabase db) throws Exception {
        assertThat(ran(db, "050-has-embedding-not-null")).isTrue();
        assertThat(nullable(db)).isEqualTo("NO");
        assertThat(db.queryLong("SELECT count(*) FROM pg_constraint WHERE conname = 'events_has_embedding_not_null'"))
                .as("the helper check is gone once NOT NULL holds").isZero();
        try (Connection c = db.open()) {
            SQLException rejected = catchThrowableOfType(SQLException.class, () -> c.createStatement().execute(
                    "INSERT INTO events (organization_id, payload_text, has_embedding) VALUES ('o', 't', NULL)"));
            assertThat((Object) rejected).isNotNull();
            assertThat(rejected.getSQLState()).isEqualTo("23502");
        }
    }
}
