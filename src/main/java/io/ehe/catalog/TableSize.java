package io.ehe.catalog;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * The size of a table counted over its leaves: a partitioned table has no storage of its own
 * (pg_relation_size 0) and no reliable pg_class.reltuples (-1 until someone runs ANALYZE on the
 * parent itself; autovacuum never does), so both are summed over the leaf partitions. For an
 * unpartitioned table the leaf is the table itself.
 */
public final class TableSize {

    /** The leaves of the table named by the one parameter: its leaf partitions, or the table itself when not partitioned. */
    private static final String LEAVES = """
            (SELECT p.relid FROM pg_partition_tree(to_regclass(?)) p WHERE p.isleaf AND p.level > 0
             UNION
             SELECT k.oid FROM pg_class k WHERE k.oid = to_regclass(?) AND k.relkind <> 'p')""";

    private TableSize() {
    }

    /** Heap bytes of {@code table}'s leaves (main fork, as pg_relation_size); 0 when absent. */
    public static long heapBytes(Connection c, String table) throws SQLException {
        return sum(c, "SELECT coalesce(sum(pg_relation_size(l.relid)), 0)::bigint FROM " + LEAVES + " l", table);
    }

    /**
     * The planner's row estimate of {@code table}: the sum of its leaves' pg_class.reltuples, a
     * leaf never analysed (-1) counting 0. Rows, not exact.
     */
    public static long estimatedRows(Connection c, String table) throws SQLException {
        return sum(c, """
                SELECT coalesce(sum(greatest(k.reltuples, 0)), 0)::bigint
                  FROM """ + LEAVES + " l JOIN pg_class k ON k.oid = l.relid", table);
    }

    private static long sum(Connection c, String sql, String table) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, table);
            ps.setString(2, table);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getLong(1) : 0;
            }
        }
    }
}
