package io.ehe.bench;

import io.ehe.testing.TestDatabase;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;

/**
 * Where the pending events sit in the id space. The query rewrite (no schema change) walks events
 * newest first and stops after 100 pending ones, so its cost depends on this; the two designs'
 * indexes hold only pending rows and should not care. The issue asks for two shapes, recent and
 * scattered; a third, old, is the rewrite's worst case.
 *
 * <p>{@link #apply} makes the pending set exactly the shape's, whatever the database held before: it
 * deletes the embeddings of the chosen events and embeds every other event with text. It runs as
 * ordinary DML, so on a database with a design installed that design's triggers keep up (which is
 * how a real backlog moves: an embedding outage, a model change, an import). The chosen ids depend
 * only on the events that existed in the template ({@code id <= maxId}, by a fixed hash order), so every
 * database of one shape ends with the same pending events whatever the app's writer added meanwhile:
 * the writer's events are deleted first.
 */
enum BacklogShape {

    /** 99% of the pending ids among the newest 10% of ids, the rest spread uniformly over the older 90%: events embedded soon after they arrive. */
    RECENT("recent", 0.99, 0.9, 1.0),
    /** Uniform over all ids: an embedding outage or a model change that left events of every age without an embedding. */
    SCATTERED("scattered", 0.0, 0.0, 0.0),
    /**
     * 99% among the oldest 10% of ids, the rest uniform over the newer 90%: an import or re-embedding of old
     * events. Not one of the two shapes; it is the case the seed's rewrite note warns about (a
     * newest-first walk meets the backlog only at the far end), and costs a minute more.
     */
    OLD("old", 0.99, 0.0, 0.1);

    final String label;
    /** The share of the pending ids inside the focus range; the rest go uniformly to the ids outside it. */
    private final double focusShare;
    /** The focus range as fractions of the template's ids: ids in (from * maxId, to * maxId]. */
    private final double from;
    private final double to;

    BacklogShape(String label, double focusShare, double from, double to) {
        this.label = label;
        this.focusShare = focusShare;
        this.from = from;
        this.to = to;
    }

    /** The seed's backlog (about 26k pending of 1.15M) at this scale. */
    static int pendingFor(int events) {
        return (int) Math.round(events * 26_000.0 / 1_150_000.0);
    }

    void apply(TestDatabase db, long maxId, int pending) throws Exception {
        long lo = Math.round(from * maxId), hi = Math.round(to * maxId);
        int focused = (int) Math.round(pending * focusShare);
        try (Connection c = db.open(); Statement st = c.createStatement()) {
            st.execute("DELETE FROM public.events WHERE organization_id = '" + SteadyWriter.ORG + "'");
            st.execute("DROP TABLE IF EXISTS bench_target");
            // hashint8 gives a fixed pseudo-random order: the same ids in every database and every run.
            try (PreparedStatement ps = c.prepareStatement("""
                    CREATE TEMPORARY TABLE bench_target AS
                    (SELECT id FROM public.events
                      WHERE id > ? AND id <= ? AND payload_text IS NOT NULL AND payload_text <> ''
                      ORDER BY hashint8(id) LIMIT ?)
                    UNION ALL
                    (SELECT id FROM public.events
                      WHERE id <= ? AND NOT (id > ? AND id <= ?) AND payload_text IS NOT NULL AND payload_text <> ''
                      ORDER BY hashint8(id) LIMIT ?)""")) {
                ps.setLong(1, lo);
                ps.setLong(2, hi);
                ps.setInt(3, focused);
                ps.setLong(4, maxId);
                ps.setLong(5, lo);
                ps.setLong(6, hi);
                ps.setInt(7, pending - focused);
                ps.execute();
            }
            st.execute("ALTER TABLE bench_target ADD PRIMARY KEY (id)");
            st.execute("ANALYZE bench_target");
            st.execute("DELETE FROM public.event_embeddings x USING bench_target t WHERE x.event_id = t.id");
            // In event-id order: 110's note says an unordered bulk insert can deadlock with an adder.
            st.execute("""
                    INSERT INTO public.event_embeddings (event_id, embedding_model, chunk_index)
                    SELECT e.id, 'bge-base-en-v1.5', 0 FROM public.events e
                     WHERE e.payload_text IS NOT NULL AND e.payload_text <> ''
                       AND NOT EXISTS (SELECT 1 FROM public.event_embeddings x WHERE x.event_id = e.id)
                       AND NOT EXISTS (SELECT 1 FROM bench_target t WHERE t.id = e.id)
                     ORDER BY e.id""");
            st.execute("DROP TABLE bench_target");
        }
        long found = db.queryLong("""
                SELECT count(*) FROM public.events e
                 WHERE e.payload_text IS NOT NULL AND e.payload_text <> ''
                   AND NOT EXISTS (SELECT 1 FROM public.event_embeddings x WHERE x.event_id = e.id)""");
        if (found != pending) {
            throw new IllegalStateException(label + " shape: expected " + pending + " pending events in " + db.name() + ", found " + found);
        }
    }

    /** Shares of the pending ids in the newest and in the oldest tenth of ids, as a check of the shape. */
    static double[] tenthShares(TestDatabase db, long maxId) {
        return db.queryList(String.format("""
                SELECT avg(CASE WHEN e.id > %d THEN 1.0 ELSE 0.0 END), avg(CASE WHEN e.id <= %d THEN 1.0 ELSE 0.0 END)
                  FROM public.events e
                 WHERE e.payload_text IS NOT NULL AND e.payload_text <> ''
                   AND NOT EXISTS (SELECT 1 FROM public.event_embeddings x WHERE x.event_id = e.id)""", maxId - maxId / 10, maxId / 10),
                rs -> {
                    try {
                        return new double[]{rs.getDouble(1), rs.getDouble(2)};
                    } catch (java.sql.SQLException e) {
                        throw new IllegalStateException(e);
                    }
                }).get(0);
    }
}
