package io.ehe.bench;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The high-watermark scheduler of issue 20: no trigger at all, one small table of cursors, one row per
 * (organization, model). Not a shipped design; the benchmark's contender and the tests' subject.
 *
 * <p>How it works, and what it relies on:
 * <ol>
 * <li>A cursor {@code (cursor_at, cursor_id)} is a position in the order the app already indexes,
 *     {@code (created_at, id)}: every candidate of that organization strictly below it is taken to have
 *     a chunk-0 row of the model. Nothing writes {@code events} or {@code event_embeddings} for it.</li>
 * <li>A tick first gives every organization it has not met a cursor at the very start (a loose index
 *     scan over {@code events_org_created_idx}: one probe per organization), then moves each cursor
 *     forward to the organization's first pending candidate at or above it, but never past
 *     {@code now() - lag}: a transaction that began earlier may still commit an event below that point,
 *     and a cursor that passed it would never look back. A cursor never moves backward in a tick.</li>
 * <li>The scheduler's queries read {@code events} above the cursors only (the rewrite's walk, with a
 *     lower bound). That is exact only while the invariant of 1. holds; it breaks, silently, when an
 *     embedding below a cursor is deleted, when an event below it becomes a candidate by UPDATE (text
 *     filled, {@code superseded_by} cleared), or when a transaction longer than {@code lag} commits an
 *     event below it. One event that never gets an embedding holds its organization's cursor forever.</li>
 * <li>Hence the sweep: the anti-join below the cursors (whole, or one {@code created_at} slice per tick),
 *     moving a cursor back to the first hole it finds. Between sweeps the answer is approximate; right
 *     after a whole sweep it is exact.</li>
 * </ol>
 */
final class HighWatermark {

    private final String table;
    private final AppQuestion question;

    /** @param table the cursor table, schema-qualified; {@code question} decides which events are candidates */
    HighWatermark(String table, AppQuestion question) {
        this.table = table;
        this.question = question;
    }

    String table() {
        return table;
    }

    String createTable() {
        return "CREATE TABLE " + table + " (model text NOT NULL, organization_id text NOT NULL, "
                + "cursor_at timestamptz NOT NULL DEFAULT '-infinity', cursor_id bigint NOT NULL DEFAULT 0, "
                + "advanced_at timestamptz, PRIMARY KEY (model, organization_id))";
    }

    /** One tick for {@code model}: new organizations, then every cursor forward. Returns the statements, in order. */
    String[] tick(String model, String lag) {
        String m = AppQuestion.literal(model);
        String orgs = """
                WITH RECURSIVE orgs AS (
                  (SELECT e.organization_id FROM public.events e WHERE e.organization_id IS NOT NULL ORDER BY e.organization_id LIMIT 1)
                  UNION ALL
                  SELECT (SELECT e.organization_id FROM public.events e WHERE e.organization_id > o.organization_id
                           ORDER BY e.organization_id LIMIT 1)
                    FROM orgs o WHERE o.organization_id IS NOT NULL)
                INSERT INTO %s (model, organization_id)
                SELECT %s, organization_id FROM orgs WHERE organization_id IS NOT NULL
                ON CONFLICT DO NOTHING""".formatted(table, m);
        // The first pending candidate in two steps: its created_at by a walk of events_org_created_idx that
        // stops at the first hit, then the lowest id among candidates with that created_at (ties are rare).
        // One ORDER BY created_at, id would put an incremental sort over the walk, and that sort reads
        // until it holds 32 pending rows: with one old straggler above the cursor, most of the organization.
        String advance = """
                WITH cap AS (SELECT now() - interval %s AS at),
                next AS (
                  SELECT c.organization_id, c.cursor_at, c.cursor_id,
                         CASE WHEN f.id IS NOT NULL THEN t.created_at ELSE cap.at END AS at,
                         CASE WHEN f.id IS NOT NULL THEN f.id ELSE 0 END AS id
                    FROM %s c CROSS JOIN cap
                    LEFT JOIN LATERAL (
                      SELECT e.created_at FROM public.events e
                       WHERE e.organization_id = c.organization_id AND e.created_at >= c.cursor_at
                         AND (e.created_at, e.id) >= (c.cursor_at, c.cursor_id) AND e.created_at < cap.at
                         AND %s
                       ORDER BY e.created_at LIMIT 1) t ON true
                    LEFT JOIN LATERAL (
                      SELECT min(e.id) AS id FROM public.events e
                       WHERE e.organization_id = c.organization_id AND e.created_at = t.created_at
                         AND (e.created_at, e.id) >= (c.cursor_at, c.cursor_id) AND %s) f ON true
                   WHERE c.model = %s)
                UPDATE %s c SET cursor_at = n.at, cursor_id = n.id, advanced_at = now()
                  FROM next n
                 WHERE c.model = %s AND c.organization_id = n.organization_id AND (n.at, n.id) > (n.cursor_at, n.cursor_id)"""
                .formatted(AppQuestion.literal(lag), table, AppQuestion.pending(question, model), AppQuestion.pending(question, model), m, table, m);
        return new String[]{orgs, advance};
    }

