package io.ehe.design.pending;

import io.ehe.design.pending.QueueSql.Claimed;
import io.ehe.testing.MetricsContract;
import io.ehe.testing.PostgresExporter;
import io.ehe.testing.PostgresExtension;
import io.ehe.testing.TestDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

import java.sql.Connection;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 25, pending-table design: Debian's postgres_exporter, loaded with the shipped queries file and
 * logged in as a role with EXECUTE on the two metrics functions and nothing else, exports per target
 * model and per database exactly what count(*) queries over the tables say, computed here without the
 * module's functions: after the fill, after app writes (inserts, embeddings, a supersede), while a new
 * target fills and after its fill, with claims, backoffs, a quarantine and a paused model, with a
 * trigger disabled, and with a row written past the triggers (the sampled drift). The drift's truth is a
 * full count: the one drifted pair is on the newest event, which every scrape's sample checks.
 */
@ExtendWith(PostgresExtension.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PendingMetricsExporterTest {

    static TestDatabase db;
    static PostgresExporter exporter;

    @BeforeAll
    static void setUp() throws Exception {
        AppSchema.install(db, "m1");
        db.execute("INSERT INTO events (organization_id, payload_text, created_at) "
                        + "SELECT 'org-' || (g % 5), CASE WHEN g % 11 = 0 THEN '' ELSE 'text ' || g END, now() - make_interval(mins => 600 - g) "
                        + "FROM generate_series(1, 600) g",
                "INSERT INTO event_embeddings (event_id, embedding_model, chunk_index) SELECT id, 'm1', 0 FROM events WHERE id % 3 = 0");
        assertThat(AppSchema.cli(db, "backfill")).isZero();
        AppSchema.assertExact(db);
        exporter = PostgresExporter.start(db, "ehe_metrics_pending");
    }

    @AfterAll
    static void tearDown() throws Exception {
        if (exporter != null) {
            exporter.close();
        }
    }

    /** Per target, from the tables: pending rows, the claim rows that hide them, the target's state. */
    private static Map<String, Double> modelTruth(String model) {
        String m = "'" + model + "'";
        String hidden = "SELECT 1 FROM event_embedding_pending_claims c WHERE c.event_id = p.event_id AND c.model = p.model"
                + " AND c.hidden_until > now() AND (c.state = 'claimed' OR c.pending_xmin = p.xmin)";
        double pending = db.queryLong("SELECT count(*) FROM event_embedding_pending p WHERE p.model = " + m);
        boolean paused = db.queryLong("SELECT count(*) FROM event_embedding_pending_queue_settings WHERE model = " + m
                + " AND paused_until > now()") > 0;
        String state = db.queryString("SELECT state FROM event_embedding_pending_targets WHERE model = " + m);
        Map<String, Double> t = new LinkedHashMap<>();
        t.put("pending_pairs", pending);
        t.put("claimable_pairs", paused ? 0.0
                : (double) db.queryLong("SELECT count(*) FROM event_embedding_pending p WHERE p.model = " + m + " AND NOT EXISTS (" + hidden + ")"));
        t.put("claimed_pairs", (double) db.queryLong("SELECT count(*) FROM event_embedding_pending p JOIN event_embedding_pending_claims c"
                + " USING (event_id, model) WHERE p.model = " + m + " AND c.state = 'claimed' AND c.hidden_until > now()"));
        t.put("backing_off_pairs", (double) db.queryLong("SELECT count(*) FROM event_embedding_pending p JOIN event_embedding_pending_claims c"
                + " USING (event_id, model) WHERE p.model = " + m + " AND c.state IN ('backoff', 'released') AND c.hidden_until > now()"
                + " AND c.pending_xmin = p.xmin"));
        t.put("quarantined_pairs", (double) db.queryLong("SELECT count(*) FROM event_embedding_pending p JOIN event_embedding_pending_claims c"
                + " USING (event_id, model) WHERE p.model = " + m + " AND c.state = 'quarantined' AND c.pending_xmin = p.xmin"));
        t.put("oldest_pending_age_seconds", pending == 0 ? 0.0
                : Double.parseDouble(db.queryString("SELECT extract(epoch FROM now() - min(e.created_at)) FROM events e"
                        + " WHERE e.id IN (SELECT event_id FROM event_embedding_pending WHERE model = " + m + ")")));
        t.put("filling", "filling".equals(state) ? 1.0 : 0.0);
        t.put("fill_progress_ratio", "filling".equals(state) ? Double.NaN : 1.0);
        return t;
    }

    /** The pairs that disagree with the app's question, over every event. */
    private static double driftTruth() {
        return AppSchema.missing(db) + AppSchema.stale(db);
    }

    private static Map<String, Double> databaseTruth(boolean triggersOn) {
        double drift = driftTruth();
        boolean allReady = db.queryLong("SELECT count(*) FROM event_embedding_pending_targets WHERE state <> 'ready'") == 0;
        Map<String, Double> t = new LinkedHashMap<>();
        t.put("ready", triggersOn && allReady && drift == 0 ? 1.0 : 0.0);
        t.put("semantics_match", 1.0);
        t.put("triggers_enabled", triggersOn ? 1.0 : 0.0);
        t.put("drift_rows", drift);
        return t;
    }

    /** Scrapes once and checks every model's and the database's figures against the truth taken just before. */
    private static Map<String, Double> assertScrapeEqualsTruth(boolean triggersOn, String... models) throws Exception {
        Map<String, Map<String, Double>> truth = new LinkedHashMap<>();
        for (String m : models) {
            truth.put(m, modelTruth(m));
        }
        Map<String, Double> database = databaseTruth(triggersOn);
        Map<String, Double> scrape = exporter.scrape("ehe_");
        for (String m : models) {
            Map<String, Double> t = truth.get(m);
            double ratio = scrape.getOrDefault(PostgresExporter.key("ehe_model_fill_progress_ratio", Map.of("model", m)), -1.0);
            if (Double.isNaN(t.get("fill_progress_ratio"))) {
                assertThat(ratio).as("fill progress of the filling target " + m).isBetween(0.0, 1.0);
                t.put("fill_progress_ratio", ratio);
            }
        }
        MetricsContract.assertModelsAndDatabase(scrape, truth, "pending-table", database);
        return scrape;
    }

    @Test
    @Order(1)
    void theExporterRoleNeedsExecuteOnlyAndTheFiguresEqualTheTablesAfterTheFill() throws Exception {
        MetricsContract.assertExporterReadsThroughFunctionsOnly(db, "ehe_metrics_pending", 3);
        Map<String, Double> s = assertScrapeEqualsTruth(true, "m1");
        assertThat(s.get("ehe_model_pending_pairs{model=m1}")).as("a backlog to count").isGreaterThan(300);
        assertThat(s.get("ehe_database_ready{design=pending-table}")).isEqualTo(1.0);
        assertThat(exporter.scrapeText()).contains("pg_up 1");
    }

    @Test
    @Order(2)
    void afterAppWrites() throws Exception {
        db.execute("INSERT INTO events (organization_id, payload_text) SELECT 'org-new', 'new ' || g FROM generate_series(1, 40) g",
                "INSERT INTO event_embeddings (event_id, embedding_model, chunk_index) SELECT id, 'm1', 0 FROM events WHERE id % 7 = 1"
                        + " ON CONFLICT DO NOTHING",
                "DELETE FROM event_embeddings WHERE event_id IN (SELECT id FROM events WHERE id % 9 = 0 LIMIT 10)");
        long oldest = db.queryLong("SELECT min(event_id) FROM event_embedding_pending WHERE model = 'm1'");
        db.execute(AppSchema.supersede(oldest).split(";"));
        AppSchema.assertExact(db);
        assertScrapeEqualsTruth(true, "m1");
    }

    @Test
    @Order(3)
    void aNewTargetFillsThenCounts() throws Exception {
        assertThat(AppSchema.cli(db, "targets", "add", "m2", "--new-model")).isZero();
        Map<String, Double> filling = assertScrapeEqualsTruth(true, "m1", "m2");
        assertThat(filling.get("ehe_model_filling{model=m2}")).isEqualTo(1.0);
        assertThat(filling.get("ehe_model_fill_progress_ratio{model=m2}")).as("no plan has walked for m2 yet").isEqualTo(0.0);
        assertThat(filling.get("ehe_database_ready{design=pending-table}")).as("a target is filling").isEqualTo(0.0);
        assertThat(AppSchema.cli(db, "backfill")).isZero();
        AppSchema.assertExact(db);
        Map<String, Double> filled = assertScrapeEqualsTruth(true, "m1", "m2");
        assertThat(filled.get("ehe_model_pending_pairs{model=m2}")).as("every live event pending for the new model")
                .isEqualTo((double) db.queryLong("SELECT count(*) FROM events WHERE payload_text <> '' AND superseded_by IS NULL"));
        assertThat(filled.get("ehe_database_ready{design=pending-table}")).isEqualTo(1.0);
    }

    @Test
    @Order(4)
    void claimsBackoffsQuarantineAndAPause() throws Exception {
        db.execute("SELECT ehe_queue_configure('m1', 600, 3600, 3)");
        List<Claimed> got = QueueSql.claim(db, "m1", 8, 600, null);
        assertThat(got).hasSize(8);
        assertThat(QueueSql.fail(db, "m1", got.get(0).eventId(), got.get(0).token(), "HTTP 503", true)).isEqualTo("backoff");
        assertThat(QueueSql.fail(db, "m1", got.get(1).eventId(), got.get(1).token(), "HTTP 503", true)).isEqualTo("backoff");
        assertThat(QueueSql.fail(db, "m1", got.get(2).eventId(), got.get(2).token(), "HTTP 400", false)).isEqualTo("quarantined");
        assertThat(QueueSql.release(db, "m1", List.of(got.get(3).eventId()), got.get(3).token()).size()).isOne();
        try (Connection c = db.open()) {
            QueueSql.embed(c, got.get(4).eventId(), "m1");
        }
        db.execute("SELECT ehe_queue_pause('m2')");
        Map<String, Double> s = assertScrapeEqualsTruth(true, "m1", "m2");
        assertThat(s.get("ehe_model_claimed_pairs{model=m1}")).isEqualTo(3.0);
        assertThat(s.get("ehe_model_backing_off_pairs{model=m1}")).as("two failed, one released (hold 0: not hidden)").isEqualTo(2.0);
        assertThat(s.get("ehe_model_quarantined_pairs{model=m1}")).isEqualTo(1.0);
        assertThat(s.get("ehe_model_claimable_pairs{model=m2}")).as("paused").isZero();
        assertThat(s.get("ehe_model_pending_pairs{model=m2}")).isPositive();
        db.execute("SELECT ehe_queue_resume('m2')");
        assertScrapeEqualsTruth(true, "m1", "m2");

        // Pairs that left the pending table outside the app's writes (depth 0, as verify --repair or targets
        // remove delete) keep their claim rows until the sweep: a live lease and a backoff that now hide nothing.
        db.execute("DELETE FROM event_embedding_pending WHERE model = 'm1' AND event_id IN (" + got.get(5).eventId() + ", " + got.get(0).eventId() + ")");
        assertThat(db.queryLong("SELECT count(*) FROM event_embedding_pending_claims WHERE model = 'm1' AND event_id IN ("
                + got.get(5).eventId() + ", " + got.get(0).eventId() + ")")).as("claim rows left for the sweep").isEqualTo(2);
        // (The per-model figures only: the two missing pairs are drift, which the sample may or may not see.)
        assertScrapeEqualsTruthForModels("m1", "m2");
        Map<String, Double> gone = exporter.scrape("ehe_model_");
        assertThat(gone.get("ehe_model_claimed_pairs{model=m1}")).as("a lease whose pair is gone").isEqualTo(2.0);
        assertThat(gone.get("ehe_model_backing_off_pairs{model=m1}")).as("a backoff whose pair is gone").isEqualTo(1.0);
        assertThat(AppSchema.cli(db, "verify", "--repair")).as("the two pairs come back").isZero();
        assertScrapeEqualsTruth(true, "m1", "m2");
    }

    @Test
    @Order(5)
    void aDisabledTriggerAndARowPastTheTriggers() throws Exception {
        db.execute("ALTER TABLE event_embeddings DISABLE TRIGGER trg_event_embeddings_pending_targets_ins");
        try {
            Map<String, Double> off = assertScrapeEqualsTruth(false, "m1", "m2");
            assertThat(off.get("ehe_database_triggers_enabled{design=pending-table}")).isZero();
            assertThat(off.get("ehe_database_ready{design=pending-table}")).isZero();
        } finally {
            db.execute("ALTER TABLE event_embeddings ENABLE TRIGGER trg_event_embeddings_pending_targets_ins");
        }
        assertScrapeEqualsTruth(true, "m1", "m2");
        long event = db.queryLong("SELECT max(event_id) FROM event_embedding_pending WHERE model = 'm2'");
        try (Connection c = db.open(); Statement st = c.createStatement()) {
            st.execute("SET session_replication_role = replica");
            st.execute("INSERT INTO event_embeddings (event_id, embedding_model, chunk_index) VALUES (" + event + ", 'm2', 0)");
        }
        Map<String, Double> drifted = assertScrapeEqualsTruth(true, "m1", "m2");
        assertThat(drifted.get("ehe_database_drift_rows{design=pending-table}")).isEqualTo(1.0);
        assertThat(drifted.get("ehe_database_ready{design=pending-table}")).isZero();
        db.execute("DELETE FROM event_embedding_pending WHERE event_id = " + event + " AND model = 'm2'");
        Map<String, Double> repaired = assertScrapeEqualsTruth(true, "m1", "m2");
        assertThat(repaired.get("ehe_database_ready{design=pending-table}")).isEqualTo(1.0);
    }

    @Test
    @Order(6)
    void triggersGeneratedForAForeignKeyTheTableNoLongerHasMeanTheSemanticsNoLongerMatch() throws Exception {
        // 170 point 7: the event insert trigger was generated for the foreign key; without it, it is the wrong variant.
        String fk = db.queryString("SELECT conname FROM pg_constraint WHERE conrelid = 'public.event_embeddings'::regclass AND contype = 'f'");
        db.execute("ALTER TABLE event_embeddings DROP CONSTRAINT " + fk);
        Map<String, Double> s = exporter.scrape("ehe_database_");
        assertThat(s.get("ehe_database_semantics_match{design=pending-table}")).isZero();
        assertThat(s.get("ehe_database_ready{design=pending-table}")).isZero();
        assertThat(s.get("ehe_database_triggers_enabled{design=pending-table}")).isEqualTo(1.0);
        assertThat(s.get("ehe_database_drift_rows{design=pending-table}")).as("not sampled while the semantics do not match").isNaN();
        assertScrapeEqualsTruthForModels("m1", "m2");
    }

    /** The per-model figures only (the database's are this test's own). */
    private static void assertScrapeEqualsTruthForModels(String... models) throws Exception {
        Map<String, Map<String, Double>> truth = new LinkedHashMap<>();
        for (String m : models) {
            truth.put(m, modelTruth(m));
        }
        Map<String, Double> scrape = exporter.scrape("ehe_model_");
        for (String m : models) {
            MetricsContract.assertFigures(scrape, "ehe_model", "model", m, truth.get(m), "oldest_pending_age_seconds");
        }
    }
}
