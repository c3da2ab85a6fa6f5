package io.ehe.backfill;

import io.ehe.testing.PostgresServer;
import io.ehe.testing.TestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import java.sql.Connection;
import java.sql.Statement;

/**
 * Opt-in (-Dehe.speed=ROWS): the backfill with its defaults against the one-statement floor on two
 * identically loaded databases. Prints the ratio and the p99 lock hold; asserts nothing (the
 * benchmark of issue 6 owns the verdict).
 */
@EnabledIfSystemProperty(named = "ehe.speed", matches = "\\d+")
class BackfillSpeedCheck {

    @Test
    void compareWithTheFloor() throws Exception {
        int rows = Integer.parseInt(System.getProperty("ehe.speed"));
        TestDatabase floorDb = PostgresServer.get().createDatabase("speed_floor");
        TestDatabase backfillDb = PostgresServer.get().createDatabase("speed_backfill");
        Fixture.load(floorDb, rows);
        Fixture.load(backfillDb, rows);
        for (TestDatabase db : new TestDatabase[]{floorDb, backfillDb}) {
            db.execute("VACUUM ANALYZE public.events", "VACUUM ANALYZE public.event_embeddings", "CHECKPOINT");
        }
        long t0 = System.nanoTime();
        try (Connection c = floorDb.open(); Statement st = c.createStatement()) {
            st.executeUpdate("UPDATE public.events e SET has_embedding = EXISTS (SELECT 1 FROM public.event_embeddings x WHERE x.event_id = e.id)");
        }
        double floorMs = (System.nanoTime() - t0) / 1e6;
        backfillDb.execute("CHECKPOINT");
        try (Connection c = backfillDb.open()) {
            c.setAutoCommit(false);
            ProgressStore.readOrPlan(c, ProgressStore.TABLE, Shard.whole(), "1s");
            try (var ps = c.prepareStatement("EXPLAIN " + BatchExecutor.fillRangeSql())) {
                ps.setLong(1, 0); ps.setLong(2, 5000); ps.setLong(3, 0); ps.setLong(4, 5000); ps.setLong(5, 5000); ps.setLong(6, 5000); ps.setInt(7, 1); ps.setInt(8, 0);
                try (var rs = ps.executeQuery()) {
                    while (rs.next()) {
                        System.out.println("PLAN " + rs.getString(1));
                    }
                }
            }
            c.rollback();
        }
        BackfillSummary s = Backfill.run(backfillDb.connections(), BackfillSettings.defaults(), null);
        long held = s.lockHolds().stream().mapToLong(java.time.Duration::toMillis).sum();
        System.out.printf("SPEED held_sum_ms=%d%n", held);
        System.out.printf("SPEED rows=%d floor_ms=%.0f backfill_ms=%d ratio=%.2f batches=%d p99_lock_ms=%d max_lock_ms=%d last_batch=%d%n",
                rows, floorMs, s.wall().toMillis(), s.wall().toMillis() / floorMs, s.batches(),
                s.lockHoldPercentile(99).toMillis(), s.lockHoldPercentile(100).toMillis(), s.lastBatchSize());
        Fixture.assertExact(backfillDb);
    }
}
