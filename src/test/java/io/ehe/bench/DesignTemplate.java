package io.ehe.bench;

import io.ehe.testing.TestDatabase;

/**
 * The production-weight database every design starts from: the baseline tables (generated tsvector
 * with its GIN, trigram GIN, the scheduler's candidate index {@code events_embed_candidates_idx}),
 * no changeSet of either design, and the {@link BacklogShape#RECENT} backlog.
 *
 * <p>Organization sizes are skewed, because the scheduler's per-organization pick behaves differently
 * for a tenant with thousands of pending events and one with fewer than the LIMIT: a big one holds
 * 20% of the events, a small one 0.2%, the other 40 share the rest. They are set by a temporary
 * BEFORE INSERT trigger during the load (the identity default has filled {@code id} by then), so no
 * row is updated afterwards and the template has no dead tuples.
 */
final class DesignTemplate {

    static final String BIG_ORG = "org-big";
    static final String SMALL_ORG = "org-small";

    /**
     * @param maxId   the newest event of the template; the shapes choose pending events up to it
     * @param pending how many pending events each shape holds
     */
    record Template(TestDatabase db, int events, long maxId, int pending, boolean trigram, String shape) {
    }

    private DesignTemplate() {
    }

    static Template build(BenchServer server, String name, int events) throws Exception {
        TestDatabase db = server.create(name, null);
        boolean trigram = BenchSchema.PRODUCTION.load(db, events, DesignTemplate::skewOrganizations);
        db.execute("DROP TRIGGER bench_skew_orgs ON public.events", "DROP FUNCTION public.bench_skew_orgs()");
        long maxId = db.queryLong("SELECT max(id) FROM public.events");
        int pending = BacklogShape.pendingFor(events);
        BacklogShape.RECENT.apply(db, maxId, pending);
        db.execute("VACUUM (ANALYZE) public.events", "VACUUM (ANALYZE) public.event_embeddings", "CHECKPOINT");
        return new Template(db, events, maxId, pending, trigram, shape(db));
    }

    private static void skewOrganizations(TestDatabase db) {
        db.execute("""
                CREATE FUNCTION public.bench_skew_orgs() RETURNS trigger LANGUAGE plpgsql AS $$
                DECLARE
                    -- not hashint8(id) itself: the data set and the shapes use that to choose embeddings
                    h int := hashint8(NEW.id * 7 + 1) & 1023;
                BEGIN
                    NEW.organization_id := CASE WHEN h < 2 THEN '%s' WHEN h < 207 THEN '%s' ELSE NEW.organization_id END;
                    RETURN NEW;
                END $$""".formatted(SMALL_ORG, BIG_ORG),
                "CREATE TRIGGER bench_skew_orgs BEFORE INSERT ON public.events FOR EACH ROW EXECUTE FUNCTION public.bench_skew_orgs()");
    }

    private static String shape(TestDatabase db) {
        return String.format("%,d events (%s %,d, %s %,d), %,d embedding rows; %s",
                db.queryLong("SELECT count(*) FROM public.events"),
                BIG_ORG, db.queryLong("SELECT count(*) FROM public.events WHERE organization_id = '" + BIG_ORG + "'"),
                SMALL_ORG, db.queryLong("SELECT count(*) FROM public.events WHERE organization_id = '" + SMALL_ORG + "'"),
                db.queryLong("SELECT count(*) FROM public.event_embeddings"),
                BenchSchema.rowWidth(db));
    }

    /** Pending events of one organization: how far a newest-first walk must go for its LIMIT 100. */
    static long pendingOf(TestDatabase db, String org) {
        return db.queryLong("""
                SELECT count(*) FROM public.events e
                 WHERE e.organization_id = '%s' AND e.payload_text IS NOT NULL AND e.payload_text <> ''
                   AND NOT EXISTS (SELECT 1 FROM public.event_embeddings x WHERE x.event_id = e.id)""".formatted(org));
    }
}
