package io.ehe.changelog;

import liquibase.Scope;
import liquibase.change.custom.CustomTaskChange;
import liquibase.change.custom.CustomTaskRollback;
import liquibase.database.Database;
import liquibase.database.jvm.JdbcConnection;
import liquibase.exception.CustomChangeException;
import liquibase.exception.DatabaseException;
import liquibase.executor.Executor;
import liquibase.executor.ExecutorService;
import liquibase.executor.LoggingExecutor;
import liquibase.exception.RollbackImpossibleException;
import liquibase.exception.SetupException;
import liquibase.exception.ValidationErrors;
import liquibase.resource.ResourceAccessor;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A partial index on a partitioned table, built without blocking writes: what changeSet 045 runs where
 * changeSet 040's {@code CREATE INDEX CONCURRENTLY} is refused ("cannot create index on partitioned table
 * concurrently", PostgreSQL 11-17). The index's shape (columns, predicate) is a parameter written in the
 * changeSet; the walk is here because {@code CREATE INDEX CONCURRENTLY} cannot run in a function, a
 * procedure or a DO block, so the loop over partitions has to be the client's.
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
 * <li>At the end the root index must be valid; if a partition was attached meanwhile without the index
 *     (ATTACH builds it itself, so this should not happen), the walk says which and fails, so the
 *     changeSet is not recorded and the next migrate resumes.</li>
 * </ol>
 * Safe to stop anywhere: leaves already attached are kept and skipped on the rerun, a half-built leaf
 * index is INVALID and replaced, and the changeSet is recorded only when the root index is valid.
 *
 * Rollback drops the root index (ACCESS EXCLUSIVE on the tree for an instant, under
 * {@code ehe.lock_timeout}: DROP INDEX CONCURRENTLY is refused on a partitioned index), which drops
 * every attached index with it, then any leftover leaf index of the derived name that was never
 * attached, CONCURRENTLY.
 */
public final class PartitionedIndexBuild implements CustomTaskChange, CustomTaskRollback {

    /** Derived leaf index names end with this, so a leftover can be told from the app's own indexes. */
    public static final String LEAF_SUFFIX = "_ehe_idx";
    private static final Pattern IDENTIFIER = Pattern.compile("[a-z_][a-z0-9_]{0,62}");

    private String schemaName = "public";
    private String tableName;
    private String indexName;
    private String columns;
    private String predicate;
    /** Where the statements go instead of the server when Liquibase only writes SQL; null when running. */
    private Executor out;

    public void setSchemaName(String schemaName) {
        this.schemaName = schemaName;
    }

    public void setTableName(String tableName) {
        this.tableName = tableName;
    }

    public void setIndexName(String indexName) {
        this.indexName = indexName;
    }

    /** The key columns as written after the table name, e.g. {@code (organization_id, id)}. */
    public void setColumns(String columns) {
        this.columns = columns;
    }

    /** The WHERE clause of the partial index, without the keyword; empty for a full index. */
    public void setPredicate(String predicate) {
        this.predicate = predicate;
    }

    @Override
    public void execute(Database database) throws CustomChangeException {
        requireParameters();
        // Liquibase calls a task change even when it only writes SQL (update-sql, the runner's dry run):
        // then every statement is written out as a comment instead of run, and only catalog reads happen.
        Executor executor = Scope.getCurrentScope().getSingleton(ExecutorService.class).getExecutor("jdbc", database);
        out = executor instanceof LoggingExecutor ? executor : null;
        try {
            Connection c = connection(database);
            String shortTimeout = timeout(c, "ehe.lock_timeout", "5s");
            String indexTimeout = timeout(c, "ehe.index_lock_timeout", "10min");
            List<Node> tree = tree(c);
            if (tree.isEmpty() || tree.get(0).leaf()) {
                throw new CustomChangeException(schemaName + "." + tableName + " is not a partitioned table");
            }
            Node root = tree.get(0);
            setLockTimeout(c, shortTimeout);
            for (Node n : tree) {
                if (!n.leaf()) {
                    // ON ONLY stays INVALID until a partition attaches; a partitioned table with none yet
                    // gets the plain form, valid at once (no storage either way).
                    String only = hasPartitions(tree, n) ? " ON ONLY " : " ON ";
                    execute(c, "CREATE INDEX IF NOT EXISTS " + quote(indexFor(n, root)) + only + n.qualified() + " " + definition());
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
                    execute(c, "CREATE INDEX CONCURRENTLY " + quote(name) + " ON " + n.qualified() + " " + definition());
                    setLockTimeout(c, shortTimeout);
                    attachIfNeeded(c, tree, n, root);
                }
            }
            execute(c, "RESET lock_timeout");
            if (out == null && !valid(c, quote(schemaName) + "." + quote(indexName))) {
                throw new CustomChangeException("index " + indexName + " is still INVALID after attaching every leaf"
                        + " (a partition attached meanwhile?): run migrate again");
            }
        } catch (SQLException e) {
            throw new CustomChangeException(e.getMessage(), e);
        }
    }

