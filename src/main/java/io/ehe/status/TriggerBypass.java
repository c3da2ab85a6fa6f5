package io.ehe.status;

import io.ehe.catalog.Design;
import io.ehe.catalog.TableSize;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * Reasons to distrust a design's bookkeeping that its own status cannot see: rows that arrived
 * without its triggers firing. Logical replication applies rows with session_replication_role =
 * replica and fires no statement-level trigger (not even ENABLE ALWAYS ones); pg_restore
 * --disable-triggers and bulk loads under session_replication_role do the same. Two checks:
 * <ul>
 * <li>a subscription of this database replicates into one of the design's tables;</li>
 * <li>a sampled drift check: the newest {@value #NEWEST} events (where replicated and restored rows
 *     land) plus a block sample of about {@value #SAMPLED} more, each compared with the truth it
 *     should mirror, in one snapshot. Reads at most a few thousand rows through primary keys.</li>
 * </ul>
 */
public final class TriggerBypass {

    static final int NEWEST = 500;
    static final int SAMPLED = 2000;

    private TriggerBypass() {
    }

    /** One human line per problem found; empty when none. Run only when the design otherwise says ready. */
    public static List<String> problems(Connection c, Design design) throws SQLException {
        List<String> out = new ArrayList<>(subscriptions(c));
        long drifted = sampledDrift(c, design);
        if (drifted > 0) {
            out.add("sampled drift check: " + drifted + " of the sampled events disagree with event_embeddings"
                    + (design == Design.COLUMN ? " (has_embedding)" : " (event_embedding_pending)")
                    + ": rows arrived without the triggers firing (replication, pg_restore --disable-triggers,"
                    + " session_replication_role); run verify, then repair");
        }
        return out;
    }

    private static List<String> subscriptions(Connection c) throws SQLException {
        List<String> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("""
                SELECT s.subname, s.subenabled, string_agg(sr.srrelid::regclass::text, ', ' ORDER BY sr.srrelid::regclass::text)
                  FROM pg_subscription s
                  JOIN pg_subscription_rel sr ON sr.srsubid = s.oid
                 WHERE s.subdbid = (SELECT oid FROM pg_database WHERE datname = current_database())
                   AND sr.srrelid IN (to_regclass('events'), to_regclass('event_embeddings'),
                                      to_regclass('event_embedding_pending'))
                 GROUP BY 1, 2
                 ORDER BY 1""");
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add("subscription " + rs.getString(1) + (rs.getBoolean(2) ? " (enabled)" : " (disabled)") + " replicates into "
                        + rs.getString(3) + ": replicated rows fire no statement-level trigger, so the design's bookkeeping"
                        + " cannot be trusted here; install the design on the publisher, or drop these tables from the subscription");
            }
        }
        return out;
    }

    private static long sampledDrift(Connection c, Design design) throws SQLException {
        double percent = samplePercent(c);
        String truth = design == Design.COLUMN
                ? "s.has_embedding IS NOT NULL AND s.has_embedding IS DISTINCT FROM"
                  + " EXISTS (SELECT 1 FROM event_embeddings x WHERE x.event_id = s.id)"
                // Per ready target, under the configured semantics (the functions of changeSet 140).
                : "(ehe_pending_event_live(e) AND NOT EXISTS (SELECT 1 FROM event_embeddings x"
                  + " WHERE x.event_id = e.id AND ehe_pending_counted_model(x) = t.model))"
                  + " IS DISTINCT FROM EXISTS (SELECT 1 FROM event_embedding_pending p WHERE p.event_id = e.id AND p.model = t.model)";
        String columns = design == Design.COLUMN ? "id, has_embedding" : "id";
        String from = design == Design.COLUMN ? "s"
                : "s JOIN events e ON e.id = s.id JOIN event_embedding_pending_targets t ON t.state = 'ready'";
        try (PreparedStatement ps = c.prepareStatement(
                "WITH s AS ((SELECT " + columns + " FROM events ORDER BY id DESC LIMIT " + NEWEST + ")"
                        + " UNION (SELECT " + columns + " FROM events TABLESAMPLE SYSTEM (" + percent + ") LIMIT " + SAMPLED + "))"
                        + " SELECT count(*) FROM " + from + " WHERE " + truth);
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** The block-sample percentage that yields about {@value #SAMPLED} rows (100 on a small table). */
    private static double samplePercent(Connection c) throws SQLException {
        double rows = TableSize.estimatedRows(c, "events");
        return rows <= SAMPLED ? 100.0 : Math.max(0.01, Math.min(100.0, 100.0 * SAMPLED / rows));
    }
}
