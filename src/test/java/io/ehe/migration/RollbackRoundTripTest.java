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
        // 045 and 060 have work only where events / event_embeddings are partitioned (PartitionedColumnDesignTest covers them).
        io.ehe.catalog.Partitioning ordinary = new io.ehe.catalog.Partitioning(false, false);
        assertThat(runner.changeSets()).filteredOn(cs -> cs.belongsTo(Design.COLUMN) && PartitionedReplacements.applies(cs.id(), ordinary))
                .allMatch(ChangeSetState::ran);
        assertThat(runner.changeSets()).filteredOn(cs -> cs.design() == Design.PENDING_TABLE).noneMatch(ChangeSetState::ran);
    }

    /** A new database with the upstream tables and {@code events} events of nine organizations, then {@code embeddings} run. */
    private static TestDatabase upstreamWithEvents(String name, int events, String embeddings) {
        TestDatabase db = io.ehe.testing.PostgresServer.get().createDatabase(name);
        Migrations.createUpstreamTables(db);
        db.execute("INSERT INTO events (organization_id, payload_text) SELECT 'org-' || (g % 9), 'text ' || g FROM generate_series(1, " + events + ") g",
                embeddings);
        return db;
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
        // Peel one changeSet at a time (050, 040, then 190, 070, 030 in the order they ran), each time proving that re-applying
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
        TestDatabase pending = upstreamWithEvents("rollback_pending", 500, "INSERT INTO event_embeddings (event_id) SELECT id FROM events WHERE id % 3 <> 0");
        String beforeModule = Catalog.moduleSnapshot(pending);
        String rows = pending.queryString(ROWS);
        ChangelogRunner runner = Migrations.runner(pending, false, Design.PENDING_TABLE);
        runner.update(null, null);
        assertThat(runner.changeSets()).filteredOn(cs -> cs.design() == Design.PENDING_TABLE).allMatch(ChangeSetState::ran);
        assertThat(runner.changeSets()).filteredOn(cs -> cs.design() == Design.COLUMN).noneMatch(ChangeSetState::ran);
        String full = Catalog.moduleSnapshot(pending);
        assertThat(full).contains("event_embedding_pending").doesNotContain("has_embedding");
        for (int depth = 1; depth <= 5; depth++) {
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

    /**
     * Issue 16's upgrade in place: a database on the pending-table design as released (100-120,
     * bootstrapped) moves to the per-target shape (130-140) and back, keeping its rows and never
     * writing events (a witness trigger counts every UPDATE of events).
     */
    @Test
    void pendingTableUpgradesInPlaceAndRollsBackToTheReleasedShape(TestDatabase db) throws Exception {
        TestDatabase old = upstreamWithEvents("upgrade_pending", 800,
                "INSERT INTO event_embeddings (event_id, chunk_index) SELECT id, 0 FROM events WHERE id % 4 <> 0");
        ChangelogRunner runner = Migrations.runner(old, false, Design.PENDING_TABLE);
        runner.update(null, 3); // 100, 110, 120 (000 is only recorded, marked ran: the tables exist; no step)
        assertThat(runner.changeSets()).filteredOn(cs -> cs.design() == Design.PENDING_TABLE)
                .extracting(cs -> cs.id() + "=" + cs.ran())
                .containsExactly("100-pending-table=true", "110-pending-triggers=true", "120-pending-bootstrap-progress=true",
                        "130-pending-semantics-and-targets=false", "140-pending-per-target=false",
                        "150-pending-partitioned-triggers=false", "160-pending-partition-set=false",
                        "170-pending-definer-functions=false", "180-pending-queue=false", "190-metrics-pending-table=false",
                        "195-definer-schema-usage-pending-table=false", "200-pending-queue-done-claims=false",
                        "210-pending-event-insert-test-in-body=false");
        // The released bootstrap's end state, written by hand (its code is gone): the exact rows and a complete plan.
        old.execute("""
                INSERT INTO event_embedding_pending (event_id, organization_id)
                SELECT id, organization_id FROM events e WHERE payload_text <> ''
                   AND NOT EXISTS (SELECT 1 FROM event_embeddings x WHERE x.event_id = e.id)""",
                "INSERT INTO event_embedding_pending_bootstrap (shard, shard_index, shard_count, range_start, last_id, walked, done) "
                        + "VALUES ('0/1', 0, 1, 0, (SELECT max(id) FROM events), true, true)");
        old.execute("CREATE TABLE zz_updates (n bigint)",
                "CREATE FUNCTION zz_count_updates() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO zz_updates VALUES (1); RETURN NULL; END $$");
        String released = Catalog.moduleSnapshot(old);
        String pendingRows = "SELECT md5(string_agg(event_id || ':' || organization_id, ',' ORDER BY event_id)) FROM event_embedding_pending";
        String before = old.queryString(pendingRows);
        String rows = old.queryString(ROWS);
        old.execute("CREATE TRIGGER zz_count_updates AFTER UPDATE ON events FOR EACH ROW EXECUTE FUNCTION zz_count_updates()");

        runner.update(null, null);
        assertThat(old.queryString("SELECT state FROM event_embedding_pending_targets WHERE model = ''")).isEqualTo("ready");
        assertThat(old.queryString(pendingRows)).as("the released rows, now target ''").isEqualTo(before);
        assertThat(old.queryLong("SELECT count(*) FROM event_embedding_pending WHERE model <> ''")).isZero();
        io.ehe.design.pending.PendingTableDesign design = new io.ehe.design.pending.PendingTableDesign();
        assertThat(design.status(old.connections(), false).ready()).as(design.status(old.connections(), false).text()).isTrue();
        assertThat(design.verify(old.connections(), 0).clean()).isTrue();
        old.execute("INSERT INTO events (organization_id, payload_text) VALUES ('org-new', 'after the upgrade')");
        assertThat(design.verify(old.connections(), 0).clean()).isTrue();
        String upgradedRows = old.queryString(pendingRows);

        // Back to the released shape: the same catalog, the rows kept (default semantics, target ready).
        runner.rollbackCount(10); // 210, 200, 195, 190, 180, 170, 160, 150, 140, 130
        old.execute("DROP TRIGGER zz_count_updates ON events");
        assertThat(Catalog.moduleSnapshot(old)).isEqualTo(released);
        assertThat(old.queryString(pendingRows)).isEqualTo(upgradedRows);
        old.execute("CREATE TRIGGER zz_count_updates AFTER UPDATE ON events FOR EACH ROW EXECUTE FUNCTION zz_count_updates()");
        old.execute("INSERT INTO event_embeddings (event_id) SELECT max(id) FROM events");
        assertThat(old.queryLong("SELECT count(*) FROM event_embedding_pending WHERE event_id = (SELECT max(id) FROM events)"))
                .as("110's triggers are back and work").isZero();

        // Upgrade again, ask another question, roll back: the rows cannot answer the released question, so the
        // table is emptied and the released bootstrap's plan reset (its backfill fills it again).
        runner.update(null, null);
        new io.ehe.design.pending.PendingConfiguration(old.connections(), java.time.Duration.ofSeconds(5), java.time.Duration.ofSeconds(30))
                .configure(new io.ehe.catalog.Semantics("embedding_model", "chunk_index", null, "created_at", java.util.List.of()), java.util.List.of("m"));
        runner.rollbackCount(9); // 200 to 130 again
        assertThat(old.queryLong("SELECT count(*) FROM event_embedding_pending")).isZero();
        assertThat(old.queryLong("SELECT count(*) FROM event_embedding_pending_bootstrap")).isZero();
        assertThat(old.queryLong("SELECT count(*) FROM zz_updates")).as("rows of events updated by the upgrade and its rollbacks").isZero();
        assertThat(old.queryString(ROWS)).isNotEqualTo(rows); // one event and one embedding were added above
    }
}
