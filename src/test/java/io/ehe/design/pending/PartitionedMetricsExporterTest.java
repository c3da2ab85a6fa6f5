package io.ehe.design.pending;

import io.ehe.testing.PartitionedSchema;
import io.ehe.testing.PostgresExporter;
import io.ehe.testing.PostgresExtension;
import io.ehe.testing.TestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 25 on partitioned tables (issue 18's shapes, {@link PartitionedSchema} BY_ID with a
 * sub-partitioned leaf, a DEFAULT partition and a hash-partitioned event_embeddings): the real
 * postgres_exporter with the shipped queries counts exactly what the pending table holds after the fill
 * and after app writes into several leaves; a module trigger disabled on one leaf partition only (the
 * parent's stays enabled) turns {@code triggers_enabled} and {@code ready} to 0; a leaf created
 * afterwards is counted at once (its row triggers cloned by PostgreSQL) but reads 0 until {@code partitions
 * sync} gives it the design's own TRUNCATE trigger, then 1.
 */
@ExtendWith(PostgresExtension.class)
class PartitionedMetricsExporterTest {

    @Test
    void countsAndTriggerChecksCoverEveryLeaf(TestDatabase db) throws Exception {
        PartitionedSchema.create(db, PartitionedSchema.Scheme.BY_ID, true);
        db.execute("INSERT INTO events (organization_id, payload_text) SELECT 'org-' || (g % 4), 'text ' || g FROM generate_series(1, 3500) g",
                "INSERT INTO event_embeddings (event_id, embedding_model, chunk_index) SELECT id, 'm1', 0 FROM events WHERE id % 3 = 0");
        AppSchema.installOnExisting(db, "m1");
        assertThat(AppSchema.cli(db, "backfill")).isZero();
        AppSchema.assertExact(db);

        try (PostgresExporter exporter = PostgresExporter.start(db, "ehe_metrics_partitioned")) {
            assertCounts(db, exporter, 1.0);

            // App writes landing in different leaves: p0, p1_a, p1_b and DEFAULT.
            db.execute("INSERT INTO event_embeddings (event_id, embedding_model, chunk_index) SELECT id, 'm1', 0 FROM events"
                            + " WHERE id IN (1, 1001, 2002, 3004)",
                    "UPDATE events SET superseded_by = id + 1 WHERE id IN (5, 1502, 2501, 3301)",
                    "INSERT INTO events (organization_id, payload_text) SELECT 'org-late', 'late ' || g FROM generate_series(1, 30) g");
            AppSchema.assertExact(db);
            assertCounts(db, exporter, 1.0);

            db.execute("ALTER TABLE events_p1_b DISABLE TRIGGER trg_events_pending_targets_ins");
            assertThat(db.queryLong("SELECT count(*) FROM pg_trigger WHERE tgrelid = 'events'::regclass"
                    + " AND tgname = 'trg_events_pending_targets_ins' AND tgenabled = 'O'")).as("the parent's trigger is still enabled").isOne();
            Map<String, Double> off = exporter.scrape("ehe_database");
            assertThat(off.get("ehe_database_triggers_enabled{design=pending-table}")).as("one leaf's trigger disabled").isZero();
            assertThat(off.get("ehe_database_ready{design=pending-table}")).isZero();
            db.execute("ALTER TABLE events_p1_b ENABLE TRIGGER trg_events_pending_targets_ins");

            db.execute("CREATE TABLE events_p9 PARTITION OF events FOR VALUES FROM (100000) TO (200000)",
                    "INSERT INTO events (id, organization_id, payload_text) OVERRIDING SYSTEM VALUE"
                            + " SELECT 100000 + g, 'org-new-leaf', 'leaf ' || g FROM generate_series(1, 20) g");
            AppSchema.assertExact(db);
            Map<String, Double> unsynced = exporter.scrape("ehe_database");
            assertThat(unsynced.get("ehe_database_triggers_enabled{design=pending-table}"))
                    .as("the new leaf has no TRUNCATE trigger until partitions sync").isZero();
            assertThat(unsynced.get("ehe_database_ready{design=pending-table}")).isZero();
            assertThat(AppSchema.cli(db, "partitions", "sync")).isZero();
            assertCounts(db, exporter, 1.0);
        }
    }

    /** The model's pending and claimable pairs equal count(*) of the pending table; the database figures say exact. */
    private static void assertCounts(TestDatabase db, PostgresExporter exporter, double ready) throws Exception {
        double pending = db.queryLong("SELECT count(*) FROM event_embedding_pending WHERE model = 'm1'");
        Map<String, Double> s = exporter.scrape("ehe_");
        assertThat(pending).as("a backlog to count").isPositive();
        assertThat(s.get("ehe_model_pending_pairs{model=m1}")).isEqualTo(pending);
        assertThat(s.get("ehe_model_claimable_pairs{model=m1}")).isEqualTo(pending);
        assertThat(s.get("ehe_database_triggers_enabled{design=pending-table}")).isEqualTo(1.0);
        assertThat(s.get("ehe_database_semantics_match{design=pending-table}")).isEqualTo(1.0);
        assertThat(s.get("ehe_database_drift_rows{design=pending-table}")).isZero();
        assertThat(s.get("ehe_database_ready{design=pending-table}")).isEqualTo(ready);
    }
}
