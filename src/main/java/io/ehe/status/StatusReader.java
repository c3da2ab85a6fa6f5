package io.ehe.status;

import io.ehe.db.ConnectionFactory;
import io.ehe.catalog.Design;
import io.ehe.catalog.Partitioning;
import io.ehe.catalog.Semantics;
import io.ehe.catalog.TableSize;
import io.ehe.migration.ChangeSetState;
import io.ehe.migration.ChangelogRunner;
import io.ehe.migration.MigrationSettings;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Reads the rollout's state from the catalog, read-only and cheap enough to run every few seconds
 * during a rollout: the one expensive number, how many rows are still NULL, is counted exactly only
 * when the table is small or the operator asks (--exact); otherwise it is estimated from the planner
 * statistics and labelled as such.
 */
public final class StatusReader {

    public static final String INDEX = "idx_events_pending_embedding";
    public static final List<String> TRIGGERS = List.of(
            "trg_event_embeddings_has_embedding_ins",
            "trg_event_embeddings_has_embedding_del",
            "trg_event_embeddings_has_embedding_upd",
            "trg_event_embeddings_has_embedding_trunc");
    /** Up to this heap size a count(*) of the NULL rows takes well under a second. */
    public static final long DEFAULT_EXACT_MAX_BYTES = 64L * 1024 * 1024;

    private final ConnectionFactory connections;
    private final long exactMaxBytes;

    public StatusReader(ConnectionFactory connections) {
        this(connections, DEFAULT_EXACT_MAX_BYTES);
    }

    public StatusReader(ConnectionFactory connections, long exactMaxBytes) {
        this.connections = connections;
        this.exactMaxBytes = exactMaxBytes;
    }

    public Status read(boolean exact) throws Exception {
        try (Connection c = StatusSession.open(connections)) {
            Status.Column column = column(c);
            Status.Backfill backfill = backfill(c, column, exact);
            List<Status.ChangeSetLine> changeSets = changeSets(backfill);
            List<Status.TriggerLine> triggers = triggers(c);
            Status.Index index = index(c);
            List<String> why = notReadyBecause(column, triggers, backfill, index);
            why.addAll(TriggerCatalog.copyProblems(TriggerCatalog.copies(c, triggers.stream().map(Status.TriggerLine::name).toList()), "run migrate"));
            why.addAll(TriggerCatalog.definerProblems(c, triggers.stream().map(Status.TriggerLine::name).toList(),
                    "run migrate (changeSet 070), as the owner of the tables"));
            // The column design answers only the seed's question. If this database is configured for
            // another one (the pending-table design's semantics, during a move or beside it), the flag
            // is not an answer to it: never ready, whatever else holds.
            Optional<Semantics> configured = Semantics.read(c);
            if (configured.isPresent() && !configured.get().isSeed()) {
                why.add("this database is configured for another question (" + configured.get().describe()
                        + "); the column design answers only the seed's: use the pending-table design's status");
            }
            return new Status(Design.COLUMN.id(), connections.url().jdbcUrl(), Semantics.SEED.describe(), changeSets, column,
                    triggers, backfill, index, why.isEmpty(), why);
        }
    }

    private List<Status.ChangeSetLine> changeSets(Status.Backfill backfill) throws Exception {
        boolean backfillIncomplete = backfill.nullRows() == null || backfill.nullRows() > 0;
        List<ChangeSetState> states = new ChangelogRunner(connections, MigrationSettings.defaults()).changeSets().stream()
                .filter(cs -> cs.belongsTo(Design.COLUMN)).toList();
        List<Status.ChangeSetLine> out = new ArrayList<>();
        for (ChangeSetState cs : states) {
            if (cs.ran()) {
                out.add(Status.ChangeSetLine.recorded(cs));
                continue;
            }
            boolean devOnly = cs.design() == null;
            String state;
            String note = "";
            if (!cs.ranOrApplies()) {
                state = "not_applicable";
                note = cs.notApplicable();
            } else if (cs.deferrable() && backfillIncomplete) {
                state = "deferred";
                note = "deferred until the backfill is complete; the next migrate after it applies it";
            } else {
                state = "pending";
                note = devOnly ? "dev/test/demo only" : "run migrate";
            }
            out.add(new Status.ChangeSetLine(cs.id(), state, devOnly, note));
        }
        return out;
    }

