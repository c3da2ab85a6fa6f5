package io.ehe.design.pending;

import io.ehe.catalog.CatalogQuery;
import io.ehe.testing.Migrations;
import io.ehe.testing.PostgresExtension;
import io.ehe.testing.PostgresServer;
import io.ehe.testing.TestDatabase;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.sql.Connection;
import java.sql.Statement;
import java.util.List;

import static io.ehe.design.pending.AppSchema.assertExact;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * ChangeSet 210: the event insert trigger has no WHEN clause; its function tests liveness first and
 * returns before any key, setting or row, in each generated variant: one target (the VALUES fast path),
 * two targets (the unnest fast path), no foreign key (the keyed path), and with the event-deleted mark
 * set (the keyed path with a foreign key); and every generated body takes its keys by assignment, not
 * PERFORM (210 point 7). On the main of 2026-12-07 (170's trigger with its WHEN clause) the first test
 * fails; the assignment test fails on dd45e18 (210 before point 7); the others guard the body's order.
 */
@ExtendWith(PostgresExtension.class)
class EventInsertTriggerTest {

    static TestDatabase db;
    static TestDatabase twoTargets;
    static TestDatabase noForeignKey;

    /** Inserts that are not live under the app's semantics: no organization, no text, empty text, superseded. */
    private static final List<String> NOT_LIVE = List.of(
            "INSERT INTO events (organization_id, payload_text) VALUES (NULL, 'text')",
            "INSERT INTO events (organization_id, payload_text) VALUES ('org', NULL)",
            "INSERT INTO events (organization_id, payload_text) VALUES ('org', '')",
            "INSERT INTO events (organization_id, payload_text, superseded_by) VALUES ('org', 'text', 1)");

    @BeforeAll
    static void setUp() {
        AppSchema.install(db, "model-a");
        twoTargets = AppSchema.installed("insert_trigger_two", "model-a", "model-b");
        noForeignKey = PostgresServer.get().createDatabase("insert_trigger_nofk");
        Migrations.baselineOnly(noForeignKey);
        noForeignKey.execute("ALTER TABLE events ADD COLUMN superseded_by bigint",
                "ALTER TABLE events ALTER COLUMN organization_id DROP NOT NULL",
                "ALTER TABLE event_embeddings DROP CONSTRAINT event_embeddings_event_id_fkey");
        AppSchema.installOnExisting(noForeignKey, "model-a", "model-b");
    }

    @Test
    void theInsertTriggerHasNoWhenClauseAndTheOthersKeepTheirs() {
        for (TestDatabase d : List.of(db, twoTargets, noForeignKey)) {
            assertThat(d.queryString("""
                    SELECT string_agg(tgname || '=' || (tgqual IS NOT NULL), ',' ORDER BY tgname) FROM pg_trigger
                     WHERE NOT tgisinternal AND tgname IN ('trg_events_pending_targets_ins', 'trg_events_pending_targets_upd',
                                                           'trg_event_embeddings_pending_targets_ins')"""))
                    .as(d.name())
                    .isEqualTo("trg_event_embeddings_pending_targets_ins=true,trg_events_pending_targets_ins=false,trg_events_pending_targets_upd=true");
        }
    }

    @Test
    void oneTargetIsWrittenAsAValuesRowAndTwoAsAnUnnest() {
        String body = "SELECT prosrc FROM pg_proc WHERE oid = 'ehe_pending_on_event_insert()'::regprocedure";
        String fastPathEnd = "\n        ON CONFLICT (event_id, model) DO NOTHING;\n        RETURN NULL;";
        assertThat(db.queryString(body)).contains("VALUES (NEW.id, 'model-a', NEW.organization_id, NEW.created_at::timestamptz)" + fastPathEnd);
        assertThat(twoTargets.queryString(body)).contains("FROM unnest('{model-a,model-b}'::text[]) u(model)" + fastPathEnd)
                .doesNotContain("VALUES (NEW.id");
    }

    /** 210 point 7: a PERFORM goes through the executor, an assignment through PL/pgSQL's simple-expression path. */
    @Test
    void everyBodyTakesItsKeysAndCountsThemByAssignmentNotPerform() {
        for (TestDatabase d : List.of(db, twoTargets, noForeignKey)) {
            List<String> bodies = d.queryStrings("""
                    SELECT p.proname || ': ' || p.prosrc FROM pg_proc p
                     WHERE p.proname IN ('ehe_pending_on_event_insert', 'ehe_pending_on_event_update', 'ehe_pending_on_embedding_insert',
                                         'ehe_pending_on_embedding_delete', 'ehe_pending_on_embedding_update')
                     ORDER BY 1""");
            assertThat(bodies).as(d.name()).hasSize(5).allSatisfy(b -> assertThat(b)
                    .doesNotContain("PERFORM")
                    .contains("r := set_config('ehe.pending_keys', n::text, true);")
                    .containsPattern("r := pg_advisory_xact_lock(_shared)?\\(170134046[56], [^;]+\\)::text;"));
        }
    }

    @Test
    void aNotLiveEventReturnsBeforeAnyKeySettingOrRowInEveryVariant() throws Exception {
        for (TestDatabase d : List.of(db, twoTargets, noForeignKey)) {
            for (String insert : NOT_LIVE) {
                assertThat(insertAndLook(d, null, insert)).as(d.name() + ": " + insert).isEqualTo("rows=0 keys=0 setting=");
            }
        }
    }

    /** The mark 150's row delete trigger sets on a partitioned events (a row moved between leaves) sends the insert down the keyed path. */
    @Test
    void withTheEventDeletedMarkSetTheKeyedPathStillReturnsFirst() throws Exception {
        for (String insert : NOT_LIVE) {
            assertThat(insertAndLook(db, "SELECT set_config('ehe.pending_event_deleted', 'on', true)", insert)).as(insert)
                    .isEqualTo("rows=0 keys=0 setting=");
        }
        assertThat(insertAndLook(db, "SELECT set_config('ehe.pending_event_deleted', 'on', true)",
                "INSERT INTO events (organization_id, payload_text) VALUES ('org', 'text')"))
                .as("a live event on the keyed path: the event key and the target's").isEqualTo("rows=1 keys=2 setting=2");
    }

    @Test
    void aLiveEventGetsOneRowPerTargetInEveryVariant() throws Exception {
        String live = "INSERT INTO events (organization_id, payload_text) VALUES ('org', 'text')";
        assertThat(insertAndLook(db, null, live)).isEqualTo("rows=1 keys=0 setting=");
        assertThat(insertAndLook(twoTargets, null, live)).isEqualTo("rows=2 keys=0 setting=");
        assertThat(insertAndLook(noForeignKey, null, live)).as("the keyed path: the event key and two target keys")
                .isEqualTo("rows=2 keys=3 setting=3");
        for (TestDatabase d : List.of(db, twoTargets, noForeignKey)) {
            d.execute(live);
            assertExact(d);
        }
    }

    /**
     * In one transaction, rolled back: {@code before} (or nothing), then {@code insert}; what the insert
     * left: pending rows of the new event, advisory locks this session took, and ehe.pending_keys where the
     * insert changed it.
     */
    private static String insertAndLook(TestDatabase d, String before, String insert) throws Exception {
        String advisoryKeys = "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()";
        String keyCount = "SELECT coalesce(current_setting('ehe.pending_keys', true), '')";
        try (Connection c = d.open(); Statement st = c.createStatement()) {
            c.setAutoCommit(false);
            if (before != null) {
                st.execute(before);
            }
            long keysBefore = CatalogQuery.number(c, advisoryKeys);
            String settingBefore = CatalogQuery.text(c, keyCount);
            st.execute(insert);
            long rows = CatalogQuery.number(c, "SELECT count(*) FROM event_embedding_pending WHERE event_id = lastval()");
            long keys = CatalogQuery.number(c, advisoryKeys) - keysBefore;
            String setting = CatalogQuery.text(c, keyCount);
            c.rollback();
            return "rows=" + rows + " keys=" + keys + " setting=" + (setting.equals(settingBefore) ? "" : setting);
        }
    }
}
