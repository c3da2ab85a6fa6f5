package io.ehe.testing;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * Production-shaped synthetic rows for events and event_embeddings, generated inside the server
 * (generate_series), so a million rows load in seconds.
 *
 * Shape (defaults follow the seed's figures scaled to {@code events}): ~40 organizations; ~330-byte
 * payload text; 1 in 23 events with NULL text and 1 in 29 with empty text (never embedded); all other
 * events embedded except the newest {@code pendingWithText} and a scattered {@code scatteredMissing}
 * fraction; {@code multiChunk} of the embedded events carry a second embedding row (chunk 1), as the
 * upstream key (event_id, embedding_model, chunk_index) allows. The vector column stays NULL: nothing in
 * this module reads it.
 */
public record DataSet(int events, int organizations, int pendingWithText, double scatteredMissing, double multiChunk) {

    public static DataSet ofSize(int events) {
        return new DataSet(events, 40, Math.max(1, (int) Math.round(events * 25_000.0 / 1_150_000.0)), 0.003, 0.02);
    }

    /** Loads events then embeddings into empty tables (call before or after the module's migration). */
    public void load(Connection c) throws SQLException {
        boolean auto = c.getAutoCommit();
        c.setAutoCommit(true);
        try (PreparedStatement ins = c.prepareStatement("""
                INSERT INTO public.events (organization_id, entity_ref, title, payload_text, metadata, occurred_at, created_at)
                SELECT 'org-' || lpad((g % ?)::text, 3, '0'),
                       'entity/' || (g % 5000),
                       'Event ' || g,
                       CASE WHEN g % 23 = 0 THEN NULL
                            WHEN g % 29 = 0 THEN ''
                            ELSE 'event ' || g || ' ' || repeat(md5(g::text), 10) END,
                       jsonb_build_object('source', 'synthetic', 'n', g),
                       now() - (? - g) * interval '1 second',
                       now() - (? - g) * interval '1 second'
                  FROM generate_series(1, ?) AS g""")) {
            ins.setInt(1, organizations);
            ins.setInt(2, events);
            ins.setInt(3, events);
            ins.setInt(4, events);
            ins.executeUpdate();
        }
        try (PreparedStatement emb = c.prepareStatement("""
                INSERT INTO public.event_embeddings (event_id, embedding_model, chunk_index)
                SELECT e.id, 'bge-base-en-v1.5', 0
                  FROM public.events e
                 WHERE e.payload_text IS NOT NULL AND e.payload_text <> ''
                   AND e.id <= (SELECT max(id) FROM public.events) - ?
                   AND (hashint8(e.id) & 1023) >= ?""")) {
            emb.setInt(1, pendingWithText);
            emb.setInt(2, (int) Math.round(scatteredMissing * 1024));
            emb.executeUpdate();
        }
        try (PreparedStatement second = c.prepareStatement("""
                INSERT INTO public.event_embeddings (event_id, embedding_model, chunk_index)
                SELECT x.event_id, x.embedding_model, 1 FROM public.event_embeddings x
                 WHERE x.chunk_index = 0 AND ((hashint8(x.event_id) >> 10) & 1023) < ?""")) {
            second.setInt(1, (int) Math.round(multiChunk * 1024));
            second.executeUpdate();
        }
        try (Statement st = c.createStatement()) {
            st.execute("ANALYZE public.events");
            st.execute("ANALYZE public.event_embeddings");
        }
        c.setAutoCommit(auto);
    }

    public void load(TestDatabase db) {
        try (Connection c = db.open()) {
            load(c);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
