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

/** Whether each named trigger exists and fires for ordinary sessions; either design's status asks. */
public final class TriggerCatalog {

    private TriggerCatalog() {
    }

    public static List<Status.TriggerLine> read(Connection c, List<String> names) throws SQLException {
        Map<String, String> found = new HashMap<>();
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT t.tgname, t.tgenabled::text FROM pg_trigger t WHERE t.tgname = ANY (?)"
                        // before PostgreSQL 15 a partition's copy of a row trigger is marked internal; tgparentid (13+) tells it apart
                        + " AND (NOT t.tgisinternal OR t.tgparentid <> 0)")) {
            Array array = c.createArrayOf("text", names.toArray());
            ps.setArray(1, array);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    // A row trigger on a partitioned table has a copy on every partition: one copy that
                    // does not fire is enough to make the trigger not enabled.
                    found.merge(rs.getString(1), rs.getString(2), (a, b) -> fires(a) ? b : a);
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

    private static boolean fires(String tgenabled) {
        return "O".equals(tgenabled) || "A".equals(tgenabled);
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
