package io.ehe.backfill;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A progress table (the column backfill's, changeSet 030, or the pending-table bootstrap's, 120:
 * the same shape): plans the shard ranges once, reads a shard's cursor, marks a shard walked and
 * done. The per-batch cursor advance is part of the batch statement itself ({@link FillStep}), so
 * it commits with the data or not at all.
 */
public final class ProgressStore {

    /** The column design's table. */
    public static final String TABLE = "events_has_embedding_backfill";

    private static final String COLUMNS = "shard_index, shard_count, range_start, range_end, last_id, walked, done,"
            + " rows_scanned, rows_true, rows_false, batches";

    private ProgressStore() {
    }

    static boolean tableExists(Connection c, String table) throws SQLException {
        try (Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT to_regclass('" + table + "') IS NOT NULL")) {
            rs.next();
            return rs.getBoolean(1);
        }
    }

    static Optional<ShardProgress> read(Connection c, String table, Shard shard) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + " FROM " + table
                + " WHERE shard_count = ? AND shard_index = ?")) {
            ps.setInt(1, shard.count());
            ps.setInt(2, shard.index());
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(map(rs)) : Optional.empty();
            }
        }
    }

    static List<ShardProgress> readPlan(Connection c, String table, int shardCount) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + " FROM " + table
                + " WHERE shard_count = ? ORDER BY shard_index")) {
            ps.setInt(1, shardCount);
            try (ResultSet rs = ps.executeQuery()) {
                List<ShardProgress> out = new ArrayList<>();
                while (rs.next()) {
                    out.add(map(rs));
                }
                return out;
            }
        }
    }

    /**
     * The shard's row, creating the whole plan first if this is the first process of an N-way run.
     * Ranges split [min(id), max(id)] as it is now into N contiguous pieces; the first is unbounded
     * below and the last unbounded above, so no id, old or new, falls between shards. The table lock
     * (it only guards this small table) makes the first process's plan the one every shard uses even
     * when all N start at once. Runs in its own transaction on {@code c} (autocommit off).
     */
    public static ShardProgress readOrPlan(Connection c, String table, Shard shard, String lockTimeout) throws SQLException {
        Optional<ShardProgress> existing = read(c, table, shard);
        c.commit();
        if (existing.isPresent()) {
            return existing.get();
        }
        try (Statement st = c.createStatement()) {
            st.execute("SET LOCAL lock_timeout = '" + lockTimeout + "'");
            st.execute("LOCK TABLE " + table + " IN SHARE ROW EXCLUSIVE MODE");
            if (read(c, table, shard).isEmpty()) {
                long min;
                long max;
                try (ResultSet rs = st.executeQuery("SELECT coalesce(min(id), 0), coalesce(max(id), 0) FROM events")) {
                    rs.next();
                    min = rs.getLong(1);
                    max = rs.getLong(2);
                }
                try (PreparedStatement ins = c.prepareStatement("INSERT INTO " + table
                        + " (shard, shard_count, shard_index, range_start, range_end, last_id) VALUES (?, ?, ?, ?, ?, ?)")) {
                    for (int k = 0; k < shard.count(); k++) {
                        long start = k == 0 ? Long.MIN_VALUE : boundary(min, max, shard.count(), k);
                        Long end = k == shard.count() - 1 ? null : boundary(min, max, shard.count(), k + 1);
                        ins.setString(1, new Shard(k, shard.count()).toString());
                        ins.setInt(2, shard.count());
                        ins.setInt(3, k);
                        ins.setLong(4, start);
                        ins.setObject(5, end, java.sql.Types.BIGINT);
                        ins.setLong(6, start);
                        ins.addBatch();
                    }
                    ins.executeBatch();
                }
            }
            ShardProgress planned = read(c, table, shard).orElseThrow();
            c.commit();
            return planned;
        } catch (SQLException e) {
            c.rollback();
            throw e;
        }
    }

    /** The inclusive upper id of piece k-1 (= the exclusive lower id of piece k), 0 < k < n. */
    static long boundary(long min, long max, int n, int k) {
        long span = max - min + 1;
        long step = Math.max(1, (span + n - 1) / n);
        return min - 1 + step * k;
    }

    /** The walk reached the end of the range. */
    static void markWalked(Connection c, String table, Shard shard) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE " + table
                + " SET walked = true, updated_at = now() WHERE shard_count = ? AND shard_index = ?")) {
            ps.setInt(1, shard.count());
            ps.setInt(2, shard.index());
            ps.executeUpdate();
        }
        c.commit();
    }

    /**
     * The sweep found no NULL left in the range. Returns whether every shard of the plan is now done;
     * the table lock serialises shards finishing together, so exactly the last one sees true.
     */
    static boolean markDone(Connection c, String table, Shard shard, String lockTimeout, FillStep step) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute("SET LOCAL lock_timeout = '" + lockTimeout + "'");
            st.execute("LOCK TABLE " + table + " IN SHARE ROW EXCLUSIVE MODE");
            try (PreparedStatement ps = c.prepareStatement("UPDATE " + table
                    + " SET walked = true, done = true, finished_at = now(), updated_at = now()"
                    + " WHERE shard_count = ? AND shard_index = ?")) {
                ps.setInt(1, shard.count());
                ps.setInt(2, shard.index());
                ps.executeUpdate();
            }
            boolean all;
            try (PreparedStatement ps = c.prepareStatement("SELECT bool_and(done) FROM " + table + " WHERE shard_count = ?")) {
                ps.setInt(1, shard.count());
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    all = rs.getBoolean(1);
                }
            }
            if (all) {
                // Serialised by the lock above: exactly one shard's transaction sees the plan complete.
                step.onPlanComplete(c);
            }
            c.commit();
            return all;
        } catch (SQLException e) {
            c.rollback();
            throw e;
        }
    }

    private static ShardProgress map(ResultSet rs) throws SQLException {
        long end = rs.getLong("range_end");
        if (rs.wasNull()) {
            end = Long.MAX_VALUE;
        }
        return new ShardProgress(new Shard(rs.getInt("shard_index"), rs.getInt("shard_count")),
                rs.getLong("range_start"), end, rs.getLong("last_id"), rs.getBoolean("walked"), rs.getBoolean("done"),
                rs.getLong("rows_scanned"), rs.getLong("rows_true"), rs.getLong("rows_false"), rs.getLong("batches"));
    }
}
