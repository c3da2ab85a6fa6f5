package io.ehe.design.pending;

import io.ehe.db.ConnectionFactory;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code partitions sync --dry-run}: what a sync would do now, read on a read-only session
 * (default_transaction_read_only: the server refuses any write), so nothing can change. The same
 * steps as {@link PartitionSync}, each only looked at:
 * 1. the trigger changes of ehe_pending_partition_setup() (changeSet 150), by the same three catalog
 *    queries it runs (a statement-level event delete trigger on a partitioned events; leaves without
 *    their TRUNCATE trigger; module TRUNCATE triggers on tables that are no partition any more);
 * 2. the partitions added and removed since the last record ({@link PartitionSet});
 * 3. the events the repair would look at (its own find query, counted) and the pending rows whose
 *    event is gone;
 * 4. how many partitions it would record.
 * A sync that runs later may find more (partitions and rows change meanwhile): the plan is of now.
 */
final class PartitionSyncPlan {

    private static final String DELETE_TRIGGER_STATEMENT_LEVEL = """
            SELECT 'trg_events_pending_targets_del made row-level on partitioned events'
             WHERE (SELECT c.relkind FROM pg_class c WHERE c.oid = 'events'::regclass) = 'p'
               AND EXISTS (SELECT 1 FROM pg_trigger g
                            WHERE g.tgrelid = 'events'::regclass AND g.tgname = 'trg_events_pending_targets_del'
                              AND g.tgtype::integer & 1 = 0)""";
    private static final String LEAVES_WITHOUT_TRUNCATE_TRIGGER = """
            SELECT format('%s on %s', t.trg, l.relid::regclass)
              FROM (VALUES ('events'::regclass, 'trg_events_pending_targets_leaf_trunc'),
                           ('event_embeddings'::regclass, 'trg_event_embeddings_pending_targets_leaf_trunc')) t(tbl, trg)
             CROSS JOIN LATERAL pg_partition_tree(t.tbl) l
             WHERE l.isleaf AND l.level > 0
               AND NOT EXISTS (SELECT 1 FROM pg_trigger g WHERE g.tgrelid = l.relid AND g.tgname = t.trg)
             ORDER BY l.relid::regclass""";
    private static final String TRIGGERS_ON_FORMER_PARTITIONS = """
            SELECT format('%s dropped from %s (no longer a partition)', g.tgname, g.tgrelid::regclass)
              FROM pg_trigger g
             WHERE g.tgfoid IN ('ehe_pending_targets_after_event_leaf_truncate()'::regprocedure,
                                'ehe_pending_targets_after_embedding_leaf_truncate()'::regprocedure)
               AND g.tgrelid NOT IN (SELECT l.relid FROM pg_partition_tree('events'::regclass) l WHERE l.isleaf AND l.level > 0
                                     UNION ALL
                                     SELECT l.relid FROM pg_partition_tree('event_embeddings'::regclass) l WHERE l.isleaf AND l.level > 0)
             ORDER BY g.tgrelid::regclass""";

    /**
     * What a sync would do.
     *
     * @param triggerChanges the trigger changes, in the words ehe_pending_partition_setup() uses
     * @param added          partitions attached or created since the last record
     * @param removed        partitions detached or dropped since
     * @param eventsToCheck  events whose pending rows the repair would recompute (and fix where wrong)
     * @param rowsOrphaned   pending rows whose event no longer exists, which it would delete
     * @param toRecord       partitions it would record
     */
    record Plan(List<String> triggerChanges, List<String> added, List<String> removed, long eventsToCheck, long rowsOrphaned,
                long toRecord) {

        String line() {
            return "partitions sync --dry-run: " + (added.isEmpty() && removed.isEmpty() ? "no partition changed since the last check"
                    : (added.isEmpty() ? "" : "attached or created " + String.join(", ", added))
                    + (added.isEmpty() || removed.isEmpty() ? "" : "; ")
                    + (removed.isEmpty() ? "" : "detached or dropped " + String.join(", ", removed)))
                    + "; would repair the pending rows of " + eventsToCheck + " event(s), " + rowsOrphaned
                    + " of them row(s) whose event is gone (deleted)"
                    + "; triggers: " + (triggerChanges.isEmpty() ? "none to change" : String.join("; ", triggerChanges))
                    + "; would record " + toRecord + " partition(s); nothing was changed";
        }
    }

    private PartitionSyncPlan() {
    }

    static Plan read(ConnectionFactory connections) throws SQLException {
        try (Connection c = connections.readOnly().open()) {
            c.setAutoCommit(false);
            try (PreparedStatement ps = c.prepareStatement("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")) {
                ps.execute(); // one snapshot for every figure
            }
            List<String> triggers = new ArrayList<>();
            triggers.addAll(strings(c, DELETE_TRIGGER_STATEMENT_LEVEL));
            triggers.addAll(strings(c, LEAVES_WITHOUT_TRUNCATE_TRIGGER));
            triggers.addAll(strings(c, TRIGGERS_ON_FORMER_PARTITIONS));
            PartitionSet d = PartitionSet.read(c);
            long events;
            try (PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM ("
                    + PendingRepairer.limitedTo(PartitionSync.predicate(d)).find() + ") f")) {
                ps.setInt(1, Integer.MAX_VALUE);
                events = single(ps);
            }
            long orphans;
            try (PreparedStatement ps = c.prepareStatement("""
                    SELECT count(*) FROM event_embedding_pending p
                     WHERE NOT EXISTS (SELECT 1 FROM events e WHERE e.id = p.event_id)""")) {
                orphans = single(ps);
            }
            long record;
            try (PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM ehe_pending_partitions_now()")) {
                record = single(ps);
            }
            c.rollback();
            return new Plan(triggers, d.added().stream().map(PartitionSet.Change::toString).toList(),
                    d.removed().stream().map(PartitionSet.Change::toString).toList(), events, orphans, record);
        }
    }

    private static List<String> strings(Connection c, String sql) throws SQLException {
        List<String> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(sql); ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }

    private static long single(PreparedStatement ps) throws SQLException {
        try (ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
