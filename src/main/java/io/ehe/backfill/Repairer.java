package io.ehe.backfill;

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
 * verify --repair: sets has_embedding right on the rows that disagree with event_embeddings (NULL
 * rows included), in batches, the way the triggers do it:
 * 1. find the wrong rows (a read, one snapshot);
 * 2. per batch, lock those rows FOR NO KEY UPDATE in id order (waiting up to lock_timeout; the
 *    triggers lock in id order too, so the two cannot deadlock each other);
 * 3. in a new statement, so on a snapshot taken after every earlier writer of those rows committed,
 *    recompute EXISTS and write only rows whose value differs. A trigger that comes later waits for
 *    our commit and recomputes itself.
 * A row that was wrong at step 1 but fixed meanwhile (by a trigger) is left alone by step 3.
 */
public final class Repairer {

    private static final Logger LOG = LoggerFactory.getLogger("verify");
    private static final int FIND_LIMIT = 100_000;

    private static final String FIND_FULL = """
            SELECT e.id FROM public.events e
              LEFT JOIN (SELECT DISTINCT event_id FROM public.event_embeddings) x ON x.event_id = e.id
             WHERE e.has_embedding IS DISTINCT FROM (x.event_id IS NOT NULL)
             ORDER BY e.id LIMIT ?""";

    private static final String LOCK = "SELECT id FROM public.events WHERE id = ANY (?) ORDER BY id FOR NO KEY UPDATE";

    private static final String FIX = """
            UPDATE public.events e
               SET has_embedding = EXISTS (SELECT 1 FROM public.event_embeddings x WHERE x.event_id = e.id)
             WHERE e.id = ANY (?)
               AND e.has_embedding IS DISTINCT FROM EXISTS (SELECT 1 FROM public.event_embeddings x WHERE x.event_id = e.id)""";

    private Repairer() {
    }

    /** Repairs every wrong row of the table; returns how many rows were rewritten. */
    public static long repairAll(ConnectionFactory connections, int batchSize, Duration lockTimeout, int maxRetries)
            throws SQLException {
        long repaired = 0;
        StopSignal never = new StopSignal();
        try (Session session = new Session(connections, lockTimeout)) {
            Retrier retrier = new Retrier(session, maxRetries, never, () -> { });
            while (true) {
                List<Long> wrong = retrier.run("finding drift", Repairer::findWrong);
                if (wrong.isEmpty()) {
                    return repaired;
                }
                LOG.info("repairing {} row(s)", wrong.size());
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
            try (PreparedStatement ps = c.prepareStatement(FIND_FULL)) {
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
            try (PreparedStatement fix = c.prepareStatement(FIX)) {
                fix.setArray(1, array);
                n = fix.executeUpdate();
            }
            c.commit();
            return n;
        } catch (SQLException e) {
            BatchTransaction.rollbackQuietly(c);
            throw e;
        }
    }
}
