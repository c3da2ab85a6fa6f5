package io.ehe.design.pending;

import io.ehe.testing.MetricsContract;
import io.ehe.testing.PostgresExtension;
import io.ehe.testing.TestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.sql.Connection;
import java.sql.Statement;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * changeSet 190 point 5: drift_rows samples beyond the newest 100 events. Each scrape also reads a window
 * of at most 100 consecutive events at a random id below them, so a pair written past the triggers on an
 * old event is found by some scrapes and counts once; and the window is a sample, not a scan.
 */
@ExtendWith(PostgresExtension.class)
class MetricsDriftSampleTest {

    static TestDatabase db;

    @Test
    void anOldEventWrittenPastTheTriggersIsFoundByTheWindowNotOnlyTheNewest() throws Exception {
        AppSchema.install(db, "m1");
        AppSchema.fill(db, 3, 300, "m1");
        long old = 100; // id % 10 = 0: no embedding, pending for m1; not among the newest 100 (201-300)
        assertThat(AppSchema.pending(db, old, "m1")).isTrue();
        MetricsContract.assertNoDrift(db, 10);

        try (Connection c = db.open(); Statement st = c.createStatement()) {
            st.execute("SET session_replication_role = replica");
            st.execute("INSERT INTO event_embeddings (event_id, embedding_model, chunk_index) VALUES (" + old + ", 'm1', 0)");
        }
        // The window starts at an id drawn from [1, 201): about half the windows cover event 100, so 60
        // scrapes all miss it (or all see it) with probability 2^-60.
        MetricsContract.assertOldDriftFoundBySomeScrapesOnly(db, 60);
    }
}
