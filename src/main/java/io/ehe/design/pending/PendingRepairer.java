package io.ehe.design.pending;

import io.ehe.backfill.LockThenFix;
import io.ehe.db.ConnectionFactory;

import java.sql.SQLException;
import java.time.Duration;
import java.util.List;

/**
 * verify --repair on the pending-table design, the way the triggers write
 * (changelog/changes/140-pending-per-target.sql):
 * 1. find the event ids with a stale or outdated (organization, created_at) row of a target that is
 *    not being removed, a missing row of a ready target (a filling one is the fill's to add), or a
 *    row of a model that is no target at all (a read, one snapshot);
 * 2. per batch, take those events' event keys exclusive, then their targets' target keys, each
 *    in key order, waiting up to lock_timeout: that waits for every writer in the middle of changing
 *    one of those pairs or events (event key before target key, as every trigger takes them);
 * 3. in new statements, on a snapshot after them, delete the rows that should not be there and add
 *    (or correct) the rows that should. A writer that comes later waits for our commit.
 * Batches stay small (the verify command's batch size, events x targets keys per transaction).
 * The loop is {@link LockThenFix}, shared with the column design.
 */
final class PendingRepairer {

    private static final String WANT = """
            SELECT e.id, t.model, t.state, e.organization_id, ehe_pending_event_created(e) AS created_at
              FROM events e CROSS JOIN event_embedding_pending_targets t
             WHERE %s AND t.state <> 'removing' AND ehe_pending_event_live(e)
               AND NOT EXISTS (SELECT 1 FROM event_embeddings x
                                WHERE x.event_id = e.id AND ehe_pending_counted_model(x) = t.model)""";

    private static final LockThenFix REPAIR = new LockThenFix("WITH want AS (" + WANT.formatted("true") + """
            )
            SELECT id FROM (
                SELECT w.id FROM want w
                  LEFT JOIN event_embedding_pending p ON p.event_id = w.id AND p.model = w.model
                 WHERE (p.event_id IS NULL AND w.state = 'ready')
                    OR (p.organization_id, p.created_at) IS DISTINCT FROM (w.organization_id, w.created_at)
                UNION
                SELECT p.event_id FROM event_embedding_pending p
                  LEFT JOIN event_embedding_pending_targets t ON t.model = p.model
                 WHERE t.model IS NULL
                    OR (t.state <> 'removing' AND NOT EXISTS (SELECT 1 FROM want w WHERE w.id = p.event_id AND w.model = p.model))) d
             ORDER BY id LIMIT ?""",
            """
            SELECT count(ehe_pending_lock(k.cls, k.key, false)) FROM (
                SELECT cls, key FROM (
                    SELECT DISTINCT 1701340465 AS cls, ehe_pending_event_key(i.id) AS key FROM unnest(?::bigint[]) AS i(id)
                    UNION
                    SELECT 1701340466, ehe_pending_target_key(i.id, t.model)
                      FROM unnest(?::bigint[]) AS i(id) CROSS JOIN event_embedding_pending_targets t
                     WHERE t.state <> 'removing') u
                 ORDER BY cls, key) k""",
            List.of("""
                    DELETE FROM event_embedding_pending p
                     WHERE p.event_id = ANY (?)
                       AND (NOT EXISTS (SELECT 1 FROM event_embedding_pending_targets t WHERE t.model = p.model)
                            OR (EXISTS (SELECT 1 FROM event_embedding_pending_targets t WHERE t.model = p.model AND t.state <> 'removing')
                                AND NOT EXISTS (SELECT 1 FROM (%s) w WHERE w.id = p.event_id AND w.model = p.model)))"""
                            .formatted(WANT.formatted("e.id = p.event_id")),
                    """
                    INSERT INTO event_embedding_pending AS p (event_id, model, organization_id, created_at)
                    SELECT w.id, w.model, w.organization_id, w.created_at FROM (%s) w
                     WHERE w.state = 'ready'
                       OR EXISTS (SELECT 1 FROM event_embedding_pending q WHERE q.event_id = w.id AND q.model = w.model)
                    ON CONFLICT (event_id, model) DO UPDATE
                       SET organization_id = EXCLUDED.organization_id, created_at = EXCLUDED.created_at
                     WHERE (p.organization_id, p.created_at) IS DISTINCT FROM (EXCLUDED.organization_id, EXCLUDED.created_at)"""
                            .formatted(WANT.formatted("e.id = ANY (?)"))));

    /**
     * The same repair limited to the events {@code eventsPredicate} selects (SQL over alias e, no
     * parameter), plus every row whose event no longer exists; used by {@link PartitionSync} for
     * the partitions that changed. Unlike verify --repair it also adds the rows of filling targets
     * (what the triggers do for every event they touch): an attached partition's events may lie
     * behind the fill's cursor, and the fill would never come back for them.
     */
    static LockThenFix limitedTo(String eventsPredicate) {
        String want = WANT.formatted(eventsPredicate);
        return new LockThenFix("WITH want AS (" + want + """
                )
                SELECT id FROM (
                    SELECT w.id FROM want w
                      LEFT JOIN event_embedding_pending p ON p.event_id = w.id AND p.model = w.model
                     WHERE p.event_id IS NULL
                        OR (p.organization_id, p.created_at) IS DISTINCT FROM (w.organization_id, w.created_at)
                    UNION
                    SELECT p.event_id FROM event_embedding_pending p
                      JOIN event_embedding_pending_targets t ON t.model = p.model AND t.state <> 'removing'
                      JOIN events e ON e.id = p.event_id
                     WHERE (%s) AND NOT EXISTS (SELECT 1 FROM want w WHERE w.id = p.event_id AND w.model = p.model)
                    UNION
                    SELECT p.event_id FROM event_embedding_pending p
                     WHERE NOT EXISTS (SELECT 1 FROM events e WHERE e.id = p.event_id)) d
                 ORDER BY id LIMIT ?""".formatted(eventsPredicate),
                REPAIR.lock(),
                List.of(REPAIR.fixes().get(0), """
                        INSERT INTO event_embedding_pending AS p (event_id, model, organization_id, created_at)
                        SELECT w.id, w.model, w.organization_id, w.created_at FROM (%s) w
                        ON CONFLICT (event_id, model) DO UPDATE
                           SET organization_id = EXCLUDED.organization_id, created_at = EXCLUDED.created_at
                         WHERE (p.organization_id, p.created_at) IS DISTINCT FROM (EXCLUDED.organization_id, EXCLUDED.created_at)"""
                        .formatted(WANT.formatted("e.id = ANY (?)"))));
    }

    private PendingRepairer() {
    }

    static long repairAll(ConnectionFactory connections, int batchSize, Duration lockTimeout, int maxRetries) throws SQLException {
        return REPAIR.repairAll(connections, batchSize, lockTimeout, maxRetries);
    }
}