    @Override
    public void rollback(Database database) throws CustomChangeException, RollbackImpossibleException {
        requireParameters();
        Executor executor = Scope.getCurrentScope().getSingleton(ExecutorService.class).getExecutor("jdbc", database);
        out = executor instanceof LoggingExecutor ? executor : null;
        try {
            Connection c = connection(database);
            String shortTimeout = timeout(c, "ehe.lock_timeout", "5s");
            String indexTimeout = timeout(c, "ehe.index_lock_timeout", "10min");
            List<Node> tree = tree(c);
            setLockTimeout(c, shortTimeout);
            execute(c, "DROP INDEX IF EXISTS " + quote(schemaName) + "." + quote(indexName));
            setLockTimeout(c, indexTimeout);
            Node root = tree.isEmpty() ? null : tree.get(0);
            for (Node n : tree) {
                if (n.leaf()) {
                    execute(c, "DROP INDEX CONCURRENTLY IF EXISTS " + quote(n.schema()) + "." + quote(indexFor(n, root)));
                } else if (n != root) {
                    setLockTimeout(c, shortTimeout);
                    execute(c, "DROP INDEX IF EXISTS " + quote(n.schema()) + "." + quote(indexFor(n, root)));
                    setLockTimeout(c, indexTimeout);
                }
            }
            execute(c, "RESET lock_timeout");
        } catch (SQLException e) {
            throw new CustomChangeException(e.getMessage(), e);
        }
    }

    private String definition() {
        String where = predicate == null || predicate.isBlank() ? "" : " WHERE " + predicate;
        return columns + where;
    }

    /** The root keeps the changeSet's name; every other table's index is named after the table. */
    private String indexFor(Node n, Node root) {
        if (n == root) {
            return indexName;
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

    private String parentIndex(List<Node> tree, Node n, Node root) {
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

    /** The partition tree, root first, each partitioned table before its partitions. */
    private List<Node> tree(Connection c) throws SQLException {
        List<Node> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("""
                SELECT t.relid::oid::bigint, coalesce(t.parentrelid::oid::bigint, 0), t.isleaf, n.nspname, k.relname, k.relkind
                  FROM pg_partition_tree(to_regclass(?)) t
                  JOIN pg_class k ON k.oid = t.relid
                  JOIN pg_namespace n ON n.oid = k.relnamespace
                 ORDER BY t.level, k.relname""")) {
            ps.setString(1, quote(schemaName) + "." + quote(tableName));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String kind = rs.getString(6);
                    if ("f".equals(kind)) {
                        continue; // a foreign table holds no index; PostgreSQL skips it for a non-unique index too
                    }
                    out.add(new Node(rs.getLong(1), rs.getLong(2), "p".equals(kind) ? false : rs.getBoolean(3),
                            rs.getString(4), rs.getString(5)));
                }
            }
        }
        return out;
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
        try (PreparedStatement ps = c.prepareStatement("SELECT coalesce(nullif(current_setting(?, true), ''), ?)")) {
            ps.setString(1, setting);
            ps.setString(2, fallback);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getString(1);
            }
        }
    }

    private void setLockTimeout(Connection c, String value) throws SQLException {
        execute(c, "SET lock_timeout = '" + value.replace("'", "''") + "'");
    }

    private void execute(Connection c, String sql) throws SQLException {
        if (out != null) {
            try {
                out.comment(sql + ";");
            } catch (DatabaseException e) {
                throw new SQLException(e);
            }
            return;
        }
        try (Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }

    private static String quote(String identifier) {
        return "\"" + identifier.replace("\"", "\"\"") + "\"";
    }

    /** CREATE INDEX CONCURRENTLY refuses to run in a transaction block: the changeSet sets runInTransaction false. */
    private Connection connection(Database database) throws SQLException, CustomChangeException {
        if (!(database.getConnection() instanceof JdbcConnection jdbc)) {
            throw new CustomChangeException("needs a JDBC connection");
        }
        Connection c = jdbc.getUnderlyingConnection();
        if (out == null && !c.getAutoCommit()) {
            throw new CustomChangeException("must run with runInTransaction:false (CREATE INDEX CONCURRENTLY)");
        }
        return c;
    }

    @Override
    public String getConfirmationMessage() {
        return "index " + indexName + " built on every partition of " + schemaName + "." + tableName + " and attached";
    }

    @Override
    public void setUp() throws SetupException {
    }

    @Override
    public void setFileOpener(ResourceAccessor resourceAccessor) {
    }

    /** Liquibase validates before it hands the parameters over, so they are checked when the change runs. */
    @Override
    public ValidationErrors validate(Database database) {
        return new ValidationErrors();
    }

    private void requireParameters() throws CustomChangeException {
        for (String[] p : new String[][] {{"schemaName", schemaName}, {"tableName", tableName}, {"indexName", indexName}}) {
            if (p[1] == null || !IDENTIFIER.matcher(p[1]).matches()) {
                throw new CustomChangeException(p[0] + " must be a plain lower-case identifier");
            }
        }
        if (columns == null || !columns.startsWith("(")) {
            throw new CustomChangeException("columns must be a parenthesised column list");
        }
    }

    private record Node(long oid, long parentOid, boolean leaf, String schema, String name) {
        String qualified() {
            return quote(schema) + "." + quote(name);
        }
    }
}
