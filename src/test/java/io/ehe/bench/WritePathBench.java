package io.ehe.bench;

import io.ehe.catalog.Design;
import io.ehe.testing.TestDatabase;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * What a design adds to the app's writes, measured inside the server: a PL/pgSQL function runs the
 * statements and reads the clock and the WAL insert position around them, so no network round trip
 * or client scheduling is in the figure (on two shared cores those would be most of a single-row
 * insert). Each measurement runs in its own transaction and is rolled back, so every round writes
 * the same rows.
 *
 * <p>The baseline is the same database with the design switched off inside that transaction: its
 * triggers disabled and, for the column design, its partial index dropped (both undone by the
 * rollback). Same table, same physical state, same round: the per-round ratio compares like with
 * like. For the column design a third figure is its own floor: the bare UPDATE that flips the same
 * events, which any design writing {@code events.has_embedding} must pay once the partial index
 * exists (no such update can be HOT).
 */
final class WritePathBench {

    enum Path {
        EMBEDDING_BULK("embedding insert, one 1,000-row statement", "emb_bulk", "upd_bulk"),
        EMBEDDING_SINGLE("embedding insert, 1,000 single-row statements", "emb_single", "upd_single"),
        EVENT_BULK("event insert, one 1,000-row statement", "evt_bulk", null),
        EVENT_SINGLE("event insert, 1,000 single-row statements (the app)", "evt_single", null);

        final String label;
        final String fn;
        final String floorFn;

        Path(String label, String fn, String floorFn) {
            this.label = label;
            this.fn = fn;
            this.floorFn = floorFn;
        }
    }

    /**
     * @param ratio      design on over design off, per round
     * @param floorRatio column design only: on over (off + bare UPDATE), per round
     */
    record PathResult(Stats on, Stats off, Paired ratio, Stats walOn, Stats walOff, Stats bareUpdate, Paired floorRatio) {
    }

    record Result(Design design, Map<Path, PathResult> paths, int rounds) {
    }

    private static final String FUNCTION = """
            CREATE OR REPLACE FUNCTION public.bench_write(path text, OUT ms double precision, OUT wal numeric)
            LANGUAGE plpgsql AS $fn$
            DECLARE
                t0 timestamptz;
                w0 pg_lsn;
                r record;
            BEGIN
                w0 := pg_current_wal_insert_lsn();
                t0 := clock_timestamp();
                IF path = 'emb_bulk' THEN
                    INSERT INTO public.event_embeddings (event_id, chunk_index) SELECT id, 77 FROM public.bench_pick ORDER BY id;
                ELSIF path = 'emb_single' THEN
                    FOR r IN SELECT id FROM public.bench_pick ORDER BY id LOOP
                        INSERT INTO public.event_embeddings (event_id, chunk_index) VALUES (r.id, 77);
                    END LOOP;
                ELSIF path = 'evt_bulk' THEN
                    INSERT INTO public.events (organization_id, title, payload_text, metadata)
                    SELECT 'org-bench', 'Bench event ' || g, 'bench event ' || g || ' ' || repeat(md5(g::text), 10), '{"source": "bench"}'
                      FROM generate_series(1, 1000) g;
                ELSIF path = 'evt_single' THEN
                    FOR g IN 1..1000 LOOP
                        INSERT INTO public.events (organization_id, title, payload_text, metadata)
                        VALUES ('org-bench', 'Bench event ' || g, 'bench event ' || g || ' ' || repeat(md5(g::text), 10), '{"source": "bench"}');
                    END LOOP;
                ELSIF path = 'upd_bulk' THEN
                    UPDATE public.events SET has_embedding = true WHERE id IN (SELECT id FROM public.bench_pick);
                ELSIF path = 'upd_single' THEN
                    FOR r IN SELECT id FROM public.bench_pick ORDER BY id LOOP
                        UPDATE public.events SET has_embedding = true WHERE id = r.id;
                    END LOOP;
                ELSE
                    RAISE EXCEPTION 'unknown path %', path;
                END IF;
                ms := extract(epoch FROM clock_timestamp() - t0) * 1000;
                wal := pg_wal_lsn_diff(pg_current_wal_insert_lsn(), w0);
            END
            $fn$""";

    private WritePathBench() {
    }

