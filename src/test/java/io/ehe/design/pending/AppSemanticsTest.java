package io.ehe.design.pending;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ehe.catalog.Design;
import io.ehe.testing.Migrations;
import io.ehe.testing.PostgresExtension;
import io.ehe.testing.PostgresServer;
import io.ehe.testing.TestDatabase;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static io.ehe.design.pending.AppSchema.assertExact;
import static io.ehe.design.pending.AppSchema.cli;
import static io.ehe.design.pending.AppSchema.event;
import static io.ehe.design.pending.AppSchema.pending;
import static io.ehe.design.pending.AppSchema.pendingAfter;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * "Pending" as the app asks it today (issue 16): target models, chunk 0, superseded events, a NULL
 * organization; each write path of the app, one transaction at a time, against the app's own
 * definition computed independently ({@link AppSchema}).
 */
@ExtendWith(PostgresExtension.class)
class AppSemanticsTest {

    static TestDatabase db;

    @BeforeAll
    static void setUp() {
        AppSchema.install(db, "model-a");
        assertThat(cli(db, "backfill")).isZero();
    }

    @Test
    void onlyAChunkZeroRowOfTheTargetModelCounts() {
        long e = event(db, "org", "text");
        assertThat(pending(db, e, "model-a")).isTrue();
        assertThat(pendingAfter(db, "INSERT INTO event_embeddings (event_id, embedding_model, chunk_index) VALUES (" + e + ", 'model-a', 1)", e, "model-a"))
                .as("chunk 1 does not count").isTrue();
        assertThat(pendingAfter(db, "INSERT INTO event_embeddings (event_id, embedding_model, chunk_index) VALUES (" + e + ", 'model-z', 0)", e, "model-a"))
                .as("another model does not count").isTrue();
        assertThat(pendingAfter(db, "INSERT INTO event_embeddings (event_id, embedding_model, chunk_index) VALUES (" + e + ", 'model-a', 0)", e, "model-a"))
                .isFalse();
        assertThat(pendingAfter(db, "DELETE FROM event_embeddings WHERE event_id = " + e + " AND embedding_model = 'model-a' AND chunk_index = 1", e, "model-a"))
                .as("deleting chunk 1 changes nothing").isFalse();
        assertThat(pendingAfter(db, "UPDATE event_embeddings SET chunk_index = 5 WHERE event_id = " + e + " AND embedding_model = 'model-a' AND chunk_index = 0", e, "model-a"))
                .as("chunk 0 moved away").isTrue();
        assertThat(pendingAfter(db, "UPDATE event_embeddings SET embedding_model = 'model-a', chunk_index = 0 WHERE event_id = " + e + " AND embedding_model = 'model-z'", e, "model-a"))
                .as("restamped to the target model").isFalse();
        assertExact(db);
    }

    @Test
    void theAppsReembedTransactionLeavesTheEventEmbedded() throws Exception {
        long e = event(db, "org", "text");
        for (String lock : new String[] {"FOR SHARE", "FOR NO KEY UPDATE"}) {
            try (var c = db.open()) {
                c.setAutoCommit(false);
                try (var st = c.createStatement()) {
                    st.execute(AppSchema.reembed(e, "model-a", 2, lock));
                }
                c.commit();
            }
            assertThat(pending(db, e, "model-a")).as(lock).isFalse();
        }
        assertExact(db);
    }

    @Test
    void aSupersededEventIsNeverPendingAndItsSuccessorIs() throws Exception {
        long e = event(db, "org", "text");
        db.execute(AppSchema.reembed(e, "model-a", 1, "FOR SHARE").split(";"));
        try (var c = db.open()) {
            c.setAutoCommit(false);
            try (var st = c.createStatement()) {
                st.execute(AppSchema.supersede(e));
            }
            c.commit();
        }
        long successor = db.queryLong("SELECT superseded_by FROM events WHERE id = " + e);
        assertThat(pending(db, e, "model-a")).as("the dead predecessor (its embeddings deleted)").isFalse();
        assertThat(pending(db, successor, "model-a")).isTrue();
        assertThat(pendingAfter(db, "UPDATE events SET superseded_by = NULL WHERE id = " + e, e, "model-a")).as("un-superseded").isTrue();
        assertExact(db);
    }

