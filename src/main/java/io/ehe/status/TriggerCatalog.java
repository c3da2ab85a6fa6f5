package io.ehe.status;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Whether each named trigger exists and fires for ordinary sessions; either design's status asks.
 * On a partitioned table a trigger is checked where it fires: PostgreSQL clones a row-level trigger
 * to every partition (pg_trigger.tgparentid points at the copy it came from, PostgreSQL 13+), and a
 * row fires the copy on its leaf, so each copy is found by relation and parent, never by name, and
 * one disabled or missing copy is a problem that names its partition.
 */
public final class TriggerCatalog {

    private TriggerCatalog() {
    }

    /**
     * One line per name: the trigger as defined on events or event_embeddings itself
     * (not a partition's copy, not a namesake on another table). Its copies: {@link #copies}.
     */
    public static List<Status.TriggerLine> read(Connection c, List<String> names) throws SQLException {
        Map<String, String> found = new HashMap<>();
        try (PreparedStatement ps = c.prepareStatement(
                """
                SELECT t.tgname, t.tgenabled::text FROM pg_trigger t
                 WHERE t.tgname = ANY (?) AND t.tgparentid = 0
                   AND t.tgrelid IN (to_regclass('events'), to_regclass('event_embeddings'))""")) {
            Array array = c.createArrayOf("text", names.toArray());
            ps.setArray(1, array);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    found.put(rs.getString(1), rs.getString(2));
                }
            }
        }
        List<Status.TriggerLine> out = new ArrayList<>();
        for (String name : names) {
            String enabled = found.get(name);
            // O: fires in ordinary sessions; A: always; R: only in replica sessions; D: disabled.
            out.add(new Status.TriggerLine(name, enabled != null, "O".equals(enabled) || "A".equals(enabled), enabled));
        }
        return out;
    }

    /**
     * Issue 24 (changeSets 070 and 170): the function behind each named trigger must run as its owner
     * (SECURITY DEFINER), with search_path pinned to pg_catalog, pg_temp, and that owner must not be a
     * superuser; otherwise the app's roles need privileges they did not have before the install, or a
     * superuser's rights run in the app's sessions, or the caller's search_path reaches the body. One
     * line per function that falls short, naming it and what is wrong; empty when all hold (or none exist).
     */
    public static List<String> definerProblems(Connection c, List<String> names, String fix) throws SQLException {
        List<String> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(
                """
                SELECT DISTINCT p.oid::regprocedure::text, p.prosecdef,
                       p.proconfig IS NOT DISTINCT FROM ARRAY['search_path=pg_catalog, pg_temp'], r.rolsuper, r.rolname
                  FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid JOIN pg_roles r ON r.oid = p.proowner
                 WHERE t.tgname = ANY (?) AND t.tgparentid = 0
                   AND t.tgrelid IN (to_regclass('events'), to_regclass('event_embeddings'))
                 ORDER BY 1""")) {
            ps.setArray(1, c.createArrayOf("text", names.toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String function = rs.getString(1);
                    if (!rs.getBoolean(2)) {
                        out.add("trigger function " + function + " runs with the writer's privileges (not SECURITY DEFINER): "
                                + "the app's roles would need privileges on the module's tables; " + fix);
                    } else if (!rs.getBoolean(3)) {
                        out.add("trigger function " + function + " does not pin search_path to pg_catalog, pg_temp: "
                                + "a writer's search_path reaches its body; " + fix);
                    }
                    if (rs.getBoolean(4)) {
                        out.add("trigger function " + function + " is owned by the superuser " + rs.getString(5)
                                + ": it would run with superuser rights in the app's sessions; " + fix);
                    }
                }
            }
        }
        return out;
    }

    /**
     * A row-level trigger's copy on one leaf partition of the table the trigger is defined on.
     * present: a copy descending from the trigger exists on that leaf; enabled: it fires in ordinary
     * sessions (tgenabled O or A); tgenabled: the raw letter, null when absent.
     */
    public record CopyLine(String trigger, String partition, boolean present, boolean enabled, String tgenabled) {
    }

    /**
     * One line per (named row-level trigger of events or event_embeddings, leaf
     * partition of its table), ordered by trigger and partition; empty for unpartitioned tables and
     * statement-level triggers (PostgreSQL does not clone those).
     */
    public static List<CopyLine> copies(Connection c, List<String> names) throws SQLException {
        List<CopyLine> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("""
                WITH RECURSIVE roots AS (
                    SELECT t.oid, t.tgname, t.tgrelid FROM pg_trigger t
                     WHERE t.tgname = ANY (?) AND t.tgparentid = 0 AND t.tgtype::integer & 1 = 1
                       AND t.tgrelid IN (to_regclass('events'), to_regclass('event_embeddings'))),
                copies AS (
                    SELECT r.oid AS root, t.oid, t.tgrelid, t.tgenabled FROM pg_trigger t JOIN roots r ON t.tgparentid = r.oid
                    UNION ALL
                    SELECT k.root, t.oid, t.tgrelid, t.tgenabled FROM pg_trigger t JOIN copies k ON t.tgparentid = k.oid)
                SELECT r.tgname, l.relid::regclass::text, k.tgenabled::text
                  FROM roots r
                 CROSS JOIN LATERAL pg_partition_tree(r.tgrelid) l
                  LEFT JOIN copies k ON k.root = r.oid AND k.tgrelid = l.relid
                 WHERE l.isleaf AND l.level > 0
                 ORDER BY 1, 2""")) {
            ps.setArray(1, c.createArrayOf("text", names.toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String enabled = rs.getString(3);
                    out.add(new CopyLine(rs.getString(1), rs.getString(2), enabled != null,
                            "O".equals(enabled) || "A".equals(enabled), enabled));
                }
            }
        }
        return out;
    }

    /** The reasons a set of trigger copies keeps a design from being ready, each naming its partition. */
    public static List<String> copyProblems(List<CopyLine> copies, String fix) {
        List<String> why = new ArrayList<>();
        for (CopyLine k : copies) {
            if (!k.present()) {
                why.add("trigger " + k.trigger() + " has no copy on partition " + k.partition() + ": " + fix);
            } else if (!k.enabled()) {
                why.add("trigger " + k.trigger() + " is not enabled on partition " + k.partition() + " (tgenabled=" + k.tgenabled()
                        + "): rows written there are not seen; ALTER TABLE " + k.partition() + " ENABLE TRIGGER " + k.trigger()
                        + ", then verify --repair");
            }
        }
        return why;
    }

    /**
     * Leaves of {@code table} (events or event_embeddings, partitioned) that lack an
     * enabled statement-level trigger named {@code name} of their own; one reason per leaf.
     */
    public static List<String> missingOnLeaves(Connection c, String table, String name, String fix) throws SQLException {
        List<String> why = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("""
                SELECT l.relid::regclass::text, t.tgenabled::text
                  FROM pg_partition_tree(to_regclass(?)) l
                  LEFT JOIN pg_trigger t ON t.tgrelid = l.relid AND t.tgname = ?
                 WHERE l.isleaf AND l.level > 0 AND (t.oid IS NULL OR t.tgenabled NOT IN ('O', 'A'))
                 ORDER BY 1""")) {
            ps.setString(1, table);
            ps.setString(2, name);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    why.add(rs.getString(2) == null
                            ? "partition " + rs.getString(1) + " has no trigger " + name + ": " + fix
                            : "trigger " + name + " is not enabled on partition " + rs.getString(1) + " (tgenabled=" + rs.getString(2) + ")");
                }
            }
        }
        return why;
    }

    /** The reasons a set of triggers keeps a design from being ready. */
    public static List<String> problems(List<Status.TriggerLine> triggers, String fix) {
        List<String> why = new ArrayList<>();
        for (Status.TriggerLine t : triggers) {
            if (!t.present()) {
                why.add("trigger " + t.name() + " is missing: " + fix);
            } else if (!t.enabled()) {
                why.add("trigger " + t.name() + " is not enabled (tgenabled=" + t.tgenabled() + ")");
            }
        }
        return why;
    }
}
