package io.ehe.design.pending;

import io.ehe.testing.NestedPlans;
import io.ehe.testing.PostgresExtension;
import io.ehe.testing.TestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.sql.Connection;
import java.sql.Statement;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * changeSet 190 point 1: pending_pairs is exact whichever way ehe_metrics_pending_counts() takes, a
 * per-model count or, for the model pg_stats says holds over half the pending table, every pending row
 * minus the models below and above it in the index; stale statistics choose the way, never the figure.
 */
@ExtendWith(PostgresExtension.class)
class MetricsPendingCountTest {

    static TestDatabase db;

    /** pending_pairs per model as the exporter reads it, against a plain count, as "model:n,...". */
    private static void assertCountsExact(String as) {
        assertThat(db.queryString("SELECT string_agg(model || ':' || pending_pairs, ',' ORDER BY model) FROM ehe_metrics_models()"))
                .as(as)
                .isEqualTo(db.queryString("""
                        SELECT string_agg(t.model || ':' || (SELECT count(*) FROM event_embedding_pending p WHERE p.model = t.model), ','
                                          ORDER BY t.model)
                          FROM event_embedding_pending_targets t"""));
    }

    /** The statements ehe_metrics_models() ran inside it (auto_explain's nested plans, as NOTICEs). */
    private static List<String> nestedStatements() throws Exception {
        try (Connection c = db.open(); Statement st = c.createStatement()) {
            NestedPlans.logAsNotices(st);
            return NestedPlans.notices(st, "SELECT * FROM ehe_metrics_models()");
        }
    }

    /** Whether the big model's count was the subtraction (its statement names the range below the model). */
    private static boolean subtracted() throws Exception {
        return nestedStatements().stream().anyMatch(n -> n.contains("p.model < big"));
    }

    private static String mostCommon() {
        return db.queryString("SELECT v.m FROM pg_stats s CROSS JOIN LATERAL unnest(s.most_common_vals::text::text[], s.most_common_freqs) v(m, f)"
                + " WHERE s.tablename = 'event_embedding_pending' AND s.attname = 'model' AND v.f > 0.5");
    }

    @Test
    void theModelHoldingMostOfTheTableIsTheRestOfAnExactTotal() throws Exception {
        AppSchema.install(db, "a", "m", "z");
        // "m" (between the others in the index) has no embedding: all 3,000 events pending; "a" and "z" 300 each.
        AppSchema.fill(db, 7, 3000, "a",
                "INSERT INTO event_embeddings (event_id, embedding_model, chunk_index) SELECT id, 'z', 0 FROM events WHERE id % 10 <> 0");
        db.execute("ANALYZE event_embedding_pending");
        assertThat(mostCommon()).as("the statistics name the big model, so the subtraction is the way taken").isEqualTo("m");
        assertThat(subtracted()).as("the subtraction ran").isTrue();
        assertThat(db.queryLong("SELECT pending_pairs FROM ehe_metrics_models() WHERE model = 'm'")).isEqualTo(3000);
        assertCountsExact("after the fill");

        // Writes after ANALYZE: new events (pending for all three), embeddings for some of "m", a supersede.
        db.execute("INSERT INTO events (organization_id, payload_text) SELECT 'org-1', 'late ' || g FROM generate_series(1, 40) g",
                "INSERT INTO event_embeddings (event_id, embedding_model, chunk_index) SELECT id, 'm', 0 FROM events WHERE id % 3 = 0",
                "UPDATE events SET superseded_by = id - 1 WHERE id % 97 = 0");
        assertCountsExact("after writes the statistics have not seen");

        // Stale statistics: "m" is now mostly embedded, "z" holds most of the table, pg_stats still says "m".
        db.execute("INSERT INTO event_embeddings (event_id, embedding_model, chunk_index) SELECT id, 'm', 0 FROM events WHERE id % 3 <> 0",
                "DELETE FROM event_embeddings WHERE embedding_model = 'z'");
        assertThat(mostCommon()).isEqualTo("m");
        assertThat(db.queryLong("SELECT pending_pairs FROM ehe_metrics_models() WHERE model = 'm'")).isZero();
        assertCountsExact("with statistics that name the wrong model");

        db.execute("ANALYZE event_embedding_pending");
        assertThat(mostCommon()).as("the big model last in the index: nothing above it").isEqualTo("z");
        assertCountsExact("with the big model last");

        // And the per-model way: a third of the events embedded for each model, none over half the table.
        db.execute("DELETE FROM event_embeddings",
                "INSERT INTO event_embeddings (event_id, embedding_model, chunk_index)"
                        + " SELECT id, (ARRAY['a', 'm', 'z'])[id % 3 + 1], 0 FROM events",
                "ANALYZE event_embedding_pending");
        assertThat(mostCommon()).as("no model over half the table").isNull();
        assertThat(subtracted()).as("counted per model").isFalse();
        assertCountsExact("counted per model");
        AppSchema.assertExact(db);
    }
}