    @Test
    void noOrganizationOrNoTextIsNeverPending() {
        long noOrg = event(db, null, "text");
        long noText = event(db, "org", "");
        assertThat(pending(db, noOrg, "model-a")).isFalse();
        assertThat(pending(db, noText, "model-a")).isFalse();
        assertThat(pendingAfter(db, "UPDATE events SET organization_id = 'org' WHERE id = " + noOrg, noOrg, "model-a")).isTrue();
        db.execute("UPDATE events SET organization_id = 'org-2' WHERE id = " + noOrg);
        assertThat(db.queryString("SELECT organization_id FROM event_embedding_pending WHERE event_id = " + noOrg)).isEqualTo("org-2");
        assertExact(db);
    }

    @Test
    void anInPlaceUpdateOfOtherColumnsFiresNoTriggerOfTheModule() throws Exception {
        long e = event(db, "org", "text");
        try (var c = db.open(); var st = c.createStatement()) {
            st.execute("SET track_functions = 'all'");
            c.setAutoCommit(false);
            st.execute("UPDATE events SET metadata = '{\"score\": 3}', title = 'new title' WHERE id = " + e);
            try (var rs = st.executeQuery("SELECT coalesce(sum(calls), 0) FROM pg_stat_xact_user_functions WHERE funcname LIKE 'ehe_%'")) {
                rs.next();
                assertThat(rs.getLong(1)).as("calls of the module's functions").isZero();
            }
            st.execute("UPDATE events SET payload_text = '' WHERE id = " + e);
            try (var rs = st.executeQuery("SELECT coalesce(sum(calls), 0) FROM pg_stat_xact_user_functions WHERE funcname LIKE 'ehe_%'")) {
                rs.next();
                assertThat(rs.getLong(1)).as("a watched column does fire it (the check above can see calls)").isPositive();
            }
            c.rollback();
        }
    }

    @Test
    void theIssuesScenarioSupersedeThenANewModel() throws Exception {
        TestDatabase fresh = AppSchema.installed("app_scenario", "model-a");
        AppSchema.fill(fresh, 7, 10000, "model-a");
        assertThat(fresh.queryLong("SELECT count(*) FROM event_embedding_pending WHERE model = 'model-a'")).isEqualTo(1000);
        // One supersede transaction of 5 events (two of them not embedded yet).
        StringBuilder tx = new StringBuilder();
        for (long id : new long[] {10, 20, 31, 32, 33}) {
            tx.append(AppSchema.supersede(id));
        }
        try (var c = fresh.open()) {
            c.setAutoCommit(false);
            try (var st = c.createStatement()) {
                st.execute(tx.toString());
            }
            c.commit();
        }
        assertThat(fresh.queryLong("SELECT count(*) FROM event_embedding_pending p JOIN events e ON e.id = p.event_id WHERE e.superseded_by IS NOT NULL"))
                .as("rows of dead events").isZero();
        assertExact(fresh);
        assertThat(cli(fresh, "verify")).isZero();
        // A new model: every live event is pending for it.
        assertThat(cli(fresh, "targets", "add", "model-b", "--new-model")).isZero();
        assertThat(cli(fresh, "status")).as("model-b filling").isEqualTo(5);
        assertThat(cli(fresh, "backfill")).isZero();
        assertThat(fresh.queryLong("SELECT count(*) FROM event_embedding_pending WHERE model = 'model-b'"))
                .isEqualTo(fresh.queryLong("SELECT count(*) FROM events WHERE superseded_by IS NULL"));
        assertThat(cli(fresh, "status")).isZero();
        assertExact(fresh);
        // Retiring the old model: its rows go, model-b's stay.
        assertThat(cli(fresh, "targets", "remove", "model-a")).isZero();
        assertThat(fresh.queryLong("SELECT count(*) FROM event_embedding_pending WHERE model = 'model-a'")).isZero();
        assertThat(fresh.queryLong("SELECT count(*) FROM event_embedding_pending_targets")).isEqualTo(1);
        assertThat(cli(fresh, "verify")).isZero();
        assertThat(cli(fresh, "status")).isZero();
    }

