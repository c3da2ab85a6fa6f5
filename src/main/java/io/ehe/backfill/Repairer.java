package io.ehe.backfill;

import io.ehe.db.ConnectionFactory;

import java.sql.SQLException;
import java.time.Duration;
import java.util.List;

/**
 * verify --repair: sets has_embedding right on the rows that disagree with event_embeddings (NULL
 * rows included), in batches, the way the triggers do it:
 * 1. find the wrong rows (a read, one snapshot);
 * 2. per batch, lock those rows FOR NO KEY UPDATE in id order (waiting up to lock_timeout; the
 *    triggers lock in id order too, so the two cannot deadlock each other);
 * 3. in a new statement, so on a snapshot taken after every earlier writer of those rows committed,
 *    recompute EXISTS and write only rows whose value differs. A trigger that comes later waits for
 *    our commit and recomputes itself.
 * A row that was wrong at step 1 but fixed meanwhile (by a trigger) is left alone by step 3.
 * The loop is {@link LockThenFix}, shared with the pending-table design.
 */
public final class Repairer {

    private static final LockThenFix REPAIR = new LockThenFix("""
            SELECT e.id FROM events e
              LEFT JOIN (SELECT DISTINCT event_id FROM event_embeddings) x ON x.event_id = e.id
             WHERE e.has_embedding IS DISTINCT FROM (x.event_id IS NOT NULL)
             ORDER BY e.id LIMIT ?""",
            "SELECT id FROM events WHERE id = ANY (?) ORDER BY id FOR NO KEY UPDATE",
            List.of("""
                    UPDATE events e
                       SET has_embedding = EXISTS (SELECT 1 FROM event_embeddings x WHERE x.event_id = e.id)
                     WHERE e.id = ANY (?)
                       AND e.has_embedding IS DISTINCT FROM EXISTS (SELECT 1 FROM event_embeddings x WHERE x.event_id = e.id)"""));

    private Repairer() {
    }

    /** Repairs every wrong row of the table; returns how many rows were rewritten. */
    public static long repairAll(ConnectionFactory connections, int batchSize, Duration lockTimeout, int maxRetries)
            throws SQLException {
        return REPAIR.repairAll(connections, batchSize, lockTimeout, maxRetries);
    }
}
