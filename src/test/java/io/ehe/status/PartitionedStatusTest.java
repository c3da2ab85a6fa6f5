package io.ehe.status;

import io.ehe.catalog.Design;
import io.ehe.catalog.TableSize;
import io.ehe.testing.Migrations;
import io.ehe.testing.PartitionedSchema;
import io.ehe.testing.PostgresExtension;
import io.ehe.testing.TestDatabase;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.sql.Connection;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 18's status half that does not depend on the design: a partitioned table is sized by its
 * leaves (the parent has no storage and no reltuples of its own), and a row-level trigger is checked
 * on every leaf by relation (its copies), so one disabled copy is seen and named.
 */
@ExtendWith(PostgresExtension.class)
class PartitionedStatusTest {

    static TestDatabase db;

    @BeforeAll
    static void setUp() {
        PartitionedSchema.create(db, PartitionedSchema.Scheme.BY_ID, true);
        db.execute("INSERT INTO events (organization_id, payload_text) SELECT 'org', repeat('x', 200) || g FROM generate_series(1, 6000) g",
                "ANALYZE events");
        Migrations.migrate(db, false, Design.COLUMN);
    }

    @Test
    void aPartitionedTableIsSizedByItsLeaves() throws Exception {
        long leaves = db.queryLong("SELECT sum(pg_relation_size(relid)) FROM pg_partition_tree('public.events') WHERE isleaf");
        assertThat(db.queryLong("SELECT pg_relation_size('public.events')")).as("the parent's own heap").isZero();
        try (Connection c = db.open()) {
            assertThat(TableSize.heapBytes(c, "public.events")).isEqualTo(leaves).isPositive();
            assertThat(TableSize.estimatedRows(c, "public.events")).isBetween(5000L, 7000L);
            assertThat(TableSize.heapBytes(c, "public.event_embeddings")).isZero();
        }
    }

    @Test
    void theSmallTableRuleReadsTheLeavesNotTheEmptyParent() throws Exception {
        long leaves = db.queryLong("SELECT sum(pg_relation_size(relid)) FROM pg_partition_tree('public.events') WHERE isleaf");
        Status big = new StatusReader(db.connections(), leaves - 1).read(false);
        assertThat(big.backfill().method()).as("above the limit: not counted").isNotEqualTo("exact");
        Status small = new StatusReader(db.connections(), leaves).read(false);
        assertThat(small.backfill().method()).isEqualTo("exact");
        assertThat(small.backfill().nullRows()).isEqualTo(6000L);
    }

    @Test
    void everyCopyOfARowTriggerIsCheckedOnEveryLeafByRelation() throws Exception {
        db.execute("CREATE FUNCTION zz_noop() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$",
                "CREATE TRIGGER zz_row AFTER INSERT ON events FOR EACH ROW EXECUTE FUNCTION zz_noop()",
                // A trigger of the same name on a table outside the tree must not stand in for a copy.
                "CREATE TABLE zz_other (id int)", "CREATE TRIGGER zz_row AFTER INSERT ON zz_other FOR EACH ROW EXECUTE FUNCTION zz_noop()");
        try (Connection c = db.open()) {
            List<TriggerCatalog.CopyLine> copies = TriggerCatalog.copies(c, List.of("zz_row"));
            assertThat(copies).extracting(TriggerCatalog.CopyLine::partition)
                    .containsExactlyElementsOf(PartitionedSchema.leaves(db, "events"));
            assertThat(copies).allMatch(TriggerCatalog.CopyLine::enabled);
            assertThat(TriggerCatalog.copyProblems(copies, "fix")).isEmpty();
            db.execute("ALTER TABLE events_p1_b DISABLE TRIGGER zz_row");
            List<String> why = TriggerCatalog.copyProblems(TriggerCatalog.copies(c, List.of("zz_row")), "fix");
            assertThat(why).singleElement().asString().contains("events_p1_b").contains("tgenabled=D");
            // Checked by name only, the parent's trigger still reads enabled.
            assertThat(TriggerCatalog.read(c, List.of("zz_row"))).singleElement().matches(Status.TriggerLine::enabled);
        } finally {
            db.execute("DROP TRIGGER zz_row ON events", "DROP TABLE zz_other", "DROP FUNCTION zz_noop()");
        }
    }
}
