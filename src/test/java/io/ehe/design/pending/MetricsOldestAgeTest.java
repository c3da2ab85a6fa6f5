package io.ehe.design.pending;

import io.ehe.testing.PostgresExtension;
import io.ehe.testing.TestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * changeSet 190 point 2: oldest_pending_age_seconds is now - min(created_at) of the model's pending rows;
 * where the semantics name no created column the pending rows carry none, and the lowest pending
 * event_id stands in, aged by events.created_at.
 */
@ExtendWith(PostgresExtension.class)
class MetricsOldestAgeTest {

    static TestDatabase db;

    @Test
    void withoutACreatedColumnTheLowestPendingEventStandsIn() {
        AppSchema.install(db, "m1");
        assertThat(AppSchema.cli(db, "configure", "--created-column", "none", "--change-question")).isZero();
        assertThat(db.queryString("SELECT coalesce(created_column, '-') FROM event_embedding_pending_semantics")).isEqualTo("-");
        db.execute("INSERT INTO events (organization_id, payload_text, created_at) "
                + "SELECT 'org-1', 'text ' || g, now() - make_interval(mins => 60 - g) FROM generate_series(0, 9) g");
        assertThat(AppSchema.cli(db, "backfill")).isZero();
        assertThat(db.queryLong("SELECT count(*) FROM event_embedding_pending WHERE model = 'm1' AND created_at IS NULL")).isEqualTo(10);
        double age = Double.parseDouble(db.queryString("SELECT oldest_pending_age_seconds FROM ehe_metrics_models() WHERE model = 'm1'"));
        assertThat(age).as("the lowest pending event's age (its created_at is an hour ago)").isCloseTo(3600, within(60.0));

        db.execute("INSERT INTO event_embeddings (event_id, embedding_model, chunk_index) SELECT min(id), 'm1', 0 FROM events");
        assertThat(Double.parseDouble(db.queryString("SELECT oldest_pending_age_seconds FROM ehe_metrics_models() WHERE model = 'm1'")))
                .as("the next one, 59 minutes old").isCloseTo(3540, within(60.0));
    }
}