    static Result run(TestDatabase db, Design design, int rounds) throws Exception {
        db.execute(FUNCTION, "DROP TABLE IF EXISTS public.bench_pick", """
                CREATE TABLE public.bench_pick AS
                SELECT e.id FROM public.events e
                 WHERE e.payload_text IS NOT NULL AND e.payload_text <> ''
                   AND NOT EXISTS (SELECT 1 FROM public.event_embeddings x WHERE x.event_id = e.id)
                 ORDER BY e.id DESC LIMIT 1000""", "ANALYZE public.bench_pick");
        if (db.queryLong("SELECT count(*) FROM public.bench_pick") != 1000) {
            throw new IllegalStateException("fewer than 1,000 pending events in " + db.name() + " (scale too small)");
        }
        List<String> off = switch (design) {
            case COLUMN -> List.of("ALTER TABLE public.event_embeddings DISABLE TRIGGER USER", "DROP INDEX public.idx_events_pending_embedding");
            case PENDING_TABLE -> List.of("ALTER TABLE public.event_embeddings DISABLE TRIGGER USER", "ALTER TABLE public.events DISABLE TRIGGER USER");
        };
        Map<Path, List<double[]>> on = new EnumMap<>(Path.class), base = new EnumMap<>(Path.class), bare = new EnumMap<>(Path.class);
        try (Connection c = db.open(); Statement st = c.createStatement()) {
            c.setAutoCommit(false);
            for (int round = 0; round < rounds + 1; round++) {
                boolean warmup = round == 0;
                for (Path p : Path.values()) {
                    // alternate which of the pair goes first, so neither always runs on the other's cache
                    boolean onFirst = round % 2 == 0;
                    double[] a = measure(c, st, onFirst ? List.of() : off, p.fn);
                    double[] b = measure(c, st, onFirst ? off : List.of(), p.fn);
                    double[] u = design == Design.COLUMN && p.floorFn != null ? measure(c, st, List.of(), p.floorFn) : null;
                    if (!warmup) {
                        on.computeIfAbsent(p, k -> new ArrayList<>()).add(onFirst ? a : b);
                        base.computeIfAbsent(p, k -> new ArrayList<>()).add(onFirst ? b : a);
                        if (u != null) {
                            bare.computeIfAbsent(p, k -> new ArrayList<>()).add(u);
                        }
                    }
                }
            }
            c.setAutoCommit(true);
        }
        db.execute("DROP TABLE public.bench_pick", "DROP FUNCTION public.bench_write(text)");
        Map<Path, PathResult> out = new EnumMap<>(Path.class);
        for (Path p : Path.values()) {
            List<Double> onMs = column(on.get(p), 0), offMs = column(base.get(p), 0);
            Stats bareStats = Stats.of(List.of());
            Paired floor = null;
            if (bare.containsKey(p)) {
                List<Double> bareMs = column(bare.get(p), 0);
                bareStats = Stats.of(bareMs);
                List<Double> floorMs = new ArrayList<>();
                for (int i = 0; i < offMs.size(); i++) {
                    floorMs.add(offMs.get(i) + bareMs.get(i));
                }
                floor = Paired.of(onMs, floorMs);
            }
            out.put(p, new PathResult(Stats.of(onMs), Stats.of(offMs), Paired.of(onMs, offMs), Stats.of(column(on.get(p), 1)),
                    Stats.of(column(base.get(p), 1)), bareStats, floor));
        }
        return new Result(design, out, rounds);
    }

    /**
     * Empties the GIN pending lists of events first: with fastupdate on, every insert into events adds
     * to them and about every fourth 1,000-event insert here paid for flushing them (60 ms and 6-8 MB of
     * WAL at scale 0.05, measured), on whichever side of a pair it fell. That flush is the app's cost with
     * or without a design; emptying the lists before each measurement (untimed) gives both sides the
     * same start. Rolled-back inserts leave their entries in the lists, so this is needed every time.
     */
    private static final String EMPTY_GIN_LISTS = """
            SELECT gin_clean_pending_list(i.indexrelid) FROM pg_index i
              JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_am am ON am.oid = ic.relam
             WHERE i.indrelid = 'public.events'::regclass AND am.amname = 'gin'""";

    /** Runs {@code setup} and one path in a transaction, rolls it back; returns {ms, WAL bytes} as the server measured them. */
    private static double[] measure(Connection c, Statement st, List<String> setup, String fn) throws Exception {
        try {
            st.execute(EMPTY_GIN_LISTS);
            for (String s : setup) {
                st.execute(s);
            }
            try (ResultSet rs = st.executeQuery("SELECT ms, wal FROM public.bench_write('" + fn + "')")) {
                rs.next();
                return new double[]{rs.getDouble(1), rs.getDouble(2)};
            }
        } finally {
            c.rollback();
        }
    }

    private static List<Double> column(List<double[]> rows, int i) {
        List<Double> out = new ArrayList<>();
        rows.forEach(r -> out.add(r[i]));
        return out;
    }
}
