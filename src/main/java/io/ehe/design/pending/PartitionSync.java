package io.ehe.design.pending;

import io.ehe.catalog.CatalogQuery;
import io.ehe.db.ConnectionFactory;
import io.ehe.db.LockWaitWatch;
import io.ehe.db.PgDuration;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * {@code partitions sync}: after ATTACH, DETACH [CONCURRENTLY], DROP or CREATE of a partition of
 * events or event_embeddings (which fire no trigger), makes the pending table exact for exactly the
 * partitions that changed and records the new partition set, so status is ready again.
 * 1. ehe_pending_partition_setup() (changeSet 150), in its own short transaction under lock_timeout:
 *    a TRUNCATE trigger on every new leaf, none left on tables that are no partition any more, the
 *    event delete trigger row-level on a partitioned events. From its commit on, every write to
 *    every leaf is seen by a trigger.
 * 2. Read the difference D between the partitions now and the recorded ones.
 * 3. Repair, race-free the way verify --repair is ({@link PendingRepairer#limitedTo}): the events of
 *    the added events partitions; the events with rows in added event_embeddings partitions; every
 *    event when an event_embeddings partition went away (which events had rows there is lost with
 *    it); and always the rows whose event no longer exists (the removed events partitions' rows).
 *    Rows written meanwhile are kept exact by the triggers (step 1).
 * 4. Record, in a transaction holding SHARE UPDATE EXCLUSIVE on the two parents only (ONLY: no
 *    partition is locked, reads and writes go on). ATTACH, DETACH, CREATE ... PARTITION OF and DROP
 *    of a partition all need a lock on the parent that conflicts with it, so the set cannot change
 *    between the check and the record: if the set now is still D's and no row's event is gone, record
 *    it; otherwise go back to 1 (a partition changed during the repair), at most {@value #ROUNDS} times.
 */
public final class PartitionSync {

    static final int ROUNDS = 5;
    /** What sync's statements take locks on: where to look for the holder when one got none. */
    private static final List<String> LOCKED = List.of("events", "event_embeddings", "event_embedding_pending");

    /** What a sync did: the trigger changes of step 1 (words), the partitions fixed, rows changed, partitions recorded. */
    public record Result(List<String> triggerChanges, List<String> added, List<String> removed, long rowsRepaired, int recorded) {
        public String line() {
            return "partitions sync: " + (added.isEmpty() && removed.isEmpty() ? "no partition changed since the last check"
                    : (added.isEmpty() ? "" : "attached or created " + String.join(", ", added))
                    + (added.isEmpty() || removed.isEmpty() ? "" : "; ")
                    + (removed.isEmpty() ? "" : "detached or dropped " + String.join(", ", removed)))
                    + "; " + rowsRepaired + " pending row(s) repaired"
                    + (triggerChanges.isEmpty() ? "" : "; triggers: " + String.join("; ", triggerChanges))
                    + "; " + recorded + " partition(s) recorded";
        }
    }

    private final ConnectionFactory connections;
    private final Duration lockTimeout;
    private final int batchSize;
    private final int maxRetries;

    public PartitionSync(ConnectionFactory connections, Duration lockTimeout, int batchSize, int maxRetries) {
        this.connections = connections;
        this.lockTimeout = lockTimeout;
        this.batchSize = batchSize;
        this.maxRetries = maxRetries;
    }

    /**
     * Runs steps 1-4. Throws SQLException (55P03 when a lock was not granted within lock_timeout;
     * nothing is recorded then, and a rerun starts over; in steps 1 and 4 one line naming the step, the
     * blocker and what earlier steps committed, {@link LockWaitWatch#refused}) or IllegalStateException
     * when the set kept changing for {@value #ROUNDS} rounds.
     */
    public Result run() throws SQLException {
        List<String> triggerChanges = new ArrayList<>();
        List<String> added = new ArrayList<>();
        List<String> removed = new ArrayList<>();
        long repaired = 0;
        for (int round = 0; round < ROUNDS; round++) {
            String setup = setup(outcome(triggerChanges, repaired));
            if (!setup.isEmpty()) {
                triggerChanges.add(setup);
            }
            PartitionSet d;
            try (Connection c = connections.open()) {
                d = PartitionSet.read(c);
            }
            d.added().forEach(p -> added.add(p.toString()));
            d.removed().forEach(p -> removed.add(p.toString()));
            repaired += PendingRepairer.limitedTo(predicate(d)).repairAll(connections, batchSize, lockTimeout, maxRetries);
            Integer recorded = record(d, outcome(triggerChanges, repaired));
            if (recorded != null) {
                return new Result(triggerChanges, added.stream().distinct().toList(), removed.stream().distinct().toList(), repaired, recorded);
            }
        }
        throw new IllegalStateException("partitions sync: the partitions of events or event_embeddings kept changing for "
                + ROUNDS + " rounds; run it again when partition maintenance is done");
    }

    /** {@code --dry-run}: what {@link #run} would do now, as one line, read on a read-only session (see {@link PartitionSyncPlan}). */
    public String dryRun() throws SQLException {
        return PartitionSyncPlan.read(connections).line();
    }

    /**
     * What a refusal says stays: each step commits on its own, so the trigger changes and repairs of
     * earlier steps are in the database; the partition set is recorded only by the last step.
     */
    private static String outcome(List<String> triggerChanges, long repaired) {
        String todo = "run partitions sync again once that transaction has ended, or with a longer --lock-timeout";
        if (triggerChanges.isEmpty() && repaired == 0) {
            return "Nothing was changed (this step's transaction was rolled back; the partition set is not recorded, status stays not ready): "
                    + todo;
        }
        return "This step's transaction was rolled back and the partition set is not recorded (status stays not ready); what earlier steps"
                + " committed stays (" + (triggerChanges.isEmpty() ? "" : "triggers: " + String.join("; ", triggerChanges) + "; ")
                + repaired + " pending row(s) repaired): " + todo;
    }

    private String setup(String refusedOutcome) throws SQLException {
        try (Connection c = connections.open(); LockWaitWatch watch = LockWaitWatch.start(connections, c, "partitions sync", lockTimeout, () -> false)) {
            lockTimeout(c);
            watch.step("giving the partitions the module's TRUNCATE triggers (ehe_pending_partition_setup)");
            try {
                String out = CatalogQuery.text(c, "SELECT ehe_pending_partition_setup()");
                c.commit();
                return out == null ? "" : out;
            } catch (SQLException e) {
                throw watch.refusedOrAsIs(c, e, LOCKED, () -> refusedOutcome);
            }
        }
    }

    /** Which events to repair, as a predicate over alias e of events (oids are numbers: no injection). */
    static String predicate(PartitionSet d) {
        List<String> or = new ArrayList<>();
        String eventsAdded = oids(d.added(), "events");
        if (!eventsAdded.isEmpty()) {
            or.add("e.tableoid IN (SELECT l.relid FROM unnest('{" + eventsAdded + "}'::oid[]) a(relid)"
                    + " CROSS JOIN LATERAL pg_partition_tree(a.relid) l WHERE l.isleaf)");
        }
        if (!oids(d.removed(), "event_embeddings").isEmpty()) {
            return "true";
        }
        String embeddingsAdded = oids(d.added(), "event_embeddings");
        if (!embeddingsAdded.isEmpty()) {
            or.add("e.id IN (SELECT x.event_id FROM event_embeddings x WHERE x.tableoid IN (SELECT l.relid FROM unnest('{"
                    + embeddingsAdded + "}'::oid[]) a(relid) CROSS JOIN LATERAL pg_partition_tree(a.relid) l WHERE l.isleaf))");
        }
        return or.isEmpty() ? "false" : String.join(" OR ", or);
    }

    private static String oids(List<PartitionSet.Change> changes, String table) {
        return changes.stream().filter(ch -> ch.table().equals(table)).map(ch -> Long.toString(ch.relid()))
                .collect(Collectors.joining(","));
    }

    /** Step 4: the recorded count, or null when the set differs from {@code d} or a row's event is gone (go round again). */
    private Integer record(PartitionSet d, String refusedOutcome) throws SQLException {
        try (Connection c = connections.open(); LockWaitWatch watch = LockWaitWatch.start(connections, c, "partitions sync", lockTimeout, () -> false)) {
            lockTimeout(c);
            try {
                return record(c, watch, d);
            } catch (SQLException e) {
                throw watch.refusedOrAsIs(c, e, LOCKED, () -> refusedOutcome);
            }
        }
    }

    private static Integer record(Connection c, LockWaitWatch watch, PartitionSet d) throws SQLException {
        watch.step("locking events and event_embeddings to record the partition set (SHARE UPDATE EXCLUSIVE, parents only)");
        try (PreparedStatement lock = c.prepareStatement(
                "LOCK TABLE ONLY events, event_embeddings IN SHARE UPDATE EXCLUSIVE MODE")) {
            lock.execute();
        }
        watch.step("checking the partition set and the pending rows before recording it");
        PartitionSet now = PartitionSet.read(c);
        boolean orphans = CatalogQuery.bool(c, """
                SELECT EXISTS (SELECT 1 FROM event_embedding_pending p
                                WHERE NOT EXISTS (SELECT 1 FROM events e WHERE e.id = p.event_id))""");
        if (!now.equals(d) || orphans) {
            c.rollback();
            return null;
        }
        watch.step("recording the partition set (ehe_pending_record_partitions)");
        // The function returns integer: the long always fits.
        int n = Math.toIntExact(CatalogQuery.number(c, "SELECT ehe_pending_record_partitions()"));
        c.commit();
        return n;
    }

    /** Also ends autocommit: lock_timeout and the lock are the transaction's own. */
    private void lockTimeout(Connection c) throws SQLException {
        c.setAutoCommit(false);
        try (PreparedStatement ps = c.prepareStatement("SELECT set_config('lock_timeout', ?, true)")) {
            ps.setString(1, PgDuration.toSetting(lockTimeout));
            ps.execute();
        }
    }
}
