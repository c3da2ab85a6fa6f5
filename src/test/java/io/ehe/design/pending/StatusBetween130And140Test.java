package io.ehe.design.pending;

import io.ehe.catalog.Design;
import io.ehe.design.DesignStatus;
import io.ehe.migration.ChangelogRunner;
import io.ehe.testing.Migrations;
import io.ehe.testing.PostgresExtension;
import io.ehe.testing.TestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A database at changeSet 130 but not 140 is a legitimate mid-upgrade state (issue 26 item 6): 130 (the
 * targets) and 140 (the pending table's model column) commit separately, so a migrate refused at 140 (a
 * lock it did not get) leaves targets beside a pending table without a model column. status must answer
 * there, not fail: PendingStatusReader's pre-140 path is kept for this state, and this test is its proof
 * (red when status reads the model column unconditionally).
 */
@ExtendWith(PostgresExtension.class)
class StatusBetween130And140Test {

    @Test
    void statusAnswersOnADatabaseWhoseUpgradeStoppedAfter130(TestDatabase db) throws Exception {
        Migrations.baselineOnly(db);
        db.execute("INSERT INTO events (organization_id, payload_text) SELECT 'o', 't' || g FROM generate_series(1, 50) g");
        ChangelogRunner runner = Migrations.runner(db, true, Design.PENDING_TABLE);
        while (!runner.appliedIds().contains("130-pending-semantics-and-targets")) {
            runner.update(null, 1);
        }
        assertThat(runner.appliedIds()).as("the premise: stopped after 130").doesNotContain("140-pending-per-target");
        assertThat(db.queryLong("SELECT count(*) FROM pg_attribute WHERE attrelid = 'event_embedding_pending'::regclass AND attname = 'model'"))
                .as("the premise: no model column yet").isZero();

        DesignStatus status = PendingStatusTest.status(db);

        assertThat(status.ready()).isFalse();
        assertThat(status.text()).contains("run migrate --design pending-table");
    }
}
