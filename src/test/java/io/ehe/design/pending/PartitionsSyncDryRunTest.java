package io.ehe.design.pending;

import io.ehe.cli.ExitCodes;
import io.ehe.testing.PartitionedSchema;
import io.ehe.testing.InProcessCli;
import io.ehe.testing.PostgresExtension;
import io.ehe.testing.PostgresServer;
import io.ehe.testing.TestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;


import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 28 ("nothing destructive by default"): {@code partitions sync --dry-run} says which partitions
 * changed, how many events' pending rows it would repair (and rows of gone events it would delete),
 * which triggers it would create or drop and what it would record, and changes nothing: the pending
 * table, the recorded partition set and every trigger are the same after it.
 */
@ExtendWith(PostgresExtension.class)
class PartitionsSyncDryRunTest {

    private static final String M = "model-a";

    /** Everything a sync could change, as one string: pending rows, the recorded set, the module's triggers, history. */
    static String state(TestDatabase db) {
        return db.queryString("""
                SELECT concat_ws(' | ',
                         (SELECT md5(string_agg(concat_ws(',', event_id, model, organization_id, created_at), ';' ORDER BY event_id, model))
                            FROM event_embedding_pending),
                         (SELECT md5(string_agg(concat_ws(',', relid, parent_table, partition, inherits_xid, bound, is_leaf), ';' ORDER BY relid))
                            FROM event_embedding_pending_partitions),
                         (SELECT string_agg(concat_ws(':', tgname, tgrelid::regclass, tgtype, tgenabled), ',' ORDER BY tgrelid::regclass::text, tgname)
                            FROM pg_trigger WHERE NOT tgisinternal AND tgname LIKE 'trg_%pending%'),
                         (SELECT count(*) FROM databasechangelog)::text)""");
    }

    @Test
    void aDryRunSaysWhatASyncWouldDoAndChangesNothing() {
        TestDatabase db = PostgresServer.get().createDatabase("op_sync_dry_run");
        PartitionedSchema schema = PartitionedSchema.create(db, PartitionedSchema.Scheme.BY_ID, true);
        for (String leaf : schema.eventLeaves()) {
            for (int i = 0; i < 6; i++) {
                long e = schema.eventIn(leaf, "org-" + (i % 2), "text " + i);
                if (i % 2 == 0) {
                    db.execute("INSERT INTO event_embeddings (event_id, embedding_model, chunk_index) VALUES (" + e + ", '" + M + "', 0)");
                }
            }
        }
        AppSchema.installOnExisting(db, M);
        assertThat(AppSchema.cli(db, "backfill")).isZero();
        assertThat(AppSchema.cli(db, "status")).isZero();

        // Retention and an archive attached: neither fires a trigger.
        db.execute("DELETE FROM event_embeddings WHERE event_id IN (SELECT id FROM events_p0)", // the foreign key forbids detaching them
                "ALTER TABLE events DETACH PARTITION events_p0",
                "CREATE TABLE events_archive (LIKE events INCLUDING DEFAULTS INCLUDING GENERATED)",
                "INSERT INTO events_archive (id, organization_id, payload_text) SELECT 5000000 + g, 'org-1', 'archived ' || g FROM generate_series(1, 40) g",
                "ALTER TABLE events ATTACH PARTITION events_archive FOR VALUES FROM (5000000) TO (6000000)");
        long orphanRows = db.queryLong("SELECT count(*) FROM event_embedding_pending p WHERE NOT EXISTS (SELECT 1 FROM events e WHERE e.id = p.event_id)");
        long orphanEvents = db.queryLong("SELECT count(DISTINCT event_id) FROM event_embedding_pending p WHERE NOT EXISTS (SELECT 1 FROM events e WHERE e.id = p.event_id)");
        long missing = AppSchema.missing(db);
        assertThat(orphanRows).isPositive();
        assertThat(missing).as("the archive's events, pending and absent").isEqualTo(40);
        long partitionsNow = db.queryLong("SELECT count(*) FROM ehe_pending_partitions_now()");
        String before = state(db);

        Run dry = run(db, "partitions", "sync", "--dry-run");
        assertThat(dry.exit()).as(dry.output()).isZero();
        assertThat(dry.output()).contains("partitions sync --dry-run: attached or created events_archive (events)")
                .contains("detached or dropped events_p0 (events)")
                .contains("would repair the pending rows of " + (missing + orphanEvents) + " event(s), " + orphanRows + " of them row(s) whose event is gone")
                .contains("trg_events_pending_targets_leaf_trunc on events_archive")
                .contains("trg_events_pending_targets_leaf_trunc dropped from events_p0 (no longer a partition)")
                .contains("would record " + partitionsNow + " partition(s)")
                .contains("nothing was changed");
        assertThat(state(db)).as("a dry run changes nothing").isEqualTo(before);
        assertThat(AppSchema.cli(db, "status")).as("still not ready: nothing was synced").isEqualTo(ExitCodes.NOT_READY);

        Run sync = run(db, "partitions", "sync");
        assertThat(sync.exit()).as(sync.output()).isZero();
        assertThat(sync.output()).contains("attached or created events_archive (events)").contains("detached or dropped events_p0 (events)")
                .contains("trg_events_pending_targets_leaf_trunc on events_archive");
        assertThat(state(db)).isNotEqualTo(before);
        AppSchema.assertExact(db);
        assertThat(AppSchema.cli(db, "status")).isZero();

        Run again = run(db, "partitions", "sync", "--dry-run");
        assertThat(again.exit()).isZero();
        assertThat(again.output()).contains("no partition changed since the last check").contains("of 0 event(s), 0 of them")
                .contains("triggers: none to change");
    }

    private static synchronized Run run(TestDatabase db, String... args) {
        InProcessCli.Captured c = InProcessCli.capture(db, args);
        System.err.println("[cli] " + String.join(" ", args) + " -> " + c.code + "\n" + c.out);
        return new Run(c.code, c.out);
    }

    private record Run(int exit, String output) {
    }
}
