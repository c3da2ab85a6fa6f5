package io.ehe.design.pending;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ehe.catalog.Design;
import io.ehe.design.DesignStatus;
import io.ehe.testing.Migrations;
import io.ehe.testing.PostgresExtension;
import io.ehe.testing.TestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import static org.assertj.core.api.Assertions.assertThat;

/** What status says on the pending-table design, and when it says ready. */
@ExtendWith(PostgresExtension.class)
class PendingStatusTest {

    static DesignStatus status(TestDatabase db) throws Exception {
        // As the status command prints it: the reasons are the "not ready:" lines at the top.
        return new io.ehe.design.select.VerdictFirstStatus(new io.ehe.design.pending.PendingTableDesign().status(db.connections(), false));
    }

    @Test
    void readyOnlyWithEveryTriggerEnabledAndTheBootstrapComplete() throws Exception {
        TestDatabase db = io.ehe.testing.PostgresServer.get().createDatabase("pending_status");
        Migrations.baselineOnly(db);
        db.execute("INSERT INTO events (organization_id, payload_text) SELECT 'o', 't' || g FROM generate_series(1, 300) g");
        DesignStatus before = status(db);
        assertThat(before.ready()).isFalse();
        assertThat(before.text()).contains("table public.event_embedding_pending: absent").contains("run migrate --design pending-table");

        Migrations.migrate(db, false, Design.PENDING_TABLE);
        DesignStatus migrated = status(db);
        assertThat(migrated.ready()).isFalse();
        assertThat(migrated.text()).contains("8/8 present, 8 enabled").contains("not ready: target (any model) is filling: run backfill")
                .startsWith("ready for the scheduler: no\n").contains("pending table kept and filled: no");

        assertThat(new io.ehe.design.pending.PendingTableDesign().fill(db.connections(),
                io.ehe.backfill.BackfillSettings.defaults(), null, null).complete()).isTrue();
        DesignStatus ready = status(db);
        assertThat(ready.ready()).as(ready.text()).isTrue();
        assertThat(ready.text()).contains("present, 300 row(s) pending").contains("fill: last plan complete").startsWith("ready for the scheduler: yes\n").contains("pending table kept and filled: yes")
                .contains("semantics: embedded = any event_embeddings row");
        JsonNode json = new ObjectMapper().readTree(ready.json());
        assertThat(json.path("design").asText()).isEqualTo("pending-table");
        assertThat(json.path("ready").asBoolean()).isTrue();
        assertThat(json.path("table").path("rows").asLong()).isEqualTo(300);
        assertThat(json.path("triggers")).hasSize(PendingTableDesign.TRIGGERS.size());

        db.execute("ALTER TABLE event_embeddings DISABLE TRIGGER trg_event_embeddings_pending_targets_ins");
        DesignStatus disabled = status(db);
        assertThat(disabled.ready()).isFalse();
        assertThat(disabled.text()).contains("trigger trg_event_embeddings_pending_targets_ins is not enabled");
        db.execute("ALTER TABLE event_embeddings ENABLE TRIGGER trg_event_embeddings_pending_targets_ins");
        assertThat(status(db).ready()).isTrue();
    }

    @Test
    void aSampledVerifyChecksTheSampleAndEveryPendingRow() throws Exception {
        TestDatabase db = io.ehe.testing.PostgresServer.get().createDatabase("pending_sample");
        Migrations.migrate(db, true, Design.PENDING_TABLE);
        db.execute("INSERT INTO events (organization_id, payload_text) SELECT 'o', 't' || g FROM generate_series(1, 2000) g",
                "INSERT INTO event_embeddings (event_id) SELECT id FROM events WHERE id % 2 = 0");
        PendingCheck clean = (PendingCheck) new io.ehe.design.pending.PendingTableDesign().verify(db.connections(), 500);
        assertThat(clean.sampled()).isTrue();
        assertThat(clean.clean()).as(clean.line()).isTrue();
        // A row whose event is gone is found even by a sample: the pending side is read whole.
        db.execute("ALTER TABLE event_embedding_pending DISABLE TRIGGER ALL",
                "INSERT INTO event_embedding_pending VALUES (99999999, 'ghost')");
        PendingCheck ghost = (PendingCheck) new io.ehe.design.pending.PendingTableDesign().verify(db.connections(), 500);
        assertThat(ghost.stale()).as(ghost.line()).isEqualTo(1);
        assertThat(new io.ehe.design.pending.PendingTableDesign().repair(db.connections(), 100, java.time.Duration.ofSeconds(2), 3)).isEqualTo(1);
        assertThat(new io.ehe.design.pending.PendingTableDesign().verify(db.connections(), 0).clean()).isTrue();
    }
}
