package io.ehe.bench;

/**
 * The ways to ask the app's two scheduler queries (discovery: the newest 5,000 pending candidates
 * counted per organization, the top one; pick: one organization's next 100) that answer the app's
 * question (target model, chunk 0, superseded events excluded). The column design is not among them:
 * it answers the seed's question only (any embedding row counts) and refuses the app's.
 */
enum AppContender {
    REWRITE("no schema change (query rewrite)", true),
    PENDING_TABLE("pending-table design", true),
    HWM_NEWEST("high watermark, newest first", true),
    HWM_OLDEST("high watermark, oldest first", false);

    final String label;
    final boolean newestFirst;

    AppContender(String label, boolean newestFirst) {
        this.label = label;
        this.newestFirst = newestFirst;
    }

    /**
     * @param pendingTable the pending table, schema-qualified (the design's, or a copy of its read side)
     * @param hwm          the high watermark over its cursor table
     */
    record Tables(AppQuestion question, String pendingTable, HighWatermark hwm) {
    }

    /** The discovery's SQL; {@code c} is where the contender's state (the cursors) is read, at the time of asking. */
    String discovery(Tables t, String model, java.sql.Connection c) throws java.sql.SQLException {
        return switch (this) {
            case REWRITE -> rewriteDiscovery(t.question(), model, true);
            case PENDING_TABLE -> """
                    SELECT organization_id, count(*) FROM (
                      SELECT organization_id FROM %s WHERE model = %s
                       ORDER BY created_at DESC, event_id DESC LIMIT 5000) c
                     GROUP BY organization_id ORDER BY count(*) DESC, organization_id LIMIT 1""".formatted(t.pendingTable(), AppQuestion.literal(model));
            case HWM_NEWEST, HWM_OLDEST -> t.hwm().discovery(c, model, newestFirst);
        };
    }

    String pick(Tables t, String model, String org, java.sql.Connection c) throws java.sql.SQLException {
        return switch (this) {
            case REWRITE -> rewritePick(t.question(), model, org, true);
            case PENDING_TABLE -> """
                    SELECT event_id FROM %s WHERE model = %s AND organization_id = %s
                     ORDER BY created_at DESC, event_id DESC LIMIT 100""".formatted(t.pendingTable(), AppQuestion.literal(model), AppQuestion.literal(org));
            case HWM_NEWEST, HWM_OLDEST -> t.hwm().pick(c, model, org, newestFirst);
        };
    }

    /** The app's rewrite (PR 1292 of the seed app): walk events in index order, probe each candidate, stop at the limit. */
    static String rewriteDiscovery(AppQuestion q, String model, boolean newestFirst) {
        String dir = newestFirst ? "DESC" : "";
        return """
                SELECT organization_id, count(*) FROM (
                  SELECT e.organization_id FROM public.events e WHERE %s
                   ORDER BY e.created_at %s, e.id %s LIMIT 5000) c
                 GROUP BY organization_id ORDER BY count(*) DESC, organization_id LIMIT 1""".formatted(AppQuestion.pending(q, model), dir, dir);
    }

    static String rewritePick(AppQuestion q, String model, String org, boolean newestFirst) {
        String dir = newestFirst ? "DESC" : "";
        return """
                SELECT e.id FROM public.events e WHERE e.organization_id = %s AND %s
                 ORDER BY e.created_at %s, e.id %s LIMIT 100""".formatted(AppQuestion.literal(org), AppQuestion.pending(q, model), dir, dir);
    }
}
