package io.ehe.bench;

import io.ehe.testing.Migrations;
import io.ehe.testing.PostgresExtension;
import io.ehe.testing.TestDatabase;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.sql.Connection;
import java.sql.Statement;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The high-watermark scheduler (issue 20) on a real PostgreSQL: what it answers right, and the four ways
 * it goes wrong without a trigger, each against the app's own definition computed independently; the
 * sweep below the cursor repairs the holes.
 */
@ExtendWith(PostgresExtension.class)
class HighWatermarkTest {

    private static final String MODEL = "model-a";
    private static final String ORG = "org-hwm";
    private static final HighWatermark HWM = new HighWatermark("public.hwm_cursor", AppQuestion.APP);

    static TestDatabase db;
    private static boolean installed;

    @BeforeEach
    void setUp(TestDatabase database) {
        db = database;
        if (!installed) {
            Migrations.baselineOnly(db);
            db.execute("ALTER TABLE events ADD COLUMN superseded_by bigint", "ALTER TABLE events ALTER COLUMN organization_id DROP NOT NULL",
                    HWM.createTable());
            installed = true;
        }
        db.execute("TRUNCATE events CASCADE", "TRUNCATE hwm_cursor");
    }

    /** Ten events of ORG, an hour apart, the newest an hour old; returns their ids oldest first. */
    private static long[] tenEvents() {
        long[] ids = new long[10];
        for (int i = 0; i < 10; i++) {
            ids[i] = db.queryLong("INSERT INTO events (organization_id, payload_text, created_at) VALUES ('" + ORG + "', 'text " + i
                    + "', now() - interval '" + (10 - i) + " hours') RETURNING id");
        }
        return ids;
    }

    private static void embed(long... ids) {
        for (long id : ids) {
            db.execute("INSERT INTO event_embeddings (event_id, embedding_model, chunk_index) VALUES (" + id + ", '" + MODEL + "', 0)");
        }
    }

    private static void tick(String lag) throws Exception {
        try (Connection c = db.open()) {
            HWM.runTick(c, MODEL, lag);
        }
    }

    /** The app's definition, independent of the cursor. */
    private static Set<Long> appPending() {
        return new HashSet<>(db.queryList("SELECT e.id FROM events e WHERE e.organization_id = '" + ORG + "' AND "
                + AppQuestion.pending(AppQuestion.APP, MODEL), rs -> id(rs)));
    }

