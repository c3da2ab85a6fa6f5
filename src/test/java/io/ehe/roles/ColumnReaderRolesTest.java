package io.ehe.roles;

import io.ehe.catalog.Design;

import java.util.List;

/** {@link ReaderRolesContract} for the column design: the reader may SELECT the four columns of events the scheduler's query reads. */
class ColumnReaderRolesTest extends ReaderRolesContract {

    ColumnReaderRolesTest() {
        super(new Reading(Design.COLUMN,
                List.of("""
                        SELECT organization_id, id FROM events WHERE NOT has_embedding AND payload_text IS NOT NULL AND payload_text <> ''
                         ORDER BY organization_id, id LIMIT 100""",
                        """
                        SELECT organization_id, count(*) FROM events WHERE NOT has_embedding AND payload_text IS NOT NULL AND payload_text <> ''
                         GROUP BY organization_id"""),
                List.of("SELECT title FROM public.events LIMIT 1",
                        "SELECT * FROM public.events LIMIT 1",
                        "SELECT 1 FROM public.event_embeddings LIMIT 1",
                        "SELECT 1 FROM public.events_has_embedding_backfill",
                        "SELECT 1 FROM public.events_has_embedding_readers",
                        "UPDATE public.events SET has_embedding = true",
                        "SELECT public.ehe_column_grant_readers('{}')"),
                "has_column_privilege('%s', 'public.events', 'has_embedding', 'SELECT')",
                "REVOKE SELECT (has_embedding) ON public.events FROM %s"));
    }
}
