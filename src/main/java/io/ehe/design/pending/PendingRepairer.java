package io.ehe.design.pending;

import io.ehe.backfill.BatchTransaction;
import io.ehe.backfill.Retrier;
import io.ehe.backfill.Session;
import io.ehe.backfill.StopSignal;
import io.ehe.db.ConnectionFactory;
import io.ehe.db.PgDuration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
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
 * only an existing event can get a row.
 */
final class PendingRepairer {

    private static final Logger LOG = LoggerFactory.getLogger("verify");
    private static final int FIND_LIMIT = 100_000;

    private static final String FIND = """
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
             ORDER BY id LIMIT ?""";

    private static final String LOCK = "SELECT id FROM public.events WHERE id = ANY (?) ORDER BY id FOR UPDATE";

    private static final String DROP_STALE = """
            DELETE FROM public.event_embedding_pending p
             WHERE p.event_id = ANY (?)
               AND NOT EXISTS (SELECT 1 FROM public.events e
                                WHERE e.id = p.event_id AND e.payload_text IS NOT NULL AND e.payload_text <> ''
                                  AND NOT EXISTS (SELECT 1 FROM public.event_embeddings x WHERE x.event_id = e.id))""";

    private static final String ADD_MISSING = """
            INSERT INTO public.event_embedding_pending AS p (event_id, organization_id)
            SELECT e.id, e.organization_id FROM public.events e
             WHERE e.id = ANY (?) AND e.payload_text IS NOT NULL AND e.payload_text <> ''
               AND NOT EXISTS (SELECT 1 FROM public.event_embeddings x WHERE x.event_id = e.id)
            ON CONFLICT (event_id) DO UPDATE SET organization_id = EXCLUDED.organization_id
             WHERE p.organization_id IS DISTINCT FROM EXCLUDED.organization_id""";

    private PendingRepairer() {
    }

    static long repairAll(ConnectionFactory connections, int batchSize, Duration lockTimeout, int maxRetries) throws SQLException {
        long repaired = 0;
        try (Session session = new Session(connections, lockTimeout)) {
            Retrier retrier = new Retrier(session, maxRetries, new StopSignal(), () -> { });
            while (true) {
                List<Long> wrong = retrier.run("finding drift", PendingRepairer::findWrong);
                if (wrong.isEmpty()) {
                    return repaired;
                }
                LOG.info("repairing the pending rows of {} event(s)", wrong.size());
                long before = repaired;
                for (int i = 0; i < wrong.size(); i += batchSize) {
                    List<Long> chunk = wrong.subList(i, Math.min(wrong.size(), i + batchSize));
                    repaired += retrier.run("repair batch", c -> fix(c, chunk, lockTimeout));
                }
                if (wrong.size() < FIND_LIMIT || repaired == before) {
                    return repaired;
                }
            }
        }
    }

    private static List<Long> findWrong(Connection c) throws SQLException {
        try (PreparedStatement set = c.prepareStatement("SELECT set_config('statement_timeout', '0', true)")) {
            set.execute();
            List<Long> ids = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(FIND)) {
                ps.setInt(1, FIND_LIMIT);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        ids.add(rs.getLong(1));
                    }
                }
            }
            c.commit();
            return ids;
        } catch (SQLException e) {
            BatchTransaction.rollbackQuietly(c);
            throw e;
        }
    }

    private static long fix(Connection c, List<Long> ids, Duration lockTimeout) throws SQLException {
        try {
            try (PreparedStatement set = c.prepareStatement("SELECT set_config('lock_timeout', ?, true)")) {
                set.setString(1, PgDuration.toSetting(lockTimeout));
                set.execute();
            }
            Array array = c.createArrayOf("bigint", ids.toArray());
            try (PreparedStatement lock = c.prepareStatement(LOCK)) {
                lock.setArray(1, array);
                lock.executeQuery().close();
            }
            int n;
            try (PreparedStatement drop = c.prepareStatement(DROP_STALE)) {
                drop.setArray(1, array);
                n = drop.executeUpdate();
            }
            try (PreparedStatement add = c.prepareStatement(ADD_MISSING)) {
                add.setArray(1, array);
                n += add.executeUpdate();
            }
            c.commit();
            return n;
        } catch (SQLException e) {
            BatchTransaction.rollbackQuietly(c);
            throw e;
        }
    }
}
