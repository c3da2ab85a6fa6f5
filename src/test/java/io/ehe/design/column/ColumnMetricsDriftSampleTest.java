package io.ehe.design.column;

import io.ehe.cli.Main;
import io.ehe.testing.Migrations;
import io.ehe.testing.MetricsContract;
import io.ehe.testing.PostgresExtension;
import io.ehe.testing.TestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.sql.Connection;
import java.sql.Statement;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The column design's changeSet 190 point 5: drift_rows samples beyond the newest 100 events (a window of
 * at most 100 consecutive events at a random id below them), so an old event whose has_embedding was
 * written past the triggers is found by some scrapes and not by every scrape (a sample, not a scan), and
 * counts once however many embedding rows it has.
 */
@ExtendWith(PostgresExtension.class)
class ColumnMetricsDriftSampleTest {

    static TestDatabase db;

    @Test
    void anOldEventWrittenPastTheTriggersIsFoundByTheWindowNotOnlyTheNewest() throws Exception {
        Migrations.baselineOnly(db);
        db.execute("INSERT INTO events (organization_id, payload_text) SELECT 'org-' || (g % 3), 'text ' || g FROM generate_series(1, 300) g",
                "INSERT INTO event_embeddings (event_id, chunk_index) SELECT id, 0 FROM events WHERE id % 10 <> 0");
        Migrations.migrate(db, false);
        assertThat(Main.run(new String[] {"backfill", "--url=" + db.urlWithCredentials()})).isZero();
        MetricsContract.assertNoDrift(db, 10);

        long old = 100; // no embedding, not among the newest 100 (201-300)
        try (Connection c = db.open(); Statement st = c.createStatement()) {
            st.execute("SET session_replication_role = replica");
            st.execute("INSERT INTO event_embeddings (event_id, chunk_index) VALUES (" + old + ", 0), (" + old + ", 1)");
        }
        assertThat(db.queryLong("SELECT count(*) FROM events WHERE id = " + old + " AND has_embedding = false")).isEqualTo(1);
        // The window starts at an id drawn from [1, 201): about half the windows cover event 100.
        MetricsContract.assertOldDriftFoundBySomeScrapesOnly(db, 60);
    }
}
