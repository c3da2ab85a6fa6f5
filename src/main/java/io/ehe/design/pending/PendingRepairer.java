package io.ehe.design.pending;

import io.ehe.backfill.LockThenFix;
import io.ehe.db.ConnectionFactory;

import java.sql.SQLException;
import java.time.Duration;
import java.util.List;

/**
 * verify --repair on the pending-table design, the way the triggers' adders work:
 * 1. find the event ids whose row is missing, stale or has the wrong organization (a read, one snapshot);
 * 2. per batch, lock those events FOR UPDATE in id order (waiting up to lock_timeout): that waits for
 *    every in-flight embedding insert and adder of those events, as in 110-pending-triggers.sql;
 * 3. in a new statement, on a snapshot after them, delete the rows that should not be there and add
 *    (or correct) the rows that should. A writer that comes later waits for our commit and keeps the
 *    row right itself. An id that was wrong at step 1 but fixed meanwhile is left as it is.
 * A stale row whose event no longer exists has nothing to lock; deleting it races nobody, because
 * only an existing event can get a row. The loop is {@link LockThenFix}, shared with the column design.
 */
final class PendingRepairer {

    private static final LockThenFix REPAIR = new LockThenFix("""
            WITH want AS (
                SELECT e.id, e.organization_id FROM public.events e
                 WHERE e.payload_text IS NOT NULL AND e.payload_text <> ''
                   AND NOT EXISTS (SELECT 1 FROM public.event_embeddings x WHERE x.event_id = e.id))
            SELECT id FROM (
                SELECT w.id FROM want w
                  LEFT JOIN public.event_embedding_pending p ON p.event_id = w.id
                 WHERE p.event_id IS NULL OR p.organization_id <> w.organization_id
                UNION
                SELECT p.event_id FROM public.event_embedding_pending p
                 WHERE NOT EXISTS (SELECT 1 FROM want w WHERE w.id = p.event_id)) d
             ORDER BY id LIMIT ?""",
            "SELECT id FROM public.events WHERE id = ANY (?) ORDER BY id FOR UPDATE",
            List.of("""
                    DELETE FROM public.event_embedding_pending p
                     WHERE p.event_id = ANY (?)
                       AND NOT EXISTS (SELECT 1 FROM public.events e
                                        WHERE e.id = p.event_id AND e.payload_text IS NOT NULL AND e.payload_text <> ''
                                          AND NOT EXISTS (SELECT 1 FROM public.event_embeddings x WHERE x.event_id = e.id))""",
                    """
                    INSERT INTO public.event_embedding_pending AS p (event_id, organization_id)
                    SELECT e.id, e.organization_id FROM public.events e
                     WHERE e.id = ANY (?) AND e.payload_text IS NOT NULL AND e.payload_text <> ''
                       AND NOT EXISTS (SELECT 1 FROM public.event_embeddings x WHERE x.event_id = e.id)
                    ON CONFLICT (event_id) DO UPDATE SET organization_id = EXCLUDED.organization_id
                     WHERE p.organization_id IS DISTINCT FROM EXCLUDED.organization_id"""));

    private PendingRepairer() {
    }

    static long repairAll(ConnectionFactory connections, int batchSize, Duration lockTimeout, int maxRetries) throws SQLException {
        return REPAIR.repairAll(connections, batchSize, lockTimeout, maxRetries);
    }
}
