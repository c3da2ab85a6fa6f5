package io.ehe.design.pending;

import io.ehe.catalog.Design;
import io.ehe.testing.DataSet;
import io.ehe.testing.InProcessCli;
import io.ehe.testing.Migrations;
import io.ehe.testing.PostgresExtension;
import io.ehe.testing.PostgresServer;
import io.ehe.testing.TestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.sql.Connection;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 28, a new-user trial: the pending-table fill's summary line said rows_true and rows_false, the
 * column design's words for rows set true and false, about a fill that sets no row of events. Its
 * summary now says what it counts, pairs_added (rows added to the pending table) and
 * events_needed_none (events walked that needed no pair), while the column backfill's summary keeps
 * rows_true and rows_false, which scripts parse (docs/backfill.md).
 */
@ExtendWith(PostgresExtension.class)
class FillSummaryTest {

    private static final int EVENTS = 3_000;

    /** The "backfill summary:" line of {@code out} as key to value. */
    private static Map<String, String> summary(String out) {
        String line = out.lines().filter(l -> l.startsWith("backfill summary: ")).findFirst().orElseThrow(() -> new AssertionError(out));
        Map<String, String> keys = new LinkedHashMap<>();
        for (String pair : line.substring("backfill summary: ".length()).split(" ")) {
            int eq = pair.indexOf('=');
            if (eq > 0) {
                keys.put(pair.substring(0, eq), pair.substring(eq + 1));
            }
        }
        return keys;
    }

    private static TestDatabase loaded(String name, Design design) throws Exception {
        TestDatabase db = PostgresServer.get().createDatabase(name);
        Migrations.baselineOnly(db);
        try (Connection c = db.open()) {
            DataSet.ofSize(EVENTS).load(c);
        }
        assertThat(InProcessCli.run(db, "migrate", "--design", design.id())).isZero();
        return db;
    }

    @Test
    void thePendingTableFillCountsPairsAddedAndEventsThatNeededNone() throws Exception {
        TestDatabase db = loaded("fill_summary_pending", Design.PENDING_TABLE);
        InProcessCli.Captured run = InProcessCli.capture(db, "backfill");
        assertThat(run.code).as(run.out).isZero();
        Map<String, String> s = summary(run.out);
        long pairs = db.queryLong("SELECT count(*) FROM public.event_embedding_pending");
        long events = db.queryLong("SELECT count(*) FROM public.events");
        assertThat(pairs).isPositive();
        assertThat(s).doesNotContainKeys("rows_true", "rows_false")
                .containsEntry("pairs_added", Long.toString(pairs))
                .containsEntry("events_needed_none", Long.toString(events - pairs))
                .containsEntry("rows_scanned", Long.toString(events))
                .containsEntry("status", "complete");
    }

    @Test
    void theColumnBackfillKeepsRowsTrueAndRowsFalse() throws Exception {
        TestDatabase db = loaded("fill_summary_column", Design.COLUMN);
        InProcessCli.Captured run = InProcessCli.capture(db, "backfill");
        assertThat(run.code).as(run.out).isZero();
        Map<String, String> s = summary(run.out);
        long embedded = db.queryLong("SELECT count(DISTINCT event_id) FROM public.event_embeddings");
        long events = db.queryLong("SELECT count(*) FROM public.events");
        assertThat(s).doesNotContainKeys("pairs_added", "events_needed_none")
                .containsEntry("rows_true", Long.toString(embedded))
                .containsEntry("rows_false", Long.toString(events - embedded));
        // The keys in the order docs/backfill.md gives them.
        assertThat(String.join(" ", s.keySet())).isEqualTo("status shard rows_true rows_false batches retries rows_scanned "
                + "sweep_filled rows_left_locked wall_ms p99_lock_ms last_batch_size all_shards_done migrated");
    }
}
