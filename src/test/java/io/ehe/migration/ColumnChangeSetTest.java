package io.ehe.migration;

import io.ehe.testing.Migrations;
import io.ehe.testing.PostgresExtension;
import io.ehe.testing.TestDatabase;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import static org.assertj.core.api.Assertions.assertThat;

/** 010: the column arrives without a rewrite, old rows stay unknown, new rows start false. */
@ExtendWith(PostgresExtension.class)
class ColumnChangeSetTest {

    static long relfilenodeBefore;

    @BeforeAll
    static void applyColumnOnATableWithRows(TestDatabase db) throws Exception {
        Migrations.createUpstreamTables(db);
        db.execute("INSERT INTO events (organization_id, payload_text) SELECT 'org-' || (g % 7), 'text ' || g FROM generate_series(1, 5000) g",
                "INSERT INTO event_embeddings (event_id) SELECT id FROM events WHERE id % 2 = 0");
        relfilenodeBefore = db.queryLong("SELECT relfilenode FROM pg_class WHERE oid = 'public.events'::regclass");
        // the column changeSet (the baseline is only recorded, marked ran: the tables exist; no step of --count)
        Migrations.runner(db, false).update(null, 1);
    }

    @Test
    void addsTheColumnWithoutRewritingTheTable(TestDatabase db) {
        long after = db.queryLong("SELECT relfilenode FROM pg_class WHERE oid = 'public.events'::regclass");
        assertThat(after).isEqualTo(relfilenodeBefore);
        assertThat(db.queryString("SELECT data_type || ' ' || is_nullable FROM information_schema.columns "
                + "WHERE table_name = 'events' AND column_name = 'has_embedding'")).isEqualTo("boolean YES");
    }

    @Test
    void leavesExistingRowsNullAndStartsNewRowsFalse(TestDatabase db) {
        assertThat(db.queryLong("SELECT count(*) FROM events WHERE has_embedding IS NULL")).isEqualTo(5000);
        long id = db.queryLong("INSERT INTO events (organization_id, payload_text) VALUES ('org-new', 'fresh') RETURNING id");
        assertThat(db.queryString("SELECT has_embedding::text FROM events WHERE id = " + id)).isEqualTo("false");
    }

    @Test
    void baselineWasNotAppliedOnAnExistingSchema(TestDatabase db) {
        assertThat(db.queryString("SELECT coalesce(obj_description('public.events'::regclass, 'pg_class'), 'none')")).isEqualTo("none");
        assertThat(db.queryString("SELECT exectype FROM databasechangelog WHERE id = '000-baseline-tables'")).isEqualTo("MARK_RAN");
    }
}
