package io.ehe.migration;

import io.ehe.catalog.CatalogQuery;
import io.ehe.catalog.Partitioning;
import io.ehe.catalog.Partitioning.Node;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.function.Consumer;

/**
 * Changeset 040's partial index on a partitioned {@code events}, built by the runner before
 * changeSet 045 records it. 040's {@code CREATE INDEX CONCURRENTLY} is refused there ("cannot create index
 * on partitioned table concurrently", PostgreSQL 11-17) and a loop of CONCURRENTLY builds cannot run in a
 * function, a procedure or a DO block, so the walk is the client's, like the backfill; 045's precondition
 * then checks the result (the root index valid) and its rollback removes it. The index's shape is 040's.
 *
 * <ol>
 * <li>Every partitioned table of the tree (the root and each sub-partitioned partition) gets the index
 *     {@code ON ONLY} itself: a catalog entry with no storage, INVALID until all its partitions have
 *     theirs. It takes SHARE on that table for an instant, under {@code ehe.lock_timeout} (default 5s).
 *     A sub-partitioned table's index is attached to its parent's at once.</li>
 * <li>Each leaf partition: if it already has an index attached to its parent's (a partition created
 *     after step 1 gets one from PostgreSQL itself; a rerun finds the ones an earlier run attached),
 *     nothing to do. Otherwise an INVALID index of the leaf's derived name is the leftover of a build
 *     that failed half way: dropped CONCURRENTLY. Then {@code CREATE INDEX CONCURRENTLY} on the leaf
 *     (SHARE UPDATE EXCLUSIVE on that leaf only: reads and writes go on; it waits for older
 *     transactions, under {@code ehe.index_lock_timeout}, default 10min) and
 *     {@code ALTER INDEX ... ATTACH PARTITION}, which marks the parent valid once its last leaf is in.</li>
 * <li>Run under Liquibase's lock (the module's advisory lock), so two runners never build the same leaf.</li>
 * </ol>
 * Safe to stop anywhere: leaves already attached are kept and skipped on the rerun, a half-built leaf
 * index is INVALID and replaced, and 045 is recorded only when the root index is valid.
 */
public final class PartitionedIndexBuilder {

    /** 040's index: name, key columns and predicate. */
    public static final String INDEX = "idx_events_pending_embedding";
    static final String COLUMNS = "(organization_id, id)";
    static final String PREDICATE = "NOT has_embedding AND payload_text IS NOT NULL AND payload_text <> ''";
    /** Leaf index names end with this, so a leftover can be told from the app's own indexes (045's rollback drops them). */
    public static final String LEAF_SUFFIX = "_ehe_idx";
    private static final String TABLE = "events";

    /** Where the statements go instead of the server in a dry run; null when building. */
    private final Consumer<String> dryRun;

    private PartitionedIndexBuilder(Consumer<String> dryRun) {
        this.dryRun = dryRun;
    }

    /**
     * The build is due: events is partitioned, has_embedding exists and no row is NULL (045's own
     * deferral), and the root index is not valid yet.
     */
    static boolean due(Connection c) throws SQLException {
        if (!Partitioning.of(c).events()) {
            return false;
        }
        try (PreparedStatement ps = c.prepareStatement("""
                SELECT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = to_regclass('events') AND attname = 'has_embedding' AND NOT attisdropped)
                   AND NOT coalesce((SELECT indisvalid FROM pg_index WHERE indexrelid = to_regclass('idx_events_pending_embedding')), false)""");
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            if (!rs.getBoolean(1)) {
                return false;
            }
        }
        try (PreparedStatement ps = c.prepareStatement("SELECT NOT EXISTS (SELECT 1 FROM events WHERE has_embedding IS NULL)");
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getBoolean(1);
        }
    }

    /** Builds and attaches what is missing. {@code c} must be in autocommit mode (CONCURRENTLY). */
    static void build(Connection c) throws SQLException {
        if (!c.getAutoCommit()) {
            throw new IllegalStateException("CREATE INDEX CONCURRENTLY needs an autocommit session");
        }
        new PartitionedIndexBuilder(null).walk(c);
        if (!valid(c, quote(INDEX))) {
            throw new SQLException("index " + INDEX + " is still INVALID after attaching every leaf (a partition attached meanwhile?): run migrate again");
        }
    }

    /** The statements a build would run now, each to {@code sink}; only catalog reads happen. */
    static void plan(Connection c, Consumer<String> sink) throws SQLException {
        new PartitionedIndexBuilder(sink).walk(c);
    }

