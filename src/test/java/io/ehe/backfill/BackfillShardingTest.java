package io.ehe.backfill;

import io.ehe.testing.TestDatabase;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Three shards as three processes of a Kubernetes Indexed Job (--shards 3, JOB_COMPLETION_INDEX),
 * started together: every row walked exactly once, no NULL left, and the last shard to finish
 * applies the deferred changeSets (--then-migrate).
 */
@Fixture.Loaded(events = 30_000)
class BackfillShardingTest {

    @Test
    void threeShardsCoverEveryRowOnceThenTheLastOneMigrates(TestDatabase db) throws Exception {
        long total = Fixture.events(db);
        List<BackfillProcess> shards = new ArrayList<>();
        for (int k = 0; k < 3; k++) {
            shards.add(BackfillProcess.start(db, Map.of(Shard.INDEX_ENV, Integer.toString(k)),
                    "--shards", "3", "--batch-size", "700", "--then-migrate"));
        }
        long scanned = 0;
        long filled = 0;
        int sawAllDone = 0;
        int migrated = 0;
        for (BackfillProcess p : shards) {
            assertThat(p.waitFor(180)).as(p.stderr()).isEqualTo(0);
            scanned += p.summary("rows_scanned");
            filled += p.summary("rows_true") + p.summary("rows_false");
            sawAllDone += p.summaryText("all_shards_done").equals("true") ? 1 : 0;
            migrated += p.summaryText("migrated").equals("true") ? 1 : 0;
            assertThat(p.summary("rows_scanned")).as("every shard has work").isPositive();
        }
        assertThat(scanned).as("rows walked by the three shards").isEqualTo(total);
        assertThat(filled).as("rows filled by the three shards").isEqualTo(total);
        assertThat(sawAllDone).as("exactly one shard finishes last").isEqualTo(1);
        assertThat(migrated).isEqualTo(1);

        // The ranges tile the id space: unbounded at both ends, each starting where the last ended.
        List<long[]> ranges = db.queryList("SELECT shard_index, range_start, coalesce(range_end, -1), done::int FROM "
                + ProgressStore.TABLE + " WHERE shard_count = 3 ORDER BY shard_index", rs -> {
            try {
                return new long[]{rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getLong(4)};
            } catch (java.sql.SQLException e) {
                throw new IllegalStateException(e);
            }
        });
        assertThat(ranges).hasSize(3);
        assertThat(ranges.get(0)[1]).isEqualTo(Long.MIN_VALUE);
        assertThat(ranges.get(1)[1]).isEqualTo(ranges.get(0)[2]);
        assertThat(ranges.get(2)[1]).isEqualTo(ranges.get(1)[2]);
        assertThat(ranges.get(2)[2]).isEqualTo(-1);
        assertThat(ranges).allMatch(r -> r[3] == 1);

        Fixture.assertExact(db);
        // --then-migrate: the pending-embedding index is valid and the column NOT NULL.
        assertThat(db.queryLong("""
                SELECT count(*) FROM pg_index i WHERE i.indexrelid = to_regclass('public.idx_events_pending_embedding')
                   AND i.indisvalid""")).isEqualTo(1);
        assertThat(db.queryString("SELECT attnotnull::text FROM pg_attribute WHERE attrelid = 'public.events'::regclass AND attname = 'has_embedding'"))
                .isEqualTo("true");
        shards.forEach(BackfillProcess::cleanup);
    }
}
