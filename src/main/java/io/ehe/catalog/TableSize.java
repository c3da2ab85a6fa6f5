package io.ehe.catalog;

import java.sql.Connection;
import java.sql.SQLException;

/**
 * The size of a table counted over its leaves, as {@link Partitioning#tree} reads them: a partitioned
 * table has no storage of its own (pg_relation_size 0) and no reliable pg_class.reltuples (-1 until
 * someone runs ANALYZE on the parent itself; autovacuum never does), so both are summed over the leaf
 * partitions. For an unpartitioned table the leaf is the table itself.
 */
public final class TableSize {

    private TableSize() {
    }

    /** Heap bytes of {@code table}'s leaves (main fork, as pg_relation_size); 0 when absent. */
    public static long heapBytes(Connection c, String table) throws SQLException {
        return Partitioning.treeWithSizes(c, table).heapBytes();
    }

    /**
     * The planner's row estimate of {@code table}: the sum of its leaves' pg_class.reltuples, a
     * leaf never analysed (-1) counting 0. Rows, not exact; 0 when absent.
     */
    public static long estimatedRows(Connection c, String table) throws SQLException {
        return Partitioning.tree(c, table).estimatedRows();
    }
}
