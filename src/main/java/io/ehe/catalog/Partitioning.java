package io.ehe.catalog;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * The one catalog reader of partitioning. {@link #of} answers which of the two upstream tables,
 * {@code events} and {@code event_embeddings}, are declaratively partitioned (pg_class.relkind 'p'; false
 * for a table that is absent): the runner's choice of changeSets (which ones PostgreSQL refuses on a
 * partitioned events and which stand in for them), the partitioned index build, the triggers status
 * expects and the pending design's partition checks. {@link #tree} reads one table's partition tree
 * (leaves, DEFAULT partitions, sub-partitioned partitions, row estimates; {@link #treeWithSizes} also heap
 * sizes): the partitioned index build walks it, and the size and row estimates of a table sum its leaves.
 *
 * @param events     events is partitioned
 * @param embeddings event_embeddings is partitioned
 */
public record Partitioning(boolean events, boolean embeddings) {

    /** Read in one statement on {@code c}'s snapshot; reads pg_class only (no lock on either table). */
    public static Partitioning of(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                SELECT coalesce((SELECT relkind = 'p' FROM pg_class WHERE oid = to_regclass('events')), false),
                       coalesce((SELECT relkind = 'p' FROM pg_class WHERE oid = to_regclass('event_embeddings')), false)""");
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            return new Partitioning(rs.getBoolean(1), rs.getBoolean(2));
        }
    }

    /**
     * One table of a partition tree.
     *
     * @param oid           the relation's oid
     * @param parentOid     its parent's oid; 0 for the root
     * @param level         0 for the root, 1 for its partitions, 2 for theirs
     * @param kind          pg_class.relkind: 'p' partitioned, 'r' ordinary, 'f' foreign
     * @param isDefault     a DEFAULT partition of its parent
     * @param schema        its schema
     * @param name          its name, unqualified
     * @param estimatedRows the planner's row estimate (pg_class.reltuples, a never analysed table counting 0)
     * @param heapBytes     main-fork bytes (pg_relation_size); 0 when read by {@link #tree}, and for a partitioned table
     */
    public record Node(long oid, long parentOid, int level, char kind, boolean isDefault, String schema, String name,
                       double estimatedRows, long heapBytes) {

        /** Holds rows itself: not a partitioned table (an ordinary or foreign one). */
        public boolean leaf() {
            return kind != 'p';
        }

        public boolean foreign() {
            return kind == 'f';
        }
    }

    /**
     * A table's partition tree: the table first, then by level and name, so each partitioned table comes
     * before its partitions. An unpartitioned table's tree is the table alone; an absent table's is empty.
     */
    public record Tree(List<Node> nodes) {

        public boolean exists() {
            return !nodes.isEmpty();
        }

        /** The table itself is declaratively partitioned. */
        public boolean partitioned() {
            return exists() && !nodes.get(0).leaf();
        }

        /** The tables that hold the rows: the leaf partitions, or the table itself when it is not partitioned. */
        public List<Node> leaves() {
            return nodes.stream().filter(Node::leaf).toList();
        }

        /** The DEFAULT partitions, at any level. */
        public List<Node> defaults() {
            return nodes.stream().filter(Node::isDefault).toList();
        }

        /** The partitions that are partitioned themselves. */
        public List<Node> subPartitioned() {
            return nodes.stream().filter(n -> n.level() > 0 && !n.leaf()).toList();
        }

        /** Heap bytes of the leaves (read by {@link #treeWithSizes}; 0 otherwise, and when absent). */
        public long heapBytes() {
            return leaves().stream().mapToLong(Node::heapBytes).sum();
        }

        /**
         * The planner's row estimate of the table: its leaves' pg_class.reltuples summed (a partitioned table
         * has none reliable of its own: -1 until ANALYZE runs on the parent itself, which autovacuum never
         * does), a leaf never analysed counting 0. Rows, not exact; 0 when absent.
         */
        public long estimatedRows() {
            return Math.round(leaves().stream().mapToDouble(Node::estimatedRows).sum());
        }
    }

    /**
     * The partition tree of {@code table} (a name as to_regclass reads it, on the session's search_path),
     * in one statement on {@code c}'s snapshot. Like pg_partition_tree, it takes ACCESS SHARE on every
     * partition; an unpartitioned table is not locked.
     */
    public static Tree tree(Connection c, String table) throws SQLException {
        return read(c, table, false);
    }

    /** As {@link #tree}, with each table's heap bytes (pg_relation_size, which takes ACCESS SHARE on each table). */
    public static Tree treeWithSizes(Connection c, String table) throws SQLException {
        return read(c, table, true);
    }

    private static Tree read(Connection c, String table, boolean sizes) throws SQLException {
        List<Node> out = new ArrayList<>();
        // pg_partition_tree returns nothing for a table that is neither partitioned nor a partition: the second branch is that table alone.
        try (PreparedStatement ps = c.prepareStatement("""
                SELECT k.oid::bigint, coalesce(t.parentrelid::oid::bigint, 0), t.level, k.relkind::text, n.nspname, k.relname,
                       coalesce(pg_get_expr(k.relpartbound, k.oid) = 'DEFAULT', false), greatest(k.reltuples, 0)::float8,
                       CASE WHEN ? THEN pg_relation_size(k.oid) ELSE 0 END
                  FROM (SELECT p.relid, p.parentrelid, p.level FROM pg_partition_tree(to_regclass(?)) p
                        UNION ALL
                        SELECT r.oid, NULL, 0 FROM pg_class r WHERE r.oid = to_regclass(?) AND r.relkind <> 'p' AND NOT r.relispartition) t
                  JOIN pg_class k ON k.oid = t.relid
                  JOIN pg_namespace n ON n.oid = k.relnamespace
                 ORDER BY t.level, k.relname""")) {
            ps.setBoolean(1, sizes);
            ps.setString(2, table);
            ps.setString(3, table);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new Node(rs.getLong(1), rs.getLong(2), rs.getInt(3), rs.getString(4).charAt(0), rs.getBoolean(7),
                            rs.getString(5), rs.getString(6), rs.getDouble(8), rs.getLong(9)));
                }
            }
        }
        return new Tree(List.copyOf(out));
    }
}
