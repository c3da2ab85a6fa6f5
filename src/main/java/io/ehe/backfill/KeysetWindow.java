package io.ehe.backfill;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * The next keyset window after a shard's committed cursor: how many ids follow it (up to the limit)
 * and the last of them. Reading the cursor from the progress row (not from memory) keeps a retry
 * right after a commit whose acknowledgement was lost with the connection.
 */
public record KeysetWindow(long cursor, long count, long upper) {

    private static final String SQL = """
            SELECT p.last_id, count(w.id), max(w.id)
              FROM %s p
              LEFT JOIN LATERAL (
                    SELECT id FROM events
                     WHERE id > p.last_id AND id <= coalesce(p.range_end, 9223372036854775807)
                     ORDER BY id
                     LIMIT ?) w ON true
             WHERE p.shard_count = ? AND p.shard_index = ?
             GROUP BY p.last_id""";

    public static KeysetWindow next(Connection c, String progressTable, Shard shard, int limit) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(SQL.formatted(progressTable))) {
            ps.setInt(1, limit);
            ps.setInt(2, shard.count());
            ps.setInt(3, shard.index());
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw new SQLException("progress row for shard " + shard + " disappeared from " + progressTable);
                }
                return new KeysetWindow(rs.getLong(1), rs.getLong(2), rs.getLong(3));
            }
        }
    }

    public boolean empty() {
        return count == 0;
    }
}
