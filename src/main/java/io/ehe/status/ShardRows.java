package io.ehe.status;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;

/** The rows of a progress table (030's or 120's, the same shape) as status shows them. */
public final class ShardRows {

    private ShardRows() {
    }

    public static List<Status.ShardProgress> read(Connection c, String table) throws SQLException {
        List<Status.ShardProgress> out = new ArrayList<>();
        try (Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT shard, range_start, range_end, last_id, done, batches, updated_at FROM "
                     + table + " ORDER BY range_start, shard")) {
            while (rs.next()) {
                long rangeEnd = rs.getLong(3);
                Long end = rs.wasNull() ? null : rangeEnd;
                out.add(new Status.ShardProgress(rs.getString(1), rs.getLong(2), end, rs.getLong(4), rs.getBoolean(5),
                        rs.getLong(6), String.valueOf(rs.getObject(7, OffsetDateTime.class))));
            }
        }
        return out;
    }

    /** Some plan (a shard count) has every one of its shards done. */
    public static boolean anyPlanComplete(Connection c, String table) throws SQLException {
        try (Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT EXISTS (SELECT 1 FROM " + table
                     + " GROUP BY shard_count HAVING bool_and(done) AND count(*) = max(shard_count))")) {
            rs.next();
            return rs.getBoolean(1);
        }
    }
}