    private static Status.Column column(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                SELECT a.attnotnull, pg_get_expr(d.adbin, d.adrelid)
                  FROM pg_attribute a
                  LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
                 WHERE a.attrelid = 'events'::regclass AND a.attname = 'has_embedding' AND NOT a.attisdropped""");
             ResultSet rs = ps.executeQuery()) {
            if (!rs.next()) {
                return new Status.Column(false, true, null);
            }
            return new Status.Column(true, !rs.getBoolean(1), rs.getString(2));
        }
    }

    private Status.Backfill backfill(Connection c, Status.Column column, boolean exact) throws SQLException {
        boolean progressTable = exists(c, "events_has_embedding_backfill");
        List<Status.ShardProgress> progress = progressTable ? ShardRows.read(c, "events_has_embedding_backfill") : List.of();
        if (!column.present()) {
            return new Status.Backfill(null, "column_absent", "events.has_embedding does not exist yet: run migrate", progressTable, progress);
        }
        if (!column.nullable()) {
            return new Status.Backfill(0L, "not_null_constraint", "has_embedding is NOT NULL: no NULL row can exist", progressTable, progress);
        }
        if (validatedCheckConstraint(c)) {
            return new Status.Backfill(0L, "check_constraint", "a validated CHECK (has_embedding IS NOT NULL) proves no NULL row", progressTable, progress);
        }
        if (exact || heapBytes(c) <= exactMaxBytes) {
            try (Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT count(*) FROM events WHERE has_embedding IS NULL")) {
                rs.next();
                return new Status.Backfill(rs.getLong(1), "exact", "counted now", progressTable, progress);
            }
        }
        try (Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("""
                     SELECT c.reltuples, s.null_frac, greatest(u.last_analyze, u.last_autoanalyze)
                       FROM pg_class c
                       LEFT JOIN pg_stats s ON s.schemaname = c.relnamespace::regnamespace::text AND s.tablename = 'events' AND s.attname = 'has_embedding'
                       LEFT JOIN pg_stat_user_tables u ON u.relid = c.oid
                      WHERE c.oid = 'events'::regclass""")) {
            rs.next();
            double reltuples = rs.getDouble(1);
            double nullFrac = rs.getDouble(2);
            boolean haveStats = !rs.wasNull() && reltuples >= 0;
            if (!haveStats) {
                return new Status.Backfill(null, "unknown",
                        "no planner statistics for has_embedding yet: run ANALYZE events, or status --exact", progressTable, progress);
            }
            String asOf = rs.getString(3);
            return new Status.Backfill(Math.round(reltuples * nullFrac), "estimate",
                    "estimate: pg_class.reltuples x pg_stats.null_frac as of the last ANALYZE (" + asOf + "); status --exact counts",
                    progressTable, progress);
        }
    }

    /** 020's statement triggers, and in their place changeSet 060's row triggers where event_embeddings is partitioned. */
    public static final List<String> ROW_TRIGGERS = List.of(
            "trg_event_embeddings_has_embedding_ins_row",
            "trg_event_embeddings_has_embedding_del_row",
            "trg_event_embeddings_has_embedding_upd_row",
            "trg_event_embeddings_has_embedding_trunc");

    private static List<Status.TriggerLine> triggers(Connection c) throws SQLException {
        return TriggerCatalog.read(c, Partitioning.of(c).embeddings() ? ROW_TRIGGERS : TRIGGERS);
    }

    private static Status.Index index(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                SELECT i.indisvalid, i.indisready,
                       p.phase, p.blocks_done, p.blocks_total, p.tuples_done, p.tuples_total, p.pid
                  FROM pg_index i
                  LEFT JOIN pg_stat_progress_create_index p ON p.index_relid = i.indexrelid
                 WHERE i.indexrelid = to_regclass('idx_events_pending_embedding')""");
             ResultSet rs = ps.executeQuery()) {
            if (!rs.next()) {
                return new Status.Index(INDEX, "absent", "not built yet: migrate builds it once no row is NULL");
            }
            String phase = rs.getString(3);
            if (phase != null) {
                return new Status.Index(INDEX, "building", "CREATE INDEX CONCURRENTLY by pid " + rs.getInt(8) + ": " + phase
                        + ", blocks " + rs.getLong(4) + "/" + rs.getLong(5) + ", tuples " + rs.getLong(6) + "/" + rs.getLong(7));
            }
            if (!rs.getBoolean(1)) {
                String partitioned = partitionedProgress(c);
                if (partitioned != null) {
                    return new Status.Index(INDEX, "invalid", partitioned);
                }
                return new Status.Index(INDEX, "invalid", "INVALID (a build that failed or was interrupted): the next migrate drops and rebuilds it");
            }
            return new Status.Index(INDEX, "valid", "valid and ready for queries");
        }
    }

    /**
     * On a partitioned events the root index is INVALID until every leaf's index is attached (changeSet
     * 045): how far that is, and whether a leaf's build is running now. Null for an ordinary index.
     */
    private static String partitionedProgress(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                SELECT count(*) FILTER (WHERE t.isleaf),
                       count(*) FILTER (WHERE t.isleaf AND EXISTS (
                           SELECT 1 FROM pg_index i
                            WHERE i.indrelid = t.relid AND i.indisvalid
                              AND to_regclass('idx_events_pending_embedding') IN
                                  (SELECT a.relid FROM pg_partition_ancestors(i.indexrelid) a))),
                       (SELECT string_agg(p.relid::regclass::text || ' ' || p.phase, ', ')
                          FROM pg_stat_progress_create_index p
                         WHERE p.relid IN (SELECT relid FROM pg_partition_tree('events')))
                  FROM pg_partition_tree('events') t
                 WHERE (SELECT relkind FROM pg_class WHERE oid = to_regclass('idx_events_pending_embedding')) = 'I'""");
             ResultSet rs = ps.executeQuery()) {
            if (!rs.next() || rs.getLong(1) == 0) {
                return null;
            }
            String running = rs.getString(3);
            return "partitioned: " + rs.getLong(2) + " of " + rs.getLong(1) + " leaf partitions have theirs attached"
                    + (running == null ? "; the next migrate builds the rest (CONCURRENTLY, one leaf at a time)" : "; building now: " + running);
        }
    }

    private static List<String> notReadyBecause(Status.Column column, List<Status.TriggerLine> triggers,
                                                Status.Backfill backfill, Status.Index index) {
        List<String> why = new ArrayList<>();
        if (!column.present()) {
            why.add("column events.has_embedding is missing: run migrate");
        }
        why.addAll(TriggerCatalog.problems(triggers, "run migrate"));
        if (column.present()) {
            Long n = backfill.nullRows();
            boolean proven = n != null && n == 0 && !"estimate".equals(backfill.method());
            if (!proven) {
                if (n != null && n > 0) {
                    why.add((backfill.method().equals("estimate") ? "about " : "") + n + " rows still NULL: run backfill");
                } else {
                    why.add("zero NULL rows not proven (" + backfill.method() + "): finish migrate (NOT NULL) or run status --exact");
                }
            }
        }
        if (!"valid".equals(index.state())) {
            why.add("index " + index.name() + " is " + index.state() + ("absent".equals(index.state())
                    ? ": run migrate after the backfill" : ""));
        }
        return why;
    }

    private static boolean validatedCheckConstraint(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                SELECT count(*) FROM pg_constraint
                 WHERE conrelid = 'events'::regclass AND contype = 'c' AND convalidated
                   AND conname = 'events_has_embedding_not_null'""");
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getInt(1) > 0;
        }
    }

    /** The heap of events' leaves: a partitioned events has none of its own (the "small table" rule sums them). */
    private static long heapBytes(Connection c) throws SQLException {
        return TableSize.heapBytes(c, "events");
    }

    private static boolean exists(Connection c, String table) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT to_regclass(?) IS NOT NULL")) {
            ps.setString(1, table);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        }
    }
}
