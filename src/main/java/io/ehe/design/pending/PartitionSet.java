package io.ehe.design.pending;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * The partitions of events and event_embeddings now, compared with those recorded at the last
 * {@code partitions sync} (changeSet 160's table; ehe_pending_partitions_now() is the
 * definition of "now"). A partition is the same only with the same relation, the same pg_inherits
 * row and the same bound: a DETACH followed by an ATTACH is a change.
 *
 * @param added   partitions in the tree now that were not recorded (attached or created since), as "table.partition"
 * @param removed recorded partitions no longer in the tree (detached, dropped, or detach pending)
 */
record PartitionSet(List<Change> added, List<Change> removed) {

    /** One partition that changed: its table (events | event_embeddings), name, relation id, leaf or not. */
    record Change(String table, String partition, long relid, boolean leaf) {
        @Override
        public String toString() {
            return partition + " (" + table + ")";
        }
    }

    static final String TABLE = "event_embedding_pending_partitions";

    boolean changed() {
        return !added.isEmpty() || !removed.isEmpty();
    }

    /** False when changeSet 160 has not run here (then there is nothing to compare with). */
    static boolean recorded(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT to_regclass('" + TABLE + "') IS NOT NULL");
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getBoolean(1);
        }
    }

    /** The difference, on the caller's snapshot. Requires changeSet 160. */
    static PartitionSet read(Connection c) throws SQLException {
        return new PartitionSet(
                changes(c, """
                        SELECT n.parent_table, n.partition, n.relid::bigint, n.is_leaf FROM ehe_pending_partitions_now() n
                         WHERE NOT EXISTS (SELECT 1 FROM event_embedding_pending_partitions r
                                            WHERE r.relid = n.relid AND r.inherits_xid = n.inherits_xid AND r.bound = n.bound)
                         ORDER BY 1, 2"""),
                changes(c, """
                        SELECT r.parent_table, r.partition, r.relid::bigint, r.is_leaf FROM event_embedding_pending_partitions r
                         WHERE NOT EXISTS (SELECT 1 FROM ehe_pending_partitions_now() n
                                            WHERE r.relid = n.relid AND r.inherits_xid = n.inherits_xid AND r.bound = n.bound)
                         ORDER BY 1, 2"""));
    }

    private static List<Change> changes(Connection c, String sql) throws SQLException {
        List<Change> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(sql); ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(new Change(rs.getString(1), rs.getString(2), rs.getLong(3), rs.getBoolean(4)));
            }
        }
        return out;
    }

    /** One line for status: what changed and what to run. */
    String problem() {
        StringBuilder b = new StringBuilder("the partitions changed since the last check (");
        if (!added.isEmpty()) {
            b.append("attached or created: ").append(String.join(", ", added.stream().map(Change::toString).toList()));
        }
        if (!removed.isEmpty()) {
            b.append(added.isEmpty() ? "" : "; ").append("detached or dropped: ")
                    .append(String.join(", ", removed.stream().map(Change::toString).toList()));
        }
        return b.append("): ATTACH, DETACH and DROP fire no trigger, so rows of those partitions may be missing"
                + " from or stale in the pending table; run 'partitions sync'").toString();
    }
}
