package io.ehe.design.pending;

import io.ehe.cli.ExitCodes;
import io.ehe.design.pending.QueueSql.Claimed;
import io.ehe.testing.Migrations;
import io.ehe.testing.PostgresExtension;
import io.ehe.testing.PostgresServer;
import io.ehe.testing.TestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.sql.Connection;
import java.sql.Statement;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the claims table's periodic sweep is still for, and `queue sweep` (the chart's queue-sweep CronJob): a
 * pair that is done takes its claim row with it in the app's own write (changeSet 200), except where that
 * row was locked at that moment (the app's write never waits for it: SKIP LOCKED) or where the module
 * deleted the pending row itself; the sweep deletes those, keeps a live lease and a pending pair's
 * history, and an expired lease needs no sweep (the next claim takes it over). Rounds of --batch rows;
 * exit 12 when --max-rounds leaves rows.
 */
@ExtendWith(PostgresExtension.class)
class QueueSweepTest {

    private static final String MODEL = "m1";

    @Test
    void doneClaimRowsGoWithTheirPairAndTheSweepDeletesTheOnesALockKept(TestDatabase db) throws Exception {
        AppSchema.install(db, MODEL);
        db.execute("INSERT INTO events (organization_id, payload_text) SELECT 'org', 'text ' || g FROM generate_series(1, 12) g");
        assertThat(AppSchema.cli(db, "backfill")).isZero();
        List<Claimed> got = QueueSql.claim(db, MODEL, 12, 30, null);
        assertThat(got).hasSize(12);
        String held = got.get(0).eventId() + ", " + got.get(1).eventId();
        try (Connection holder = db.open(); Connection c = db.open()) {
            // Two claim rows locked by an open transaction (as an extend or a fail in progress would):
            // the app's write must neither wait for them nor fail (200 point 4).
            holder.setAutoCommit(false);
            try (Statement st = holder.createStatement()) {
                st.execute("SELECT 1 FROM event_embedding_pending_claims WHERE event_id IN (" + held + ") FOR UPDATE");
            }
            try (Statement st = c.createStatement()) {
                st.execute("SET lock_timeout = '2s'");
            }
            for (Claimed p : got.subList(0, 9)) {
                QueueSql.embed(c, p.eventId(), MODEL);
            }
            holder.commit();
        }
        assertThat(db.queryLong("SELECT count(*) FROM event_embedding_pending_claims WHERE event_id IN (" + held + ")"))
                .as("the rows a lock kept").isEqualTo(2);
        assertThat(QueueSql.fail(db, MODEL, got.get(9).eventId(), got.get(9).token(), "HTTP 400", false)).isEqualTo("quarantined");
        // A lease that expires needs no sweep: the next claim takes the pair over.
        db.execute("UPDATE event_embedding_pending_claims SET hidden_until = now() - interval '1 second' WHERE event_id = " + got.get(10).eventId());
        assertThat(QueueSql.claim(db, MODEL, 1, 30, null)).extracting(Claimed::eventId).containsExactly(got.get(10).eventId());
        assertThat(db.queryLong("SELECT count(*) FROM event_embedding_pending_claims")).as("2 kept by the lock, 3 still pending").isEqualTo(5);
        Thread.sleep(5); // the sweep keeps rows changed at or after its start

        assertThat(AppSchema.cli(db, "queue", "sweep", "--batch", "1", "--max-rounds", "1")).as("rows left").isEqualTo(ExitCodes.MORE_TO_DO);
        assertThat(db.queryLong("SELECT count(*) FROM event_embedding_pending_claims")).isEqualTo(4);
        assertThat(AppSchema.cli(db, "queue", "sweep", "--batch", "1")).isZero();
        assertThat(db.queryStrings("SELECT event_id || ' ' || state FROM event_embedding_pending_claims ORDER BY event_id")).as("the quarantined pair, the taken-over lease and the live lease, still pending").containsExactly(
                got.get(9).eventId() + " quarantined", got.get(10).eventId() + " claimed", got.get(11).eventId() + " claimed");
        assertThat(QueueSql.counts(db, MODEL)).containsExactly(3, 0, 2, 0, 1);
        AppSchema.assertExact(db);
    }

    @Test
    void theSweepNeedsTheQueue() {
        TestDatabase column = PostgresServer.get().createDatabase("sweep_column");
        Migrations.migrate(column, true);
        assertThat(AppSchema.cli(column, "queue", "sweep")).isEqualTo(ExitCodes.WRONG_DESIGN);
        assertThat(AppSchema.cli(column, "queue", "sweep", "--batch", "0")).isEqualTo(ExitCodes.USAGE);
    }
}
