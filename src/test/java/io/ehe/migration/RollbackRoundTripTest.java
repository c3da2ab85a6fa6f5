package io.ehe.migration;

import io.ehe.catalog.Design;
import io.ehe.testing.Catalog;
import io.ehe.testing.Migrations;
import io.ehe.testing.PostgresExtension;
import io.ehe.testing.TestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * make rollback-test: apply every changeSet, roll every one back, apply again. The catalog after the
 * round trip must equal the catalog before it, and rows that existed before must still be there.
 */
@ExtendWith(PostgresExtension.class)
class RollbackRoundTripTest {

    private static final String ROWS = """
            SELECT md5(coalesce(string_agg(e.id || ':' || e.organization_id || ':' || coalesce(e.payload_text, '~')
                   || ':' || (SELECT count(*) FROM event_embeddings x WHERE x.event_id = e.id), ',' ORDER BY e.id), ''))
              FROM events e""";

    /** Applies everything, including the deferred index and NOT NULL (which need a backfilled table). */
    private static void applyAll(TestDatabase db, boolean baseline) throws Exception {
        ChangelogRunner runner = Migrations.runner(db, baseline);
        runner.update(null, null);
        db.execute("UPDATE events e SET has_embedding = EXISTS (SELECT 1 FROM event_embeddings x WHERE x.event_id = e.id) WHERE has_embedding IS NULL");
        runner.update(null, null);
        assertThat(runner.changeSets()).filteredOn(cs -> cs.belongsTo(Design.COLUMN)).allMatch(ChangeSetState::ran);
        assertThat(runner.changeSets()).filteredOn(cs -> cs.design() == Design.PENDING_TABLE).noneMatch(ChangeSetState::ran);
    }

    private static int applied(TestDatabase db) {
        return (int) db.queryLong("SELECT count(*) FROM databasechangelog");
    }

    @Test
    void productionShapedDatabaseKeepsItsTablesAndRows(TestDatabase db) throws Exception {
        Migrations.createUpstreamTables(db);
        db.execute("INSERT INTO events (organization_id, payload_text) SELECT 'org-' || (g % 9), CASE WHEN g % 13 = 0 THEN NULL ELSE 'text ' || g END FROM generate_series(1, 3000) g",
                "INSERT INTO event_embeddings (event_id, chunk_index) SELECT id, c FROM events, generate_series(0, 1) c WHERE id % 3 <> 0 AND c <= id % 2");
        String beforeModule = Catalog.moduleSnapshot(db);
        String rows = db.queryString(ROWS);

        applyAll(db, false);
        String applied = Catalog.moduleSnapshot(db);
        assertThat(applied).isNotEqualTo(beforeModule).contains("idx_events_pending_embedding");

        ChangelogRunner runner = Migrations.runner(db, false);
        runner.rollbackCount(applied(db));
        assertThat(Catalog.moduleSnapshot(db)).as("everything the module added is gone, nothing else").isEqualTo(beforeModule);
        assertThat(db.queryString(ROWS)).as("events and event_embeddings rows untouched").isEqualTo(rows);
        assertThat(applied(db)).isZero();

        applyAll(db, false);
        assertThat(Catalog.moduleSnapshot(db)).isEqualTo(applied);
        assertThat(db.queryString(ROWS)).isEqualTo(rows);
    }

    @Test
    void eachChangeSetRollsBackAloneAndReapplies(TestDatabase db) throws Exception {
        TestDatabase fresh = io.ehe.testing.PostgresServer.get().createDatabase("rollback_each");
        applyAll(fresh, true);
        fresh.execute("INSERT INTO events (organization_id, payload_text) VALUES ('o', 'kept')");
        String full = Catalog.moduleSnapshot(fresh);
        ChangelogRunner runner = Migrations.runner(fresh, true);
        // Peel one changeSet at a time (050, 040, 030, 020, 010), each time proving that re-applying
        // just that one restores the full catalog.
        for (int depth = 1; depth <= 5; depth++) {
            runner.rollbackCount(depth);
            assertThat(Catalog.moduleSnapshot(fresh)).isNotEqualTo(full);
            runner.update(null, null);
            fresh.execute("UPDATE events SET has_embedding = false WHERE has_embedding IS NULL");
            runner.update(null, null);
            assertThat(Catalog.moduleSnapshot(fresh)).as("after rolling back %d and re-applying", depth).isEqualTo(full);
        }
        assertThat(fresh.queryLong("SELECT count(*) FROM events WHERE payload_text = 'kept'")).isOne();
    }

    @Test
    void baselineTablesAreDroppedOnlyWhenTheBaselineCreatedThem(TestDatabase db) throws Exception {
        TestDatabase dev = io.ehe.testing.PostgresServer.get().createDatabase("rollback_baseline");
        String empty = Catalog.moduleSnapshot(dev);
        applyAll(dev, true);
        String applied = Catalog.moduleSnapshot(dev);
        Migrations.runner(dev, true).rollbackCount(applied(dev));
        assertThat(Catalog.moduleSnapshot(dev)).isEqualTo(empty);
        applyAll(dev, true);
        assertThat(Catalog.moduleSnapshot(dev)).isEqualTo(applied);
    }

    /** The pending-table design: apply its changeSets, roll each back alone and re-apply, then all of them. */
    @Test
    void pendingTableDesignRollsBackAloneAndWhole(TestDatabase db) throws Exception {
        TestDatabase pending = io.ehe.testing.PostgresServer.get().createDatabase("rollback_pending");
        Migrations.createUpstreamTables(pending);
        pending.execute("INSERT INTO events (organization_id, payload_text) SELECT 'org-' || (g % 9), 'text ' || g FROM generate_series(1, 500) g",
                "INSERT INTO event_embeddings (event_id) SELECT id FROM events WHERE id % 3 <> 0");
        String beforeModule = Catalog.moduleSnapshot(pending);
        String rows = pending.queryString(ROWS);
        ChangelogRunner runner = Migrations.runner(pending, false, Design.PENDING_TABLE);
        runner.update(null, null);
        assertThat(runner.changeSets()).filteredOn(cs -> cs.design() == Design.PENDING_TABLE).allMatch(ChangeSetState::ran);
        assertThat(runner.changeSets()).filteredOn(cs -> cs.design() == Design.COLUMN).noneMatch(ChangeSetState::ran);
        String full = Catalog.moduleSnapshot(pending);
        assertThat(full).contains("event_embedding_pending").doesNotContain("has_embedding");
        for (int depth = 1; depth <= 3; depth++) {
            runner.rollbackCount(depth);
            assertThat(Catalog.moduleSnapshot(pending)).isNotEqualTo(full);
            runner.update(null, null);
            assertThat(Catalog.moduleSnapshot(pending)).as("after rolling back %d and re-applying", depth).isEqualTo(full);
        }
        runner.rollbackCount(applied(pending));
        assertThat(Catalog.moduleSnapshot(pending)).isEqualTo(beforeModule);
        assertThat(pending.queryString(ROWS)).isEqualTo(rows);
        runner.update(null, null);
        assertThat(Catalog.moduleSnapshot(pending)).isEqualTo(full);
    }
}
