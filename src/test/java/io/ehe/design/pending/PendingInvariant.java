package io.ehe.design.pending;

import io.ehe.testing.TestDatabase;

import static org.assertj.core.api.Assertions.assertThat;

/** The pending table's invariant, computed independently of the module's verifier. */
final class PendingInvariant {

    private PendingInvariant() {
    }

    /** Events that need an embedding and have no row. */
    static long missing(TestDatabase db) {
        return db.queryLong("""
                SELECT count(*) FROM events e
                 WHERE e.payload_text IS NOT NULL AND e.payload_text <> ''
                   AND NOT EXISTS (SELECT 1 FROM event_embeddings x WHERE x.event_id = e.id)
                   AND NOT EXISTS (SELECT 1 FROM event_embedding_pending p WHERE p.event_id = e.id)""");
    }

    /** Rows whose event is gone, embedded, without text, or in another organization. */
    static long stale(TestDatabase db) {
        return db.queryLong("""
                SELECT count(*) FROM event_embedding_pending p
                 WHERE NOT EXISTS (SELECT 1 FROM events e
                                    WHERE e.id = p.event_id AND e.organization_id = p.organization_id
                                      AND e.payload_text IS NOT NULL AND e.payload_text <> ''
                                      AND NOT EXISTS (SELECT 1 FROM event_embeddings x WHERE x.event_id = e.id))""");
    }

    static boolean pending(TestDatabase db, long event) {
        return db.queryLong("SELECT count(*) FROM event_embedding_pending WHERE event_id = " + event) > 0;
    }

    /** Runs {@code sql}, then answers {@link #pending} for {@code event}. */
    static boolean pendingAfter(TestDatabase db, String sql, long event) {
        db.execute(sql);
        return pending(db, event);
    }

    static void assertExact(TestDatabase db) {
        assertThat(missing(db)).as("events missing from event_embedding_pending").isZero();
        assertThat(stale(db)).as("stale rows in event_embedding_pending").isZero();
    }
}
