package io.ehe.bench;

/**
 * "Does event e still need an embedding with model M?" as the app asks it (upstream-followups.md, last
 * section): text neither NULL nor empty, an organization, not superseded, and no chunk-0 row of M.
 * Shared by every contender that reads {@code events} directly (the query rewrite and the high
 * watermark), so they answer the same question as the pending-table design's {@code app} semantics.
 *
 * @param superseded whether {@code events.superseded_by} exists; a database without it (the seed's
 *                   shape) has no superseded events, so the predicate is left out
 */
record AppQuestion(boolean superseded) {

    static final AppQuestion APP = new AppQuestion(true);

    /** An event that could need an embedding at all, whatever the model; alias {@code e}. */
    String candidate() {
        return "e.payload_text IS NOT NULL AND e.payload_text <> '' AND e.organization_id IS NOT NULL"
                + (superseded ? " AND e.superseded_by IS NULL" : "");
    }

    /** No chunk-0 row of {@code model} for {@code e}: one probe of event_embeddings' primary key. */
    static String noEmbedding(String model) {
        return "NOT EXISTS (SELECT 1 FROM public.event_embeddings x WHERE x.event_id = e.id AND x.embedding_model = " + literal(model)
                + " AND x.chunk_index = 0)";
    }

    static String pending(AppQuestion q, String model) {
        return q.candidate() + " AND " + noEmbedding(model);
    }

    static String literal(String s) {
        return "'" + s.replace("'", "''") + "'";
    }
}
