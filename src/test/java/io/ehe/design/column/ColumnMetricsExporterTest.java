package io.ehe.design.column;

import io.ehe.cli.Main;
import io.ehe.testing.MetricsContract;
import io.ehe.testing.Migrations;
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
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 25, column design: Debian's postgres_exporter, loaded with the shipped queries file and logged
 * in as a role with EXECUTE on the two metrics functions and nothing else, exports what count(*)
 * queries over events and event_embeddings say (the seed's question, computed without has_embedding):
 * during the rollout (index not built: pending unknown, NaN, and filling), after the backfill and the
 * deferred index and NOT NULL, after app writes, with a trigger disabled, and with a row written past
 * the triggers (the sampled drift). The drift's truth is a full count: the one drifted event is among the
 * newest, which every scrape's sample checks.
 */
@ExtendWith(PostgresExtension.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ColumnMetricsExporterTest {

    private static final String MODEL = "(any)";
    private static final String PENDING = "FROM events e WHERE e.payload_text IS NOT NULL AND e.payload_text <> ''"
            + " AND NOT EXISTS (SELECT 1 FROM event_embeddings x WHERE x.event_id = e.id)";

    static TestDatabase db;
    static PostgresExporter exporter;

    @BeforeAll
    static void setUp() throws Exception {
        Migrations.baselineOnly(db);
        db.execute("INSERT INTO events (organization_id, payload_text, created_at) "
                        + "SELECT 'org-' || (g % 5), CASE WHEN g % 11 = 0 THEN '' ELSE 'text ' || g END, now() - make_interval(mins => 900 - g) "
                        + "FROM generate_series(1, 900) g",
                "INSERT INTO event_embeddings (event_id, chunk_index) SELECT id, 0 FROM events WHERE id % 3 <> 0");
        Migrations.migrate(db, false);
        exporter = PostgresExporter.start(db, "ehe_metrics_column");
    }

    @AfterAll
    static void tearDown() throws Exception {
        if (exporter != null) {
            exporter.close();
        }
    }

    private static int cli(String... args) {
        String[] all = new String[args.length + 1];
        System.arraycopy(args, 0, all, 0, args.length);
        all[args.length] = "--url=" + db.urlWithCredentials();
        return Main.run(all);
    }

    private static boolean indexValid() {
        return db.queryLong("SELECT count(*) FROM pg_index WHERE indexrelid = to_regclass('public.idx_events_pending_embedding') AND indisvalid") > 0;
    }

    private static boolean notNull() {
        return db.queryLong("SELECT count(*) FROM pg_attribute WHERE attrelid = 'public.events'::regclass AND attname = 'has_embedding' AND attnotnull") > 0;
    }

    /** The one row "(any)" from the tables; fill_progress_ratio as given (the caller knows where the backfill stands). */
    private static Map<String, Double> modelTruth(double ratio, long drifted) {
        double pending = db.queryLong("SELECT count(*) " + PENDING) + drifted;
        boolean known = indexValid();
        Map<String, Double> t = new LinkedHashMap<>();
        t.put("pending_pairs", known ? pending : Double.NaN);
        t.put("claimable_pairs", known ? pending : Double.NaN);
        t.put("claimed_pairs", 0.0);
        t.put("backing_off_pairs", 0.0);
        t.put("quarantined_pairs", 0.0);
        // The documented stand-in: the pending event with the lowest id, aged by its created_at.
        t.put("oldest_pending_age_seconds", !known ? Double.NaN : pending == 0 ? 0.0
                : Double.parseDouble(db.queryString("SELECT extract(epoch FROM now() - created_at) FROM events WHERE id = (SELECT min(e.id) " + PENDING + ")")));
        t.put("filling", notNull() ? 0.0 : 1.0);
        t.put("fill_progress_ratio", ratio);
        return t;
    }

    private static Map<String, Double> databaseTruth(boolean triggersOn) {
        double drift = db.queryLong("SELECT count(*) FROM events e WHERE e.has_embedding IS NOT NULL"
                + " AND e.has_embedding IS DISTINCT FROM EXISTS (SELECT 1 FROM event_embeddings x WHERE x.event_id = e.id)");
        Map<String, Double> t = new LinkedHashMap<>();
        t.put("ready", triggersOn && indexValid() && notNull() && drift == 0 ? 1.0 : 0.0);
        t.put("semantics_match", 1.0);
        t.put("triggers_enabled", triggersOn ? 1.0 : 0.0);
        t.put("drift_rows", drift);
        return t;
    }

    private static Map<String, Double> assertScrapeEqualsTruth(boolean triggersOn, double ratio) throws Exception {
        return assertScrapeEqualsTruth(triggersOn, ratio, 0);
    }

    /** drifted: events whose has_embedding is wrong (written past the triggers), so the index still counts them. */
    private static Map<String, Double> assertScrapeEqualsTruth(boolean triggersOn, double ratio, long drifted) throws Exception {
        Map<String, Double> model = modelTruth(ratio, drifted);
        Map<String, Double> database = databaseTruth(triggersOn);
        Map<String, Double> scrape = exporter.scrape("ehe_");
        MetricsContract.assertModelsAndDatabase(scrape, Map.of(MODEL, model), "column", database);
        return scrape;
    }

    @Test
    @Order(1)
    void duringTheRolloutPendingIsUnknownAndTheBackfillShowsProgress() throws Exception {
        MetricsContract.assertExporterReadsThroughFunctionsOnly(db, "ehe_metrics_column", 2);
        assertThat(indexValid()).as("the index waits for the backfill").isFalse();
        Map<String, Double> before = assertScrapeEqualsTruth(true, 0.0);
        assertThat(before.get("ehe_database_ready{design=column}")).isZero();
        assertThat(cli("backfill")).isZero();
        Map<String, Double> walked = assertScrapeEqualsTruth(true, 1.0);
        assertThat(walked.get("ehe_model_filling{model=(any)}")).as("NULLs not yet proven absent (NOT NULL is 050's)").isEqualTo(1.0);
        Migrations.migrate(db, false);
        Map<String, Double> ready = assertScrapeEqualsTruth(true, 1.0);
        assertThat(ready.get("ehe_database_ready{design=column}")).isEqualTo(1.0);
        assertThat(ready.get("ehe_model_pending_pairs{model=(any)}")).as("a backlog to count").isGreaterThan(200);
        assertThat(exporter.scrapeText()).contains("pg_up 1");
    }

    @Test
    @Order(2)
    void afterAppWrites() throws Exception {
        db.execute("INSERT INTO events (organization_id, payload_text) SELECT 'org-new', 'new ' || g FROM generate_series(1, 40) g",
                "INSERT INTO event_embeddings (event_id, chunk_index) SELECT id, 0 FROM events WHERE id % 7 = 0 ON CONFLICT DO NOTHING",
                "DELETE FROM event_embeddings WHERE event_id IN (SELECT id FROM events WHERE id % 10 = 1 LIMIT 20)");
        assertScrapeEqualsTruth(true, 1.0);
    }

    @Test
    @Order(3)
    void aDisabledTriggerAndARowPastTheTriggers() throws Exception {
        db.execute("ALTER TABLE event_embeddings DISABLE TRIGGER trg_event_embeddings_has_embedding_ins");
        try {
            Map<String, Double> off = assertScrapeEqualsTruth(false, 1.0);
            assertThat(off.get("ehe_database_triggers_enabled{design=column}")).isZero();
            assertThat(off.get("ehe_database_ready{design=column}")).isZero();
        } finally {
            db.execute("ALTER TABLE event_embeddings ENABLE TRIGGER trg_event_embeddings_has_embedding_ins");
        }
        assertScrapeEqualsTruth(true, 1.0);
        long event = db.queryLong("SELECT max(e.id) " + PENDING);
        try (Connection c = db.open(); Statement st = c.createStatement()) {
            st.execute("SET session_replication_role = replica");
            st.execute("INSERT INTO event_embeddings (event_id, chunk_index) VALUES (" + event + ", 0)");
        }
        // The module's answer is now off by exactly this event: what drift_rows is there to say.
        Map<String, Double> drifted = assertScrapeEqualsTruth(true, 1.0, 1);
        assertThat(drifted.get("ehe_database_drift_rows{design=column}")).isEqualTo(1.0);
        assertThat(drifted.get("ehe_database_ready{design=column}")).isZero();
        db.execute("UPDATE events SET has_embedding = true WHERE id = " + event);
        Map<String, Double> repaired = assertScrapeEqualsTruth(true, 1.0);
        assertThat(repaired.get("ehe_database_ready{design=column}")).isEqualTo(1.0);
    }
}
