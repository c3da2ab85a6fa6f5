package io.ehe.bench;

import io.ehe.testing.TestDatabase;

import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * What a 1,000-row INSERT ... SELECT into event_embeddings costs with no trigger, with the seed's
 * per-row trigger (one UPDATE per inserted row) and with this module's statement-level triggers.
 *
 * <p>The 1,000 events are picked once, before timing, into a temporary table: the newest pending
 * events, the ones an embedder inserts rows for next. Picking them inside the timed statement would
 * time the pick instead (ORDER BY id LIMIT over the pending rows can walk the primary key through a
 * third of the table). Each insert is rolled back, so every round does the same work; the variants
 * alternate round by round. A fourth figure, the bare UPDATE that flips those 1,000 events without
 * inserting anything, is the floor any design that writes {@code events.has_embedding} pays on top
 * of the insert.
 */
final class TriggerCostBench {

    record Result(Stats none, Stats perRow, Stats module, Stats bareUpdate) {
    }

    private static final String INSERT = "INSERT INTO public.event_embeddings (event_id, chunk_index) SELECT id, 77 FROM bench_pick";
    private static final String BARE_UPDATE = "UPDATE public.events SET has_embedding = true WHERE id IN (SELECT id FROM bench_pick)";
    private static final String NO_TRIGGERS = "ALTER TABLE public.event_embeddings DISABLE TRIGGER USER";

    static Result run(TestDatabase db, int rounds) throws Exception {
        db.execute("""
                CREATE OR REPLACE FUNCTION public.bench_seed_after_insert() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    UPDATE public.events SET has_embedding = true WHERE id = NEW.event_id;
                    RETURN NULL;
                END $$""");
        List<Double> none = new ArrayList<>(), perRow = new ArrayList<>(), module = new ArrayList<>(), bare = new ArrayList<>();
        try (Connection c = db.open(); Statement st = c.createStatement()) {
            st.execute("""
                    CREATE TEMPORARY TABLE bench_pick AS
                    SELECT id FROM public.events
                     WHERE NOT has_embedding AND payload_text IS NOT NULL AND payload_text <> ''
                     ORDER BY id DESC LIMIT 1000""");
            st.execute("ANALYZE bench_pick");
            c.setAutoCommit(false);
            for (int i = 0; i < rounds + 2; i++) {
                boolean warmup = i < 2;
                measure(c, st, List.of(NO_TRIGGERS), INSERT, none, warmup);
                measure(c, st, List.of(NO_TRIGGERS, "CREATE TRIGGER bench_seed_row AFTER INSERT ON public.event_embeddings "
                        + "FOR EACH ROW EXECUTE FUNCTION public.bench_seed_after_insert()"), INSERT, perRow, warmup);
                measure(c, st, List.of(), INSERT, module, warmup);
                measure(c, st, List.of(), BARE_UPDATE, bare, warmup);
            }
            c.setAutoCommit(true);
            st.execute("DROP TABLE bench_pick");
        }
        db.execute("DROP FUNCTION public.bench_seed_after_insert()");
        return new Result(Stats.of(none), Stats.of(perRow), Stats.of(module), Stats.of(bare));
    }

    /** Sets the variant up inside the transaction, times only the statement, then rolls everything back. */
    private static void measure(Connection c, Statement st, List<String> setup, String sql, List<Double> out, boolean warmup) throws Exception {
        for (String s : setup) {
            st.execute(s);
        }
        long t0 = System.nanoTime();
        int rows = st.executeUpdate(sql);
        double ms = (System.nanoTime() - t0) / 1e6;
        c.rollback();
        if (rows != 1000) {
            throw new IllegalStateException("expected 1000 pending events, found " + rows + " (scale too small)");
        }
        if (!warmup) {
            out.add(ms);
        }
    }
}
