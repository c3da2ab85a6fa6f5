package io.ehe.bench;

import io.ehe.testing.TestDatabase;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/** A way to fill has_embedding on a table whose rows are all NULL. */
interface BackfillStrategy {

    String name();

    /** Fills every NULL; returns per-transaction durations and progress points. */
    Result fill(TestDatabase db) throws Exception;

    record Result(List<Double> batchMillis, List<double[]> progress, long rows) {
    }

    /** The floor: one UPDATE of the whole table in one transaction (unsafe in production: it locks every row until commit). */
    final class SingleUpdate implements BackfillStrategy {
        @Override
        public String name() {
            return "single UPDATE (floor)";
        }

        @Override
        public Result fill(TestDatabase db) throws Exception {
            try (Connection c = db.open(); Statement st = c.createStatement()) {
                long t0 = System.nanoTime();
                int rows = st.executeUpdate("""
                        UPDATE public.events e
                           SET has_embedding = EXISTS (SELECT 1 FROM public.event_embeddings x WHERE x.event_id = e.id)
                         WHERE e.has_embedding IS NULL""");
                double ms = (System.nanoTime() - t0) / 1e6;
                List<double[]> progress = new ArrayList<>();
                progress.add(new double[]{0, 0});
                progress.add(new double[]{ms, rows});
                return new Result(List.of(ms), progress, rows);
            }
        }
    }

    /**
     * The seed PR's script: pick 10,000 NULL rows with FOR UPDATE SKIP LOCKED, no cursor, commit per
     * batch, until none is left. Every pick scans from the start of the table past the rows already done.
     */
    final class SeedPicker implements BackfillStrategy {
        @Override
        public String name() {
            return "seed: NULL picker, LIMIT 10000 SKIP LOCKED";
        }

        @Override
        public Result fill(TestDatabase db) throws Exception {
            List<Double> batches = new ArrayList<>();
            List<double[]> progress = new ArrayList<>();
            progress.add(new double[]{0, 0});
            long total = 0;
            try (Connection c = db.open(); PreparedStatement ps = c.prepareStatement("""
                    WITH picked AS (
                        SELECT id FROM public.events WHERE has_embedding IS NULL LIMIT 10000 FOR UPDATE SKIP LOCKED)
                    UPDATE public.events e
                       SET has_embedding = EXISTS (SELECT 1 FROM public.event_embeddings x WHERE x.event_id = e.id)
                      FROM picked WHERE e.id = picked.id""")) {
                c.setAutoCommit(false);
                long start = System.nanoTime();
                while (true) {
                    long t0 = System.nanoTime();
                    int rows = ps.executeUpdate();
                    c.commit();
                    batches.add((System.nanoTime() - t0) / 1e6);
                    total += rows;
                    progress.add(new double[]{(System.nanoTime() - start) / 1e6, total});
                    if (rows == 0) {
                        break;
                    }
                }
            }
            return new Result(batches, progress, total);
        }
    }
}
