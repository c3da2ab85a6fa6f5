package io.ehe.bench;

/**
 * The scheduler's three questions, as each design asks them. Every form returns the same rows on the
 * same pending set (the benchmark checks it), newest first where it picks.
 *
 * <ul>
 * <li>{@link Variant#ANTI_JOIN}: today's scheduler. The pending set is computed whole (a MATERIALIZED CTE
 *     pins that plan: for a LIMIT the planner could otherwise pick a nested loop, which is the rewrite's
 *     idea, not today's query), then grouped or picked.</li>
 * <li>{@link Variant#REWRITE}: no schema change, the seed app's later fix: start from {@code events}
 *     newest first with a correlated {@code NOT EXISTS} probe per candidate, so the walk stops after 100
 *     pending rows; the planner picks the existing index that drives it
 *     ({@code events_embed_candidates_idx (created_at, id)}, or for one organization possibly
 *     {@code events_org_created_idx}). An exact count has no such shortcut: it must probe every
 *     candidate, and the planner turns the correlated form into the same hash anti-join, so the rewrite's
 *     count is the anti-join's (measured once, reported under both).</li>
 * <li>{@link Variant#COLUMN}: {@code idx_events_pending_embedding (organization_id, id) WHERE NOT has_embedding ...}.</li>
 * <li>{@link Variant#PENDING_TABLE}: {@code event_embedding_pending}, target {@code ''} (the seed's question), and its
 *     per-target indexes {@code (model, organization_id, created_at, event_id)} and {@code (model, created_at, event_id)}.</li>
 * </ul>
 */
final class SchedulerQueries {

    enum Variant {
        ANTI_JOIN("anti-join (today)"), REWRITE("no schema change (query rewrite)"), COLUMN("column design"), PENDING_TABLE("pending-table design");

        final String label;

        Variant(String label) {
            this.label = label;
        }
    }

    enum Question {
        COUNT_PER_ORG("pending count per organization"),
        NEXT_BIG_ORG("next 100 of a big organization"),
        NEXT_SMALL_ORG("next 100 of a small organization"),
        NEXT_OVERALL("next 100 overall, newest first");

        final String label;

        Question(String label) {
            this.label = label;
        }

        String org() {
            return switch (this) {
                case NEXT_BIG_ORG -> DesignTemplate.BIG_ORG;
                case NEXT_SMALL_ORG -> DesignTemplate.SMALL_ORG;
                default -> null;
            };
        }
    }

    private static final String CANDIDATE = "e.payload_text IS NOT NULL AND e.payload_text <> ''";
    private static final String NO_EMBEDDING = "NOT EXISTS (SELECT 1 FROM public.event_embeddings x WHERE x.event_id = e.id)";

    private SchedulerQueries() {
    }

    /** The SQL of one question in one variant; {@code null} where the variant has no form of its own (the rewrite's count). */
    static String sql(Question q, Variant v) {
        String org = q.org();
        return switch (v) {
            case ANTI_JOIN -> q == Question.COUNT_PER_ORG
                    ? "SELECT e.organization_id, count(*) FROM public.events e WHERE " + CANDIDATE + " AND " + NO_EMBEDDING
                      + " GROUP BY e.organization_id ORDER BY 1"
                    : "WITH pending AS MATERIALIZED (SELECT e.id FROM public.events e WHERE " + orgFilter("e.organization_id", org)
                      + CANDIDATE + " AND " + NO_EMBEDDING + ") SELECT id FROM pending ORDER BY id DESC LIMIT 100";
            case REWRITE -> q == Question.COUNT_PER_ORG
                    ? null
                    : "SELECT e.id FROM public.events e WHERE " + orgFilter("e.organization_id", org) + CANDIDATE + " AND " + NO_EMBEDDING
                      + " ORDER BY e.created_at DESC, e.id DESC LIMIT 100";
            case COLUMN -> q == Question.COUNT_PER_ORG
                    ? "SELECT e.organization_id, count(*) FROM public.events e WHERE NOT e.has_embedding AND " + CANDIDATE
                      + " GROUP BY e.organization_id ORDER BY 1"
                    : "SELECT e.id FROM public.events e WHERE " + orgFilter("e.organization_id", org) + "NOT e.has_embedding AND " + CANDIDATE
                      + " ORDER BY e.id DESC LIMIT 100";
            case PENDING_TABLE -> q == Question.COUNT_PER_ORG
                    ? "SELECT p.organization_id, count(*) FROM public.event_embedding_pending p WHERE p.model = '' GROUP BY p.organization_id ORDER BY 1"
                    // The target '' of the seed's question; created_at is NULL in every row there, so this is
                    // event_id order, in the order of the per-target indexes of changeSet 140.
                    : "SELECT p.event_id FROM public.event_embedding_pending p WHERE p.model = ''" + (org == null ? "" : " AND p.organization_id = '" + org + "'")
                      + " ORDER BY p.created_at DESC, p.event_id DESC LIMIT 100";
        };
    }

    private static String orgFilter(String column, String org) {
        return org == null ? "" : column + " = '" + org + "' AND ";
    }
}
