package io.ehe.design.pending;

import io.ehe.backfill.BackfillSettings;
import io.ehe.backfill.BatchTransaction;
import io.ehe.backfill.BatchResult;
import io.ehe.backfill.FillStep;
import io.ehe.backfill.KeysetWindow;
import io.ehe.backfill.Shard;
import io.ehe.catalog.Design;
import io.ehe.status.TriggerCatalog;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * One batch of the bootstrap: adds the pending rows of the events that existed before the triggers
 * of changeSet 110, over the next keyset window, and moves the cursor in the same transaction. It
 * writes the pending table and its own progress row, nothing else.
 *
 * <p>How a batch works and why it is exact against live writers (READ COMMITTED; the lock argument is
 * the one at the top of 110-pending-triggers.sql):
 * <ol>
 * <li>Candidates: the window's events with text, no embedding and no pending row, on this
 *     statement's snapshot. Only these can need a row from us: an event that has an embedding or a
 *     pending row now is kept right from here on by the triggers, which were in place before the
 *     bootstrap started (their CREATE TRIGGER waited for every writer that came before them).</li>
 * <li>Lock the candidates FOR UPDATE in id order, as the triggers' adders do. That waits for every
 *     in-flight embedding insert of those events (they hold FOR KEY SHARE) and for every other adder;
 *     it waits at most lock_timeout, then the batch rolls back and is retried. Only candidates are
 *     locked (a few percent of the window): no new row version of events, no UPDATE.</li>
 * <li>Decide in a new statement, on a snapshot taken after the lock: insert the candidates that still
 *     have text and no embedding (an embedding committed meanwhile is seen, so no stale row), ON
 *     CONFLICT DO NOTHING where a trigger added the row first. An embedding insert that comes after
 *     our lock waits for our commit, then deletes the row we added.</li>
 * <li>An embedding deleted while the bootstrap runs is the delete trigger's to handle (it adds the
 *     row), whether or not the walk has passed that event: nothing is lost behind the cursor.</li>
 * <li>Rows and cursor commit together, so after SIGKILL the restart walks the unfinished window again;
 *     its inserts are idempotent. No sweep is needed: the walk skips nothing.</li>
 * </ol>
 */
final class BootstrapStep implements FillStep {

    static final String PROGRESS_TABLE = Design.PENDING_TABLE.progressTable();

    private static final String LOCK_CANDIDATES = """
            SELECT e.id FROM public.events e
             WHERE e.id > ? AND e.id <= ?
               AND e.payload_text IS NOT NULL AND e.payload_text <> ''
               AND NOT EXISTS (SELECT 1 FROM public.event_embeddings x WHERE x.event_id = e.id)
               AND NOT EXISTS (SELECT 1 FROM public.event_embedding_pending p WHERE p.event_id = e.id)
             ORDER BY e.id
               FOR UPDATE OF e""";

    private static final String ADD_AND_ADVANCE = """
            WITH added AS (
                INSERT INTO public.event_embedding_pending (event_id, organization_id)
                SELECT e.id, e.organization_id FROM public.events e
                 WHERE e.id = ANY (?)
                   AND e.payload_text IS NOT NULL AND e.payload_text <> ''
                   AND NOT EXISTS (SELECT 1 FROM public.event_embeddings x WHERE x.event_id = e.id)
                ON CONFLICT (event_id) DO NOTHING
                RETURNING 1
            ), counted AS (
                SELECT count(*) AS t FROM added
            )
            UPDATE public.event_embedding_pending_bootstrap p
               SET last_id = greatest(p.last_id, ?), rows_scanned = p.rows_scanned + ?,
                   rows_true = p.rows_true + c.t, rows_false = p.rows_false + (? - c.t),
                   batches = p.batches + 1, updated_at = now()
              FROM counted c
             WHERE p.shard_count = ? AND p.shard_index = ?
            RETURNING c.t""";

    private final BackfillSettings settings;

    BootstrapStep(BackfillSettings settings) {
        this.settings = settings;
    }

    @Override
    public Design design() {
        return Design.PENDING_TABLE;
    }

    @Override
    public String countsFormat() {
        return "%,d added to the pending table, %,d needed no row";
    }

    @Override
    public String progressTable() {
        return PROGRESS_TABLE;
    }

    @Override
    public void requireSchema(Connection c) throws SQLException {
        boolean tables;
        try (Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("""
                     SELECT to_regclass('public.event_embedding_pending') IS NOT NULL
                        AND to_regclass('public.event_embedding_pending_bootstrap') IS NOT NULL""")) {
            rs.next();
            tables = rs.getBoolean(1);
        }
        List<String> triggerProblems = TriggerCatalog.problems(TriggerCatalog.read(c, PendingTableDesign.TRIGGERS),
                "run 'migrate --design pending-table'");
        c.commit();
        if (!tables) {
            throw new IllegalStateException("event_embedding_pending or its bootstrap progress table is missing in "
                    + "this database: run 'migrate --design pending-table' first (nothing was changed)");
        }
        if (!triggerProblems.isEmpty()) {
            // Bootstrapping without every trigger live would leave rows that nothing keeps right.
            throw new IllegalStateException(triggerProblems.get(0) + " (nothing was changed)");
        }
    }

    @Override
    public Optional<BatchResult> walkNext(Connection c, Shard shard, int limit) throws SQLException {
        try {
            BatchTransaction.setLocalTimeouts(c, settings);
            KeysetWindow window = KeysetWindow.next(c, PROGRESS_TABLE, shard, limit);
            if (window.empty()) {
                c.commit();
                return Optional.empty();
            }
            long started = System.nanoTime();
            List<Long> candidates = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(LOCK_CANDIDATES)) {
                ps.setLong(1, window.cursor());
                ps.setLong(2, window.upper());
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        candidates.add(rs.getLong(1));
                    }
                }
            }
            long added;
            try (PreparedStatement ps = c.prepareStatement(ADD_AND_ADVANCE)) {
                Array ids = c.createArrayOf("bigint", candidates.toArray());
                ps.setArray(1, ids);
                ps.setLong(2, window.upper());
                ps.setLong(3, window.count());
                ps.setLong(4, window.count());
                ps.setInt(5, shard.count());
                ps.setInt(6, shard.index());
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        throw new SQLException("bootstrap progress row disappeared (was " + PROGRESS_TABLE + " truncated?)");
                    }
                    added = rs.getLong(1);
                }
            }
            c.commit();
            Duration held = Duration.ofNanos(System.nanoTime() - started);
            return Optional.of(new BatchResult(window.cursor(), window.upper(), window.count(), added,
                    window.count() - added, held, limit));
        } catch (SQLException | RuntimeException e) {
            BatchTransaction.rollbackQuietly(c);
            throw e;
        }
    }
}
