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
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Why the claims table needs a periodic sweep, and `queue sweep` (the chart's queue-sweep CronJob): a pair
 * that is done leaves the pending table but its claim row stays (one row per pair ever claimed) until the
 * sweep deletes it; a live lease and a pending pair's history are kept; an expired lease needs no sweep
 * (the next claim takes it over). Rounds of --batch rows; exit 12 when --max-rounds leaves rows.
 */
@ExtendWith(PostgresExtension.class)
class QueueSweepTest {

    private static final String MODEL = "m1";

    @Test
    void doneClaimRowsStayUntilTheSweepDeletesThemAndLiveOnesAreKept(TestDatabase db) throws Exception {
        AppSchema.install(db, MODEL);
        db.execute("INSERT INTO events (organization_id, payload_text) SELECT 'org', 'text ' || g FROM generate_series(1, 12) g");
        assertThat(AppSchema.cli(db, "backfill")).isZero();
        List<Claimed> got = QueueSql.claim(db, MODEL, 12, 30, null);
        assertThat(got).hasSize(12);
        try (Connection c = db.open()) {
            for (Claimed p : got.subList(0, 9)) {
                QueueSql.embed(c, p.eventId(), MODEL);
            }
        }
        assertThat(QueueSql.fail(db, MODEL, got.get(9).eventId(), got.get(9).token(), "HTTP 400", false)).isEqualTo("quarantined");
        // A lease that expires needs no sweep: the next claim takes the pair over.
        db.execute("UPDATE event_embedding_pending_claims SET hidden_until = now() - interval '1 second' WHERE event_id = " + got.get(10).eventId());
        assertThat(QueueSql.claim(db, MODEL, 1, 30, null)).extracting(Claimed::eventId).containsExactly(got.get(10).eventId());
        assertThat(db.queryLong("SELECT count(*) FROM event_embedding_pending_claims")).as("done pairs keep their rows without a sweep").isEqualTo(12);
        Thread.sleep(5); // the sweep keeps rows changed at or after its start

        assertThat(AppSchema.cli(db, "queue", "sweep", "--batch", "2", "--max-rounds", "1")).as("rows left").isEqualTo(ExitCodes.MORE_TO_DO);
        assertThat(db.queryLong("SELECT count(*) FROM event_embedding_pending_claims")).isEqualTo(10);
        assertThat(AppSchema.cli(db, "queue", "sweep", "--batch", "2")).isZero();
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
