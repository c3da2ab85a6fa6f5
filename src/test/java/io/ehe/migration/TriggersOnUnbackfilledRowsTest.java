package io.ehe.migration;

import io.ehe.testing.Migrations;
import io.ehe.testing.PostgresExtension;
import io.ehe.testing.TestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import static org.assertj.core.api.Assertions.assertThat;

/** Before the backfill, rows are NULL: a trigger that touches one writes the truth, never leaves it NULL. */
@ExtendWith(PostgresExtension.class)
class TriggersOnUnbackfilledRowsTest {

    @Test
    void triggersWriteTheTruthOverNull(TestDatabase db) {
        Migrations.createUpstreamTables(db);
        db.execute("INSERT INTO events (organization_id, payload_text) SELECT 'o', 't' FROM generate_series(1, 4) g",
                "INSERT INTO event_embeddings (event_id, chunk_index) VALUES (2, 0), (3, 0), (3, 1)");
        Migrations.migrate(db, false);
        assertThat(db.queryLong("SELECT count(*) FROM events WHERE has_embedding IS NULL")).isEqualTo(4);

        db.execute("INSERT INTO event_embeddings (event_id) VALUES (1)");
        db.execute("DELETE FROM event_embeddings WHERE event_id = 2");
        db.execute("DELETE FROM event_embeddings WHERE event_id = 3 AND chunk_index = 0");

        assertThat(db.queryList("SELECT id || '=' || coalesce(has_embedding::text, 'null') FROM events ORDER BY id",
                rs -> { try { return rs.getString(1); } catch (Exception e) { throw new IllegalStateException(e); } }))
                .containsExactly("1=true", "2=false", "3=true", "4=null");
    }
}
