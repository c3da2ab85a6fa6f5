package io.ehe.roles;

import io.ehe.catalog.Design;

import java.util.List;

/** {@link ReaderRolesContract} for the pending-table design: the reader may SELECT event_embedding_pending only. */
class PendingReaderRolesTest extends ReaderRolesContract {

    PendingReaderRolesTest() {
        super(new Reading(Design.PENDING_TABLE,
                List.of("""
                        SELECT organization_id, count(*) FROM (SELECT organization_id FROM event_embedding_pending WHERE model = ''
                          ORDER BY created_at DESC, event_id DESC LIMIT 5000) c GROUP BY 1 ORDER BY 2 DESC LIMIT 1""",
                        "SELECT event_id FROM event_embedding_pending WHERE model = '' AND organization_id = 'org1' ORDER BY created_at DESC, event_id DESC LIMIT 100",
                        "SELECT organization_id, count(*) FROM event_embedding_pending WHERE model = '' GROUP BY 1"),
                List.of("SELECT 1 FROM public.events LIMIT 1",
                        "SELECT 1 FROM public.event_embeddings LIMIT 1",
                        "SELECT 1 FROM public.event_embedding_pending_targets",
                        "SELECT 1 FROM public.event_embedding_pending_semantics",
                        "SELECT 1 FROM public.event_embedding_pending_bootstrap",
                        "SELECT 1 FROM public.event_embedding_pending_readers",
                        "DELETE FROM public.event_embedding_pending",
                        "INSERT INTO public.event_embedding_pending (event_id, model, organization_id) VALUES (1, 'x', 'o')",
                        "SELECT public.ehe_pending_grant_readers('{}')"),
                "has_table_privilege('%s', 'public.event_embedding_pending', 'SELECT')",
                "REVOKE SELECT ON public.event_embedding_pending FROM %s"));
    }
}