    /**
     * The sweep below the cursors of {@code model}, over candidates with {@code created_at} in [from, to)
     * (both SQL expressions; {@code '-infinity'} and {@code 'infinity'} for the whole table): every cursor
     * above a hole moves back to its first hole. Returns the statement; its update count is the number of
     * cursors moved back.
     */
    String sweep(String model, String from, String to) {
        String m = AppQuestion.literal(model);
        return """
                WITH holes AS (
                  SELECT DISTINCT ON (e.organization_id) e.organization_id, e.created_at, e.id
                    FROM public.events e JOIN %s c ON c.model = %s AND c.organization_id = e.organization_id
                   WHERE e.created_at >= %s AND e.created_at < %s AND (e.created_at, e.id) < (c.cursor_at, c.cursor_id)
                     AND %s
                   ORDER BY e.organization_id, e.created_at, e.id)
                UPDATE %s c SET cursor_at = h.created_at, cursor_id = h.id
                  FROM holes h WHERE c.model = %s AND c.organization_id = h.organization_id"""
                .formatted(table, m, from, to, AppQuestion.pending(question, model), table, m);
    }

    /**
     * The app's discovery: the newest (or oldest) 5,000 pending candidates above the lowest cursor of
     * {@code model}, counted per organization, the top one. The scheduler reads the cursor first and sends
     * it as a constant: behind a subquery the planner cannot see how far the bound cuts, and in a run at
     * small scale it then preferred computing every pending row and sorting them to the ordered walk.
     * Above the lowest cursor but below an organization's own one every candidate is embedded by the
     * invariant, so no per-organization filter is needed (and a hole there is found, not hidden).
     */
    String discovery(Connection c, String model, boolean newestFirst) throws SQLException {
        String dir = newestFirst ? "DESC" : "";
        String lowest = text(c, "SELECT min(cursor_at)::text FROM " + table + " WHERE model = " + AppQuestion.literal(model));
        return """
                SELECT organization_id, count(*) FROM (
                  SELECT e.organization_id FROM public.events e
                   WHERE e.created_at >= %s AND %s
                   ORDER BY e.created_at %s, e.id %s LIMIT 5000) p
                 GROUP BY organization_id ORDER BY count(*) DESC, organization_id LIMIT 1"""
                .formatted(timestamp(lowest), AppQuestion.pending(question, model), dir, dir);
    }

    /** The app's pick: one organization's newest (or oldest) 100 pending candidates above its cursor (read first, sent as constants). */
    String pick(Connection c, String model, String org, boolean newestFirst) throws SQLException {
        String dir = newestFirst ? "DESC" : "";
        String at = text(c, "SELECT cursor_at::text FROM " + table + " WHERE model = " + AppQuestion.literal(model) + " AND organization_id = " + AppQuestion.literal(org));
        String id = text(c, "SELECT cursor_id::text FROM " + table + " WHERE model = " + AppQuestion.literal(model) + " AND organization_id = " + AppQuestion.literal(org));
        return """
                SELECT e.id FROM public.events e
                 WHERE e.organization_id = %s AND e.created_at >= %s AND (e.created_at, e.id) >= (%s, %s) AND %s
                 ORDER BY e.created_at %s, e.id %s LIMIT 100"""
                .formatted(AppQuestion.literal(org), timestamp(at), timestamp(at), id == null ? "0" : id, AppQuestion.pending(question, model), dir, dir);
    }

    /** A cursor position as a constant; no cursor yet means nothing is known: from the start. */
    private static String timestamp(String value) {
        return AppQuestion.literal(value == null ? "-infinity" : value) + "::timestamptz";
    }

    private static String text(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement(); var rs = st.executeQuery(sql)) {
            return rs.next() ? rs.getString(1) : null;
        }
    }

    /**
     * Runs a tick in one transaction; returns the number of cursors that moved. The cursor positions reach
     * the walk as lateral parameters, so the planner cannot see that the first pending row is usually
     * near the cursor: it chose a bitmap scan of everything above the cursor plus a sort (512 ms at scale
     * 0.1 with one old straggler per organization, against about 1 ms for the ordered walk). Without sorts
     * and bitmap scans for this transaction only, the ordered index walk is the one plan left.
     */
    int runTick(Connection c, String model, String lag) throws SQLException {
        boolean auto = c.getAutoCommit();
        c.setAutoCommit(false);
        try (Statement st = c.createStatement()) {
            st.execute("SET LOCAL enable_sort = off");
            st.execute("SET LOCAL enable_bitmapscan = off");
            String[] sql = tick(model, lag);
            st.executeUpdate(sql[0]);
            int moved = st.executeUpdate(sql[1]);
            c.commit();
            return moved;
        } catch (SQLException e) {
            c.rollback();
            throw e;
        } finally {
            c.setAutoCommit(auto);
        }
    }
}
