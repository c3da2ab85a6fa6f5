package io.ehe.bench;

import io.ehe.testing.TestDatabase;

import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * What a 1,000-row INSERT ... SELECT into event_embeddings costs with no trigger, with the seed's
 * per-row trigger (one UPDATE per inserted row) and with this module's statement-level triggers.
 * Each insert flips 1,000 pending events to true and is rolled back, so every round measures the same
 * work; the three variants are interleaved round by round.
 */
final class TriggerCostBench {

    record Result(Stats none, Stats perRow, Stats module) {
    }

    private static final String INSERT = """
            INSERT INTO public.event_embeddings (event_id, chunk_index)
            SELECT id, 77 FROM public.events
             WHERE NOT has_embedding AND payload_text IS NOT NULL AND payload_text <> ''
             ORDER BY id LIMIT 1000""";

    static Result run(TestDatabase db, int rounds) throws Exception {
        db.execute("""
                CREATE OR REPLACE FUNCTION public.bench_seed_after_insert() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    UPDATE public.events SET has_embedding = true WHERE id = NEW.event_id;
                    RETURN NULL;
                END $$""");
        List<Double> none = new ArrayList<>(), perRow = new ArrayList<>(), module = new ArrayList<>();
        try (Connection c = db.open(); Statement st = c.createStatement()) {
            c.setAutoCommit(false);
            for (int i = 0; i < rounds + 2; i++) {
                boolean warmup = i < 2;
                measure(c, st, "ALTER TABLE public.event_embeddings DISABLE TRIGGER USER", none, warmup);
                measure(c, st, "ALTER TABLE public.event_embeddings DISABLE TRIGGER USER;"
                        + "CREATE TRIGGER bench_seed_row AFTER INSERT ON public.event_embeddings FOR EACH ROW EXECUTE FUNCTION public.bench_seed_after_insert()",
                        perRow, warmup);
                measure(c, st, "SELECT 1", module, warmup);
            }
        }
        db.execute("DROP FUNCTION public.bench_seed_after_insert()");
        return new Result(Stats.of(none), Stats.of(perRow), Stats.of(module));
    }

    /** Sets the variant up inside the transaction, times only the INSERT, then rolls everything back. */
    private static void measure(Connection c, Statement st, String setup, List<Double> out, boolean warmup) throws Exception {
        for (String s : setup.split(";")) {
            st.execute(s);
        }
        long t0 = System.nanoTime();
        int rows = st.executeUpdate(INSERT);
        double ms = (System.nanoTime() - t0) / 1e6;
        c.rollback();
        if (rows != 1000) {
            throw new IllegalStateException("expected 1000 pending events to embed, found " + rows + " (scale too small)");
        }
        if (!warmup) {
            out.add(ms);
        }
    }
}