    @Test
    void statusPrintsTheSemanticsAndEachTargetsBacklog() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream old = System.out;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            cli(db, "status", "--json");
        } finally {
            System.setOut(old);
        }
        JsonNode json = new ObjectMapper().readTree(out.toString(StandardCharsets.UTF_8));
        assertThat(json.path("semantics").path("supersededColumn").asText()).isEqualTo("superseded_by");
        assertThat(json.path("semantics").path("chunkColumn").asText()).isEqualTo("chunk_index");
        assertThat(json.path("semantics").path("description").asText()).contains("chunk_index = 0").contains("superseded_by IS NULL");
        assertThat(json.path("targets").get(0).path("model").asText()).isEqualTo("model-a");
        assertThat(json.path("targets").get(0).path("pending").asLong())
                .isEqualTo(db.queryLong("SELECT count(*) FROM event_embedding_pending WHERE model = 'model-a'"));
    }

    @Test
    void aSchemaThatChangedUnderTheSemanticsIsNotReady() {
        TestDatabase seed = PostgresServer.get().createDatabase("app_drift");
        Migrations.migrate(seed, true, Design.PENDING_TABLE);
        assertThat(cli(seed, "backfill")).isZero();
        assertThat(cli(seed, "status")).isZero();
        seed.execute("ALTER TABLE events ADD COLUMN superseded_by bigint");
        assertThat(cli(seed, "status")).as("superseded_by appeared; the seed semantics ignore it").isEqualTo(5);
        // Confirming the seed semantics records the column: ready again, still the seed's question.
        assertThat(cli(seed, "configure", "--semantics", "seed")).isZero();
        assertThat(cli(seed, "status")).isZero();
        // Adopting it: a new question, so the table is refilled.
        assertThat(cli(seed, "configure", "--semantics", "seed", "--superseded-column", "superseded_by", "--change-question")).isZero();
        assertThat(cli(seed, "status")).isEqualTo(5);
        assertThat(cli(seed, "backfill")).isZero();
        assertThat(cli(seed, "status")).isZero();
        assertThat(cli(seed, "verify")).isZero();
    }

    @Test
    void badSemanticsAreRefusedBeforeAnyChange() {
        assertThat(cli(db, "configure", "--semantics", "sideways")).isEqualTo(2);
        assertThat(cli(db, "configure", "--semantics", "app")).as("a model column needs a target").isEqualTo(2);
        assertThat(cli(db, "configure", "--target-model", "m"))
                .as("no question given: the installed one is kept, and 'm' is a model no embedding uses").isEqualTo(13);
        assertThat(cli(db, "configure", "--semantics", "seed", "--target-model", "m")).as("a target needs a model column").isEqualTo(2);
        assertThat(cli(db, "configure", "--semantics", "app", "--superseded-column", "no_such_column", "--target-model", "m"))
                .as("a missing column: refused before any change").isEqualTo(2);
        assertThat(db.queryString("SELECT superseded_column FROM event_embedding_pending_semantics")).isEqualTo("superseded_by");
        assertThat(cli(db, "migrate", "--design", "column", "--semantics", "app", "--target-model", "m"))
                .as("the column design answers only the seed's question").isEqualTo(2);
        assertThat(cli(db, "targets", "add", "")).isEqualTo(2);
        assertThat(cli(db, "targets", "remove", "never-added")).isEqualTo(2);
    }

    @Test
    void theColumnDesignIsNeverReadyWhileTheDatabaseAsksAnotherQuestion() {
        TestDatabase both = PostgresServer.get().createDatabase("app_column");
        Migrations.baselineOnly(both);
        both.execute("ALTER TABLE events ADD COLUMN superseded_by bigint",
                "INSERT INTO events (organization_id, payload_text) SELECT 'o', 't' || g FROM generate_series(1, 200) g");
        assertThat(cli(both, "migrate")).isZero();
        assertThat(cli(both, "backfill", "--then-migrate")).isZero();
        assertThat(cli(both, "status")).as("the column design, seed question").isZero();
        assertThat(cli(both, "migrate", "--design", "pending-table", "--semantics", "app", "--target-model", "m", "--new-model")).isZero();
        assertThat(cli(both, "status", "--design", "column")).as("configured for the app's question").isEqualTo(5);

        // The other way round: the column design is not installed beside a pending-table design that answers
        // another question (a new-user trial: it backfilled every event for a status never ready).
        TestDatabase appOnly = AppSchema.installed("app_then_column", "m");
        long history = appOnly.queryLong("SELECT count(*) FROM databasechangelog");
        assertThat(cli(appOnly, "migrate", "--design", "column")).as("refused before the first changeSet").isEqualTo(2);
        assertThat(appOnly.queryLong("SELECT count(*) FROM databasechangelog")).isEqualTo(history);
        assertThat(appOnly.queryLong("SELECT count(*) FROM pg_attribute WHERE attrelid = 'events'::regclass AND attname = 'has_embedding'")).isZero();
        assertThat(cli(both, "backfill", "--design", "pending-table")).isZero();
        assertThat(cli(both, "status", "--design", "pending-table")).isZero();
    }

    @Test
    void bulkStatementsOnAnActiveTargetSwitchToOneTableLockAndStayExact() throws Exception {
        TestDatabase bulk = AppSchema.installed("app_bulk", "model-a");
        bulk.execute("INSERT INTO events (organization_id, payload_text) SELECT 'org', 'text ' || g FROM generate_series(1, 8000) g");
        assertThat(cli(bulk, "backfill")).isZero();
        try (var c = bulk.open(); var st = c.createStatement()) {
            c.setAutoCommit(false);
            // 8,000 embedding rows of the active target in one statement: far beyond what the lock table holds as keys.
            st.execute("INSERT INTO event_embeddings (event_id, embedding_model, chunk_index) SELECT id, 'model-a', 0 FROM events ORDER BY id");
            try (var rs = st.executeQuery("""
                    SELECT count(*) FILTER (WHERE locktype = 'advisory'),
                           count(*) FILTER (WHERE locktype = 'relation' AND relation = 'event_embedding_pending'::regclass
                                            AND mode = 'ShareRowExclusiveLock')
                      FROM pg_locks WHERE pid = pg_backend_pid()""")) {
                rs.next();
                assertThat(rs.getLong(1)).as("advisory keys held").isLessThanOrEqualTo(256);
                assertThat(rs.getLong(2)).as("the table lock instead").isOne();
            }
            c.commit();
        }
        assertThat(bulk.queryLong("SELECT count(*) FROM event_embedding_pending")).isZero();
        bulk.execute("DELETE FROM event_embeddings WHERE event_id % 2 = 0");
        assertThat(bulk.queryLong("SELECT count(*) FROM event_embedding_pending")).isEqualTo(4000);
        bulk.execute("UPDATE events SET superseded_by = id + 100000 WHERE id % 4 = 0");
        bulk.execute("DELETE FROM events WHERE id % 3 = 0");
        assertExact(bulk);
        assertThat(cli(bulk, "verify")).isZero();
    }

    @Test
    void rowsThatArrivedWithoutTheTriggersMakeStatusNotReadyUntilRepaired() throws Exception {
        TestDatabase bypass = AppSchema.installed("app_bypass", "model-a");
        bypass.execute("INSERT INTO events (organization_id, payload_text) SELECT 'org', 'text ' || g FROM generate_series(1, 300) g");
        assertThat(cli(bypass, "backfill")).isZero();
        assertThat(cli(bypass, "status")).isZero();
        try (var c = bypass.open(); var st = c.createStatement()) {
            // What a logical-replication apply worker or pg_restore --disable-triggers does: no trigger fires.
            st.execute("SET session_replication_role = replica");
            st.execute("INSERT INTO event_embeddings (event_id, embedding_model, chunk_index) SELECT max(id), 'model-a', 0 FROM events");
        }
        assertThat(cli(bypass, "status")).as("a chunk-0 row arrived without the triggers").isEqualTo(5);
        assertThat(cli(bypass, "verify", "--repair")).isZero();
        assertThat(cli(bypass, "status")).isZero();
        assertExact(bypass);
    }
}