    private static Set<Long> hwmPick(boolean newestFirst) {
        try (Connection c = db.open()) {
            return new HashSet<>(db.queryList(HWM.pick(c, MODEL, ORG, newestFirst), rs -> id(rs)));
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Set<Long> hwmDiscovered(boolean newestFirst) throws Exception {
        String sql;
        try (Connection c = db.open()) {
            sql = HWM.discovery(c, MODEL, newestFirst);
        }
        List<Long> n = db.queryList(sql, rs -> {
            try {
                return rs.getLong(2);
            } catch (java.sql.SQLException e) {
                throw new IllegalStateException(e);
            }
        });
        return n.isEmpty() ? Set.of() : Set.of(n.get(0));
    }

    private static long cursorId() {
        return db.queryLong("SELECT cursor_id FROM hwm_cursor WHERE model = '" + MODEL + "' AND organization_id = '" + ORG + "'");
    }

    private static long id(java.sql.ResultSet rs) {
        try {
            return rs.getLong(1);
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void theCursorStopsAtTheFirstPendingEventAndTheQueriesAnswerTheAppsQuestion() throws Exception {
        long[] ids = tenEvents();
        embed(ids[0], ids[1], ids[2], ids[3], ids[4], ids[6]);
        db.execute("INSERT INTO event_embeddings (event_id, embedding_model, chunk_index) VALUES (" + ids[8] + ", '" + MODEL + "', 1), ("
                + ids[9] + ", 'model-z', 0)"); // neither a chunk 1 nor another model counts
        db.execute("UPDATE events SET superseded_by = " + ids[9] + " WHERE id = " + ids[7]); // superseded: never pending
        tick("1 minute");
        assertThat(cursorId()).as("the cursor stops at the first pending event").isEqualTo(ids[5]);
        assertThat(appPending()).containsExactlyInAnyOrder(ids[5], ids[8], ids[9]);
        assertThat(hwmPick(true)).isEqualTo(appPending());
        assertThat(hwmPick(false)).isEqualTo(appPending());
        assertThat(hwmDiscovered(true)).containsExactly(3L);
        tick("1 minute");
        assertThat(cursorId()).as("a second tick changes nothing").isEqualTo(ids[5]);
    }

    @Test
    void anEventThatNeverEmbedsHoldsTheCursorAndTheScanAboveItGrows() throws Exception {
        long[] ids = tenEvents();
        embed(ids[0], ids[1], ids[3], ids[4], ids[5], ids[6], ids[7], ids[8], ids[9]);
        db.execute("INSERT INTO events (organization_id, payload_text, created_at) SELECT '" + ORG + "', 'later ' || g, now() - interval '30 minutes' "
                + "FROM generate_series(1, 500) g");
        db.execute("INSERT INTO event_embeddings (event_id, embedding_model, chunk_index) SELECT id, '" + MODEL + "', 0 FROM events WHERE payload_text LIKE 'later %'");
        tick("1 minute");
        tick("1 minute");
        assertThat(cursorId()).as("held by the one event that never embeds").isEqualTo(ids[2]);
        assertThat(hwmPick(true)).isEqualTo(appPending()).containsExactly(ids[2]);
        assertThat(db.queryLong("SELECT count(*) FROM events e WHERE e.organization_id = '" + ORG + "' AND (e.created_at, e.id) >= "
                + "(SELECT cursor_at, cursor_id FROM hwm_cursor WHERE organization_id = '" + ORG + "')"))
                .as("every later candidate stays above the cursor: each query probes all of them").isEqualTo(508);
    }

    @Test
    void anEmbeddingDeletedBelowTheCursorIsAHoleUntilTheSweep() throws Exception {
        long[] ids = tenEvents();
        embed(ids);
        tick("1 minute");
        assertThat(cursorId()).as("everything embedded: the cursor is at the lag's cap").isZero();
        db.execute("DELETE FROM event_embeddings WHERE event_id = " + ids[3]);
        assertThat(appPending()).containsExactly(ids[3]);
        assertThat(hwmPick(true)).as("below the cursor: nothing revisits it").isEmpty();
        tick("1 minute");
        assertThat(hwmPick(true)).as("nor does the next tick").isEmpty();
        sweepAll();
        assertThat(cursorId()).as("the sweep moves the cursor back to the hole").isEqualTo(ids[3]);
        assertThat(hwmPick(true)).isEqualTo(appPending());
    }

    @Test
    void anEventUpdatedIntoACandidateBelowTheCursorIsAHoleUntilTheSweep() throws Exception {
        long[] ids = tenEvents();
        embed(ids);
        long empty = db.queryLong("INSERT INTO events (organization_id, payload_text, created_at) VALUES ('" + ORG + "', '', now() - interval '5 hours') RETURNING id");
        tick("1 minute");
        db.execute("UPDATE events SET payload_text = 'filled in later' WHERE id = " + empty);
        assertThat(appPending()).containsExactly(empty);
        assertThat(hwmPick(false)).isEmpty();
        sweepAll();
        assertThat(hwmPick(false)).isEqualTo(appPending());
    }

    @Test
    void aTransactionLongerThanTheLagCommitsAnEventBelowTheCursor() throws Exception {
        long[] ids = tenEvents();
        embed(ids);
        long late;
        try (Connection writer = db.open()) {
            writer.setAutoCommit(false);
            try (Statement st = writer.createStatement(); var rs = st.executeQuery(
                    "INSERT INTO events (organization_id, payload_text) VALUES ('" + ORG + "', 'committed late') RETURNING id")) {
                rs.next();
                late = rs.getLong(1);
            }
            Thread.sleep(1500);
            tick("1 second"); // the writer's created_at (its transaction's start) is already below now() - 1 second
            writer.commit();
        }
        assertThat(appPending()).containsExactly(late);
        assertThat(hwmPick(true)).as("the cursor passed it before it was visible").isEmpty();
        sweepAll();
        assertThat(hwmPick(true)).isEqualTo(appPending());

        db.execute("DELETE FROM events WHERE id = " + late, "TRUNCATE hwm_cursor");
        long late2;
        try (Connection writer = db.open()) {
            writer.setAutoCommit(false);
            try (Statement st = writer.createStatement(); var rs = st.executeQuery(
                    "INSERT INTO events (organization_id, payload_text) VALUES ('" + ORG + "', 'committed late, within the lag') RETURNING id")) {
                rs.next();
                late2 = rs.getLong(1);
            }
            Thread.sleep(300);
            tick("1 minute"); // a lag longer than the transaction keeps the cursor below it
            writer.commit();
        }
        assertThat(hwmPick(true)).as("within the lag nothing is lost").containsExactly(late2);
    }

    private static void sweepAll() {
        db.execute(HWM.sweep(MODEL, "'-infinity'", "'infinity'"));
    }
}