    private void walk(Connection c) throws SQLException {
        String shortTimeout = timeout(c, "ehe.lock_timeout", "5s");
        String indexTimeout = timeout(c, "ehe.index_lock_timeout", "10min");
        List<Node> tree = tree(c);
        if (tree.isEmpty() || tree.get(0).leaf()) {
            throw new SQLException(TABLE + " is not a partitioned table");
        }
        Node root = tree.get(0);
        setLockTimeout(c, shortTimeout);
        for (Node n : tree) {
            if (!n.leaf()) {
                // ON ONLY stays INVALID until a partition attaches; a partitioned table with none yet
                // gets the plain form, valid at once (no storage either way).
                String only = hasPartitions(tree, n) ? " ON ONLY " : " ON ";
                execute(c, "CREATE INDEX IF NOT EXISTS " + quote(indexFor(n, root)) + only + qualified(n) + " " + definition());
                if (n != root) {
                    attachIfNeeded(c, tree, n, root);
                }
            }
        }
        for (Node n : tree) {
            if (n.leaf() && attachedIndexOn(c, n, parentIndex(tree, n, root)) == null) {
                String name = indexFor(n, root);
                setLockTimeout(c, indexTimeout);
                execute(c, "DROP INDEX CONCURRENTLY IF EXISTS " + quote(n.schema()) + "." + quote(name));
                execute(c, "CREATE INDEX CONCURRENTLY " + quote(name) + " ON " + qualified(n) + " " + definition());
                setLockTimeout(c, shortTimeout);
                attachIfNeeded(c, tree, n, root);
            }
        }
        execute(c, "RESET lock_timeout");
    }

    private static String definition() {
        return COLUMNS + " WHERE " + PREDICATE;
    }

    /** The root keeps the changeSet's name; every other table's index is named after the table. */
    private static String indexFor(Node n, Node root) {
        if (n == root) {
            return INDEX;
        }
        String base = n.name();
        if (base.length() + LEAF_SUFFIX.length() > 63) {
            base = base.substring(0, 63 - LEAF_SUFFIX.length() - 9) + "_" + Integer.toHexString(n.name().hashCode());
            base = base.substring(0, Math.min(base.length(), 63 - LEAF_SUFFIX.length()));
        }
        return base + LEAF_SUFFIX;
    }

    private void attachIfNeeded(Connection c, List<Node> tree, Node n, Node root) throws SQLException {
        Node parent = byOid(tree, n.parentOid());
        String parentIndex = quote(parent.schema()) + "." + quote(indexFor(parent, root));
        if (attachedIndexOn(c, n, parentIndex) == null) {
            execute(c, "ALTER INDEX " + parentIndex + " ATTACH PARTITION " + quote(n.schema()) + "." + quote(indexFor(n, root)));
        }
    }

    private static String parentIndex(List<Node> tree, Node n, Node root) {
        Node parent = byOid(tree, n.parentOid());
        return quote(parent.schema()) + "." + quote(indexFor(parent, root));
    }

    /** The index on {@code n} attached to {@code parentIndex}, whatever its name, or null. */
    private static String attachedIndexOn(Connection c, Node n, String parentIndex) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                SELECT i.indexrelid::regclass::text
                  FROM pg_index i JOIN pg_inherits h ON h.inhrelid = i.indexrelid
                 WHERE i.indrelid = ? AND h.inhparent = to_regclass(?)""")) {
            ps.setLong(1, n.oid());
            ps.setString(2, parentIndex);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }

    /**
     * The partition tree, root first, each partitioned table before its partitions; without foreign tables,
     * which hold no index (PostgreSQL skips them for a non-unique index too).
     */
    private static List<Node> tree(Connection c) throws SQLException {
        // the session's search_path holds the tables' schema (Schemas)
        return Partitioning.tree(c, quote(TABLE)).nodes().stream().filter(n -> !n.foreign()).toList();
    }

    private static boolean hasPartitions(List<Node> tree, Node n) {
        return tree.stream().anyMatch(m -> m.parentOid() == n.oid());
    }

    private static Node byOid(List<Node> tree, long oid) {
        for (Node n : tree) {
            if (n.oid() == oid) {
                return n;
            }
        }
        throw new IllegalStateException("partition tree changed during the build (oid " + oid + ")");
    }

    private static boolean valid(Connection c, String index) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT indisvalid FROM pg_index WHERE indexrelid = to_regclass(?)")) {
            ps.setString(1, index);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && rs.getBoolean(1);
            }
        }
    }

    private static String timeout(Connection c, String setting, String fallback) throws SQLException {
        return CatalogQuery.text(c, "SELECT coalesce(nullif(current_setting(?, true), ''), ?)", setting, fallback);
    }

    private void setLockTimeout(Connection c, String value) throws SQLException {
        execute(c, "SET lock_timeout = '" + value.replace("'", "''") + "'");
    }

    private void execute(Connection c, String sql) throws SQLException {
        if (dryRun != null) {
            dryRun.accept(sql + ";");
            return;
        }
        try (Statement st = c.createStatement()) {
            st.execute(sql);
        } catch (SQLException e) {
            // The statement goes into the message (as Liquibase's own errors carry theirs): LockRetry tells a
            // refused CONCURRENTLY build from other refusals by it, and names the older transactions it waited for.
            throw new SQLException(e.getMessage() + " [" + sql + "]", e.getSQLState(), e);
        }
    }

    private static String qualified(Node n) {
        return quote(n.schema()) + "." + quote(n.name());
    }

    private static String quote(String identifier) {
        return "\"" + identifier.replace("\"", "\"\"") + "\"";
    }
}
