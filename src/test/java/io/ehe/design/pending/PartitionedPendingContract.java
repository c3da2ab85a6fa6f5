package io.ehe.design.pending;

import io.ehe.catalog.Design;
import io.ehe.design.DesignStatus;
import io.ehe.testing.Migrations;
import io.ehe.testing.PartitionedSchema;
import io.ehe.testing.TestDatabase;
import io.ehe.testing.TwoSessions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

import java.util.List;

import static io.ehe.design.pending.AppSchema.cli;
import static io.ehe.design.pending.AppSchema.pending;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Issue 18, pending-table design, on a partitioned events and event_embeddings
 * ({@link PartitionedSchema}; each subclass one scheme): install and fill, every write path through
 * the parent and naming a partition, rows moving between partitions, a partition created later, each
 * maintenance operation followed by the documented step (docs/partitioning.md), a disabled trigger
 * copy, and a rollback that leaves nothing of the module on any table. The truth is the app's own
 * definition ({@link AppSchema#assertExact}), computed without the module.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
abstract class PartitionedPendingContract {

    static final String M = "model-a";

    TestDatabase db;
    PartitionedSchema schema;

    abstract PartitionedSchema.Scheme scheme();

    @BeforeAll
    void setUp(TestDatabase database) {
        db = database;
        schema = PartitionedSchema.create(db, scheme(), true);
        for (String leaf : schema.eventLeaves()) {
            seed(leaf, 6);
        }
        AppSchema.installOnExisting(db, M);
    }

    /** n events in leaf: every other one embedded (chunk 0 of M), one with empty text, one without organization. */
    List<Long> seed(String leaf, int n) {
        List<Long> ids = new java.util.ArrayList<>();
        for (int i = 0; i < n; i++) {
            long e = schema.eventIn(leaf, i == 3 ? null : "org-" + (i % 2), i == 5 ? "" : "text " + i);
            if (i % 2 == 0) {
                embed(e, 0);
            }
            ids.add(e);
        }
        return ids;
    }

    void embed(long event, int chunk) {
        db.execute("INSERT INTO event_embeddings (event_id, embedding_model, chunk_index) VALUES (" + event + ", '" + M + "', " + chunk + ")");
    }

    DesignStatus status() throws Exception {
        // As the status command prints it: the reasons are the "not ready:" lines at the top.
        return new io.ehe.design.select.VerdictFirstStatus(new PendingTableDesign().status(db.connections(), false));
    }

    void exactAndReady() throws Exception {
        AppSchema.assertExact(db);
        assertThat(cli(db, "verify")).as("verify").isZero();
        DesignStatus s = status();
        assertThat(s.ready()).as(s.text()).isTrue();
        assertThat(cli(db, "status")).as("the CLI's status, with its sampled drift check over the partitions").isZero();
    }

    void notReadyNaming(String partition) throws Exception {
        DesignStatus s = status();
        assertThat(s.ready()).as(s.text()).isFalse();
        assertThat(s.text()).contains(partition).contains("partitions sync");
    }

    /** Not ready, naming {@code partition}; then partitions sync makes it exact and ready. */
    void notReadyUntilSynced(String partition) throws Exception {
        notReadyNaming(partition);
        sync();
        exactAndReady();
    }

    /** The events partition that is itself partitioned, in this scheme. */
    String subPartitioned() {
        return scheme() == PartitionedSchema.Scheme.BY_ID ? "events_p1" : "events_recent";
    }

    void sync() {
        assertThat(cli(db, "partitions", "sync")).as("partitions sync").isZero();
    }

    @Test
    @Order(1)
    void installsFillsAndVerifies() throws Exception {
        assertThat(status().ready()).as("filling until backfill").isFalse();
        assertThat(cli(db, "backfill")).isZero();
        exactAndReady();
        assertThat(db.queryLong("SELECT count(DISTINCT e.tableoid) FROM event_embedding_pending p JOIN events e ON e.id = p.event_id"))
                .as("pending rows on every leaf").isEqualTo(schema.eventLeaves().size());
    }

    @Test
    @Order(2)
    void everyWritePathThroughTheParentAndNamingAPartition() throws Exception {
        for (String leaf : schema.eventLeaves()) {
            long viaParent = schema.eventIn(leaf, "org", "text");
            long named = db.queryLong(schema.insertNamingLeaf(leaf, "org", "text"));
            assertThat(schema.leafOf(named)).isEqualTo(leaf);
            assertThat(pending(db, viaParent, M)).isTrue();
            assertThat(pending(db, named, M)).as("insert naming %s", leaf).isTrue();

            embed(named, 1);
            String embLeaf = schema.embeddingLeafOf(named);
            db.execute("INSERT INTO " + embLeaf + " (event_id, embedding_model, chunk_index) VALUES (" + named + ", '" + M + "', 0)");
            assertThat(pending(db, named, M)).as("embedding insert naming %s", embLeaf).isFalse();
            db.execute("UPDATE " + embLeaf + " SET chunk_index = 7 WHERE event_id = " + named + " AND chunk_index = 0");
            assertThat(pending(db, named, M)).as("embedding update naming %s", embLeaf).isTrue();
            db.execute("UPDATE " + embLeaf + " SET chunk_index = 0 WHERE event_id = " + named + " AND chunk_index = 7");
            db.execute("DELETE FROM " + embLeaf + " WHERE event_id = " + named + " AND chunk_index = 0");
            assertThat(pending(db, named, M)).as("embedding delete naming %s", embLeaf).isTrue();

            db.execute("UPDATE " + leaf + " SET payload_text = '' WHERE id = " + named);
            assertThat(pending(db, named, M)).as("update naming %s", leaf).isFalse();
            db.execute("UPDATE " + leaf + " SET payload_text = 'again', organization_id = 'org-2' WHERE id = " + named);
            assertThat(db.queryString("SELECT organization_id FROM event_embedding_pending WHERE event_id = " + named)).isEqualTo("org-2");
            db.execute("UPDATE " + leaf + " SET superseded_by = " + viaParent + " WHERE id = " + named);
            assertThat(pending(db, named, M)).as("supersede naming %s", leaf).isFalse();
            db.execute("UPDATE events SET superseded_by = NULL WHERE id = " + named);
            assertThat(pending(db, named, M)).isTrue();

            db.execute("DELETE FROM " + embLeaf + " WHERE event_id = " + named);
            db.execute("DELETE FROM " + leaf + " WHERE id = " + named);
            assertThat(pending(db, named, M)).as("delete naming %s", leaf).isFalse();
            db.execute("DELETE FROM event_embeddings WHERE event_id = " + viaParent);
            db.execute("DELETE FROM events WHERE id = " + viaParent);
            assertThat(pending(db, viaParent, M)).isFalse();
            AppSchema.assertExact(db);
        }
        exactAndReady();
    }

    @Test
    @Order(3)
    void aRowMovingBetweenPartitionsKeepsWhatItIs() throws Exception {
        List<String> leaves = schema.eventLeaves();
        for (int i = 0; i < leaves.size(); i++) {
            String from = leaves.get(i);
            String to = leaves.get((i + 1) % leaves.size());
            long unembedded = schema.eventIn(from, "org", "text");
            long moved = schema.move(unembedded, to);
            assertThat(schema.leafOf(moved)).isEqualTo(to);
            assertThat(pending(db, moved, M)).as("%s -> %s, no embedding", from, to).isTrue();

            long dying = schema.eventIn(from, "org", "text");
            PartitionedSchema.Move m = schema.moveTo(dying, to);
            db.execute(m.sql().replace(" SET ", " SET payload_text = '', "));
            assertThat(pending(db, m.newId(), M)).as("moved and emptied").isFalse();
            db.execute("UPDATE events SET payload_text = 'alive' WHERE id = " + m.newId());
            assertThat(pending(db, m.newId(), M)).isTrue();

            long dead = schema.eventIn(from, "org", "");
            PartitionedSchema.Move born = schema.moveTo(dead, to);
            db.execute(born.sql().replace(" SET ", " SET payload_text = 'now live', organization_id = 'org-9', "));
            assertThat(db.queryString("SELECT organization_id FROM event_embedding_pending WHERE event_id = " + born.newId()))
                    .as("moved and made live").isEqualTo("org-9");

            if (!schema.foreignKey()) {
                // Without the foreign key an embedded event can move: the insert on the new leaf must not add it back.
                long embedded = schema.eventIn(from, "org", "text");
                embed(embedded, 0);
                assertThat(schema.move(embedded, to)).isEqualTo(embedded);
                assertThat(pending(db, embedded, M)).as("%s -> %s, embedded", from, to).isFalse();
                long superseded = schema.eventIn(from, "org", "text");
                PartitionedSchema.Move s = schema.moveTo(superseded, to);
                db.execute(s.sql().replace(" SET ", " SET superseded_by = " + embedded + ", "));
                assertThat(pending(db, superseded, M)).as("moved and superseded").isFalse();
            } else {
                long embedded = schema.eventIn(from, "org", "text");
                embed(embedded, 0);
                PartitionedSchema.Move fk = schema.moveTo(embedded, to);
                if (db.queryLong("SELECT current_setting('server_version_num')::int") >= 150000) {
                    assertThatThrownBy(() -> db.execute(fk.sql())).as("the foreign key keeps an embedded event's id").hasMessageContaining("foreign key");
                } else {
                    // Before 15 the move's DELETE fires the foreign key's ON DELETE CASCADE: the embeddings go, the event is pending.
                    db.execute(fk.sql());
                    assertThat(pending(db, fk.newId(), M)).as("moved, its embeddings cascaded away").isTrue();
                }
            }
            AppSchema.assertExact(db);
        }
        exactAndReady();
    }

    /** Writes naming the sub-partitioned partition itself (not a leaf, not the root). */
    @Test
    @Order(4)
    void writesNamingTheSubPartitionedPartition() throws Exception {
        String intermediate = subPartitioned();
        String leaf = schema.eventLeaves().get(2);
        String insert = schema.insertNamingLeaf(leaf, "org", "text").replace("INSERT INTO public." + leaf + " ", "INSERT INTO public." + intermediate + " ");
        long e = db.queryLong(insert);
        assertThat(schema.leafOf(e)).isEqualTo(leaf);
        assertThat(pending(db, e, M)).isTrue();
        db.execute("UPDATE " + intermediate + " SET organization_id = 'org-7' WHERE id = " + e);
        assertThat(db.queryString("SELECT organization_id FROM event_embedding_pending WHERE event_id = " + e)).isEqualTo("org-7");
        db.execute("DELETE FROM " + intermediate + " WHERE id = " + e);
        assertThat(pending(db, e, M)).isFalse();
        exactAndReady();
    }

    /** An UPDATE naming a sub-partitioned partition moves rows between its own leaves. */
    @Test
    @Order(4)
    void aMoveInsideASubPartitionedPartition() throws Exception {
        String a = schema.eventLeaves().get(1);
        String b = schema.eventLeaves().get(2);
        String intermediate = subPartitioned();
        long e = schema.eventIn(a, "org", "text");
        long unembedded = schema.eventIn(a, "org", "text");
        if (!schema.foreignKey()) {
            embed(e, 0);
        }
        for (long id : new long[]{e, unembedded}) {
            PartitionedSchema.Move m = schema.moveTo(id, b);
            db.execute(m.sql().replace("UPDATE public.events ", "UPDATE public." + intermediate + " "));
            assertThat(schema.leafOf(m.newId())).isEqualTo(b);
        }
        exactAndReady();
    }

    @Test
    @Order(5)
    void aMoveRacingAnEmbeddingDeleteOrInsertEndsExact() throws Exception {
        String from = schema.eventLeaves().get(0);
        String to = schema.eventLeaves().get(3);
        for (boolean moveFirst : new boolean[]{true, false}) {
            long e = schema.eventIn(from, "org", "text");
            embed(e, 0);
            long other = schema.eventIn(from, "org", "text");
            // The embedding's delete decides at commit; the move is a DELETE + INSERT on the leaves.
            PartitionedSchema.Move move = schema.foreignKey() ? schema.moveTo(other, to) : schema.moveTo(e, to);
            String delete = "DELETE FROM event_embeddings WHERE event_id = " + e;
            try (TwoSessions sessions = new TwoSessions(db)) {
                sessions.race(moveFirst ? move.sql() : delete, moveFirst ? delete : move.sql());
            }
            AppSchema.assertExact(db);
        }
        for (boolean deleteEventFirst : new boolean[]{true, false}) {
            // The embedding's deferred delete may add the pair back; the event's delete naming its leaf must win either way.
            long e = schema.eventIn(from, "org", "text");
            embed(e, 0);
            String deleteEvent = "DELETE FROM " + from + " WHERE id = " + e;
            String deleteEmbedding = "DELETE FROM event_embeddings WHERE event_id = " + e;
            try (TwoSessions sessions = new TwoSessions(db)) {
                sessions.race(deleteEventFirst ? deleteEvent : deleteEmbedding, deleteEventFirst ? deleteEmbedding : deleteEvent);
            }
            assertThat(pending(db, e, M)).as("event deleted first: %s", deleteEventFirst).isFalse();
            AppSchema.assertExact(db);
        }
        if (!schema.foreignKey()) {
            for (boolean moveFirst : new boolean[]{true, false}) {
                long e = schema.eventIn(from, "org", "text");
                PartitionedSchema.Move move = schema.moveTo(e, to);
                String insert = "INSERT INTO event_embeddings (event_id, embedding_model, chunk_index) VALUES (" + e + ", '" + M + "', 0)";
                try (TwoSessions sessions = new TwoSessions(db)) {
                    sessions.race(moveFirst ? move.sql() : insert, moveFirst ? insert : move.sql());
                }
                assertThat(pending(db, e, M)).as("move first: %s", moveFirst).isFalse();
                AppSchema.assertExact(db);
            }
        }
        exactAndReady();
    }

    @Test
    @Order(6)
    void aPartitionCreatedLaterIsExactAtOnceAndSyncRecordsIt() throws Exception {
        String bound = scheme() == PartitionedSchema.Scheme.BY_ID
                ? "FOR VALUES FROM (1000000) TO (2000000)"
                : "FOR VALUES FROM (" + PartitionedSchema.at(100) + ") TO (" + PartitionedSchema.at(130) + ")";
        schema.addPartition("events", "events_later", bound);
        String insert = scheme() == PartitionedSchema.Scheme.BY_ID
                ? "INSERT INTO events_later (id, organization_id, payload_text) VALUES (1000001, 'org', 'text') RETURNING id"
                : "INSERT INTO events_later (id, organization_id, payload_text, created_at) VALUES (" + schema.nextId() + ", 'org', 'text', "
                  + PartitionedSchema.at(110) + ") RETURNING id";
        long e = db.queryLong(insert);
        assertThat(pending(db, e, M)).as("the cloned insert trigger").isTrue();
        db.execute("DELETE FROM events_later WHERE id = " + e);
        assertThat(pending(db, e, M)).as("the cloned delete trigger").isFalse();
        db.queryLong(insert.replace("1000001", "1000002"));
        AppSchema.assertExact(db);
        notReadyUntilSynced("events_later");
        assertThat(db.queryLong("SELECT count(*) FROM pg_trigger WHERE tgrelid = 'public.events_later'::regclass"
                + " AND tgname = 'trg_events_pending_targets_leaf_trunc'")).isOne();
    }

    @Test
    @Order(7)
    void truncateOfAnEventsPartitionIsExactAtOnce() throws Exception {
        // With the foreign key a referenced partition truncates only with CASCADE (which truncates event_embeddings too).
        db.execute("TRUNCATE events_later" + (schema.foreignKey() ? " CASCADE" : ""));
        exactAndReady();
        db.execute("INSERT INTO event_embeddings (event_id, embedding_model, chunk_index) SELECT id, '" + M + "', 0 FROM events"
                + " WHERE payload_text <> '' AND id % 3 = 0 ON CONFLICT DO NOTHING");
        exactAndReady();
    }

    @Test
    @Order(8)
    void truncateOfAnEmbeddingsPartitionIsExactAtOnce() throws Exception {
        db.execute("INSERT INTO event_embeddings (event_id, embedding_model, chunk_index) SELECT id, '" + M + "', 0 FROM events"
                + " WHERE payload_text <> '' AND id % 2 = 1 ON CONFLICT DO NOTHING");
        assertThat(db.queryLong("SELECT count(*) FROM event_embeddings_h0")).isPositive();
        db.execute("TRUNCATE event_embeddings_h0");
        exactAndReady();
    }

    @Test
    @Order(9)
    void detachThenSync() throws Exception {
        String leaf = schema.eventLeaves().get(0);
        retire(leaf);
        db.execute("ALTER TABLE events DETACH PARTITION " + leaf);
        assertThat(AppSchema.stale(db)).as("the detached partition's rows").isPositive();
        notReadyUntilSynced(leaf);
        assertThat(db.queryLong("SELECT count(*) FROM pg_trigger WHERE tgrelid = 'public." + leaf + "'::regclass")).as("nothing of the module stays on the archive").isZero();
        db.execute("DROP TABLE " + leaf);
        exactAndReady();
    }

    @Test
    @Order(10)
    void detachConcurrentlyThenSync() throws Exception {
        String leaf = schema.eventLeaves().get(1);
        retire(leaf);
        db.execute("ALTER TABLE " + subPartitioned() + " DETACH PARTITION " + leaf + " CONCURRENTLY");
        notReadyUntilSynced(leaf);
    }

    @Test
    @Order(11)
    void dropThenSync() throws Exception {
        String leaf = "events_later";
        db.queryLong(scheme() == PartitionedSchema.Scheme.BY_ID
                ? "INSERT INTO events (id, organization_id, payload_text) VALUES (1000005, 'org', 'to be dropped') RETURNING id"
                : "INSERT INTO events (organization_id, payload_text, created_at) VALUES ('org', 'to be dropped', " + PartitionedSchema.at(110)
                  + ") RETURNING id");
        retire(leaf);
        if (schema.foreignKey()) {
            // A partition the foreign key references drops only once detached (PostgreSQL refuses otherwise).
            db.execute("ALTER TABLE events DETACH PARTITION " + leaf);
        }
        db.execute("DROP TABLE " + leaf);
        assertThat(AppSchema.stale(db)).isPositive();
        notReadyUntilSynced(leaf);
    }

    @Test
    @Order(12)
    void attachOfAPrefilledTableThenSync() throws Exception {
        String bound = scheme() == PartitionedSchema.Scheme.BY_ID
                ? "FOR VALUES FROM (5000000) TO (6000000)"
                : "FOR VALUES FROM (" + PartitionedSchema.at(200) + ") TO (" + PartitionedSchema.at(230) + ")";
        db.execute("CREATE TABLE events_archive (LIKE events INCLUDING DEFAULTS INCLUDING GENERATED)",
                "INSERT INTO events_archive (id, organization_id, payload_text, created_at) SELECT 5000000 + g, 'org-' || (g % 3), "
                        + "CASE WHEN g % 4 = 0 THEN '' ELSE 'archived ' || g END, " + PartitionedSchema.at(210) + " FROM generate_series(1, 40) g");
        if (!schema.foreignKey()) {
            db.execute("INSERT INTO event_embeddings (event_id, embedding_model, chunk_index) SELECT 5000000 + g, '" + M + "', 0"
                    + " FROM generate_series(1, 40, 5) g");
        }
        db.execute("ALTER TABLE events ATTACH PARTITION events_archive " + bound);
        assertThat(AppSchema.missing(db)).as("the attached rows").isPositive();
        notReadyUntilSynced("events_archive");
        assertThat(cli(db, "partitions", "sync")).as("a second sync finds nothing to do").isZero();
    }

    @Test
    @Order(13)
    void detachAndReattachOfAnEmbeddingsPartitionThenSync() throws Exception {
        db.execute("INSERT INTO event_embeddings (event_id, embedding_model, chunk_index) SELECT id, '" + M + "', 0 FROM events"
                + " WHERE payload_text <> '' AND id % 2 = 0 ON CONFLICT DO NOTHING");
        assertThat(db.queryLong("SELECT count(*) FROM event_embeddings_h1 WHERE chunk_index = 0")).isPositive();
        db.execute("ALTER TABLE event_embeddings DETACH PARTITION event_embeddings_h1");
        assertThat(AppSchema.missing(db)).isPositive();
        notReadyUntilSynced("event_embeddings_h1");
        db.execute("ALTER TABLE event_embeddings ATTACH PARTITION event_embeddings_h1 FOR VALUES WITH (MODULUS 2, REMAINDER 1)");
        assertThat(AppSchema.stale(db)).isPositive();
        notReadyUntilSynced("event_embeddings_h1");
    }

    @Test
    @Order(14)
    void aDisabledTriggerCopyOnOnePartitionIsNotReadyAndNamed() throws Exception {
        String leaf = schema.eventLeaves().get(3);
        for (String[] t : new String[][]{{leaf, "trg_events_pending_targets_ins"}, {"event_embeddings_h0", "trg_event_embeddings_pending_targets_del"},
                {leaf, "trg_events_pending_targets_leaf_trunc"}}) {
            db.execute("ALTER TABLE " + t[0] + " DISABLE TRIGGER " + t[1]);
            DesignStatus s = status();
            assertThat(s.ready()).as(s.text()).isFalse();
            assertThat(s.text()).contains(t[1]).contains("not enabled on partition " + t[0]);
            db.execute("ALTER TABLE " + t[0] + " ENABLE TRIGGER " + t[1]);
            assertThat(status().ready()).isTrue();
        }
    }

    @Test
    @Order(17)
    void partitionsSyncRefusesBadInputWithUsageAndTheOtherDesignWithNine() {
        assertThat(cli(db, "partitions", "resync")).isEqualTo(io.ehe.cli.ExitCodes.USAGE);
        assertThat(cli(db, "partitions", "sync", "--batch-size", "0")).isEqualTo(io.ehe.cli.ExitCodes.USAGE);
        assertThat(cli(db, "partitions", "sync", "--design", "column")).isEqualTo(io.ehe.cli.ExitCodes.USAGE);
        TestDatabase empty = io.ehe.testing.PostgresServer.get().createDatabase(getClass().getSimpleName() + "_column");
        Migrations.createUpstreamTables(empty); // unpartitioned: the column design's partitioned build is the coordinator's half
        Migrations.migrate(empty, false, Design.COLUMN);
        assertThat(cli(empty, "partitions", "sync")).as("the column design is installed there").isEqualTo(io.ehe.cli.ExitCodes.WRONG_DESIGN);
    }

    /** Same relation, same bound, same triggers: only the pg_inherits row is new, and rows changed meanwhile unseen. */
    @Test
    @Order(15)
    void aDetachAndAttachAgainBetweenTwoChecksIsStillAChange() throws Exception {
        retire("events_archive");
        String bound = db.queryString("SELECT pg_get_expr(relpartbound, oid) FROM pg_class WHERE oid = 'public.events_archive'::regclass");
        db.execute("ALTER TABLE events DETACH PARTITION events_archive",
                "UPDATE events_archive SET payload_text = 'written while detached' WHERE payload_text = ''",
                "ALTER TABLE events ATTACH PARTITION events_archive " + bound);
        assertThat(AppSchema.missing(db)).isPositive();
        notReadyUntilSynced("events_archive");
    }

    /** A second target added on the partitioned tables is filled by backfill across every leaf, the archive included. */
    @Test
    @Order(16)
    void aTargetAddedLaterIsFilledAcrossThePartitions() throws Exception {
        assertThat(cli(db, "targets", "add", "model-b", "--new-model")).isZero();
        assertThat(status().ready()).isFalse();
        assertThat(cli(db, "backfill")).isZero();
        exactAndReady();
        assertThat(db.queryLong("SELECT count(DISTINCT e.tableoid) FROM event_embedding_pending p JOIN events e ON e.id = p.event_id"
                + " WHERE p.model = 'model-b'")).isGreaterThanOrEqualTo(3);
    }

    @Test
    @Order(20)
    void rollbackLeavesNothingOfTheModuleOnAnyPartition() throws Exception {
        // A detached table that still carries the leaf TRUNCATE trigger (no sync after the detach).
        String leaf = schema.eventLeaves().get(3);
        retire(leaf);
        db.execute("ALTER TABLE events DETACH PARTITION " + leaf);
        assertThat(db.queryLong("SELECT count(*) FROM pg_trigger WHERE tgrelid = 'public." + leaf + "'::regclass")).isOne();
        Migrations.runner(db, false, Design.PENDING_TABLE).rollbackCount((int) db.queryLong("SELECT count(*) FROM databasechangelog"));
        assertThat(db.queryStrings("SELECT tgrelid::regclass || ' ' || tgname FROM pg_trigger WHERE tgname LIKE 'trg_event%pending%'"
                + " OR tgfoid IN (SELECT oid FROM pg_proc WHERE proname LIKE 'ehe\\_%')")).as("triggers of the module on any table").isEmpty();
        assertThat(db.queryLong("SELECT count(*) FROM pg_proc WHERE proname LIKE 'ehe\\_%'")).as("functions").isZero();
        assertThat(db.queryLong("SELECT count(*) FROM pg_class WHERE relname LIKE 'event\\_embedding\\_pending%'")).as("tables").isZero();
        assertThat(db.queryLong("SELECT count(*) FROM events")).as("events kept").isPositive();
        Migrations.migrate(db, false, Design.PENDING_TABLE);
        assertThat(db.queryLong("SELECT count(*) FROM pg_trigger WHERE tgrelid = 'public." + leaf + "'::regclass")).as("not on the archive").isZero();
        assertThat(db.queryLong("SELECT count(*) FROM pg_trigger WHERE tgrelid = 'public." + schema.eventLeaves().get(2) + "'::regclass"
                + " AND tgname = 'trg_events_pending_targets_leaf_trunc'")).as("installs again").isOne();
    }

    /** What the retention job does first where a foreign key forbids detaching referenced rows: delete the partition's embeddings. */
    void retire(String leaf) {
        if (!schema.foreignKey()) {
            return;
        }
        db.execute("DELETE FROM event_embeddings WHERE event_id IN (SELECT id FROM " + leaf + ")");
    }
}
