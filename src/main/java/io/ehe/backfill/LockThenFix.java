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
 * The repair loop both designs' verify --repair share, the way their triggers write:
 * 1. find the event ids that drifted (a read, one snapshot, at most 100,000 per round);
 * 2. per batch, lock those events in id order with the design's row lock, waiting up to lock_timeout
 *    (the triggers lock in id order too, so the two cannot deadlock each other);
 * 3. in new statements, so on a snapshot taken after every earlier writer of those events committed,
 *    recompute and write only what is still wrong. A trigger that comes later waits for our commit.
 * An id that drifted at step 1 but was fixed meanwhile is left alone by step 3. Each statement takes
 * the batch's ids as its array parameter(s) and returns (or counts) the rows it changed.
 *
 * @param find  the drifted ids, ordered, with a LIMIT parameter
 * @param lock  locks the events of an id array in id order
 * @param fixes the writes, in order
 */
public record LockThenFix(String find, String lock, List<String> fixes) {

    private static final Logger LOG = LoggerFactory.getLogger("verify");
    private static final int FIND_LIMIT = 100_000;

    /** Repairs every drifted event; returns how many rows the fixes changed. */
    public long repairAll(ConnectionFactory connections, int batchSize, Duration lockTimeout, int maxRetries) throws SQLException {
        long repaired = 0;
        try (Session session = new Session(connections, lockTimeout)) {
            Retrier retrier = new Retrier(session, maxRetries, new StopSignal(), () -> { });
            while (true) {
                List<Long> wrong = retrier.run("finding drift", this::findWrong);
                if (wrong.isEmpty()) {
                    return repaired;
                }
                LOG.info("repairing {} event(s)", wrong.size());
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

    private List<Long> findWrong(Connection c) throws SQLException {
        try (PreparedStatement set = c.prepareStatement("SELECT set_config('statement_timeout', '0', true)")) {
            set.execute();
            List<Long> ids = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(find)) {
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

    private long fix(Connection c, List<Long> ids, Duration lockTimeout) throws SQLException {
        try {
            try (PreparedStatement set = c.prepareStatement("SELECT set_config('lock_timeout', ?, true)")) {
                set.setString(1, PgDuration.toSetting(lockTimeout));
                set.execute();
            }
            Array array = c.createArrayOf("bigint", ids.toArray());
            try (PreparedStatement ps = c.prepareStatement(lock)) {
                bindAll(ps, lock, array);
                ps.executeQuery().close();
            }
            long n = 0;
            for (String sql : fixes) {
                try (PreparedStatement ps = c.prepareStatement(sql)) {
                    bindAll(ps, sql, array);
                    n += ps.executeUpdate();
                }
            }
            c.commit();
            return n;
        } catch (SQLException e) {
            BatchTransaction.rollbackQuietly(c);
            throw e;
        }
    }

    /** Every parameter of these statements is the batch's id array (the SQL holds no other '?'). */
    private static void bindAll(PreparedStatement ps, String sql, Array array) throws SQLException {
        int n = (int) sql.chars().filter(ch -> ch == '?').count();
        for (int i = 1; i <= n; i++) {
            ps.setArray(i, array);
        }
    }
}
