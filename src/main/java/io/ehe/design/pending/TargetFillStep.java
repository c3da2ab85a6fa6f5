package io.ehe.design.pending;

import io.ehe.backfill.BackfillSettings;
import io.ehe.backfill.BatchResult;
import io.ehe.backfill.BatchTransaction;
import io.ehe.backfill.FillStep;
import io.ehe.backfill.KeysetWindow;
import io.ehe.backfill.Shard;
import io.ehe.catalog.CatalogQuery;
import io.ehe.catalog.Design;
import io.ehe.catalog.Semantics;
import io.ehe.db.OlderTransactions;
import io.ehe.db.PgDuration;
import io.ehe.status.ShardRows;
import io.ehe.status.TriggerCatalog;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
 * One batch of the fill: adds the pending rows (E, M) of the target models M still filling, for the
 * events of the next keyset window, and moves the cursor in the same transaction. It writes the
 * pending table and its own progress row, nothing else: no row of events is locked or written.
 * Used for the first fill after install (the bootstrap), for a target model added later (a model
 * swap: every live event pending again) and after the semantics changed.
 *
 * <p>How it works and why it is exact against live writers (READ COMMITTED writers; the lock
 * protocol is the one at the top of changelog/changes/140-pending-per-target.sql):
 * <ol>
 * <li>Before the walk, wait until every transaction older than the fill has ended. Targets and
 *     semantics are data that a writer sees from its next statement on; after the wait, every
 *     writer sees the filling targets, so the triggers keep (E, M) right for every event they touch.
 *     Only pairs that no writer touches since are left to us.</li>
 * <li>Candidates: the window's live events and filling targets with no counting embedding row and
 *     no pending row, on this statement's snapshot, at most {@link #MAX_CANDIDATES} per batch.</li>
 * <li>Try each candidate's event key (shared) and target key, never waiting: a key someone holds
 *     belongs to a writer in the middle of changing that pair, and the fill must never wait while
 *     holding keys (a wait could close a cycle with the application's own locks).</li>
 * <li>For the keys we hold, decide in a new statement, on a snapshot taken after them: insert the
 *     pairs still live, unembedded and targeted (ON CONFLICT DO NOTHING where a trigger added the
 *     row first). A writer that takes the key after us waits for our commit and then sees our row
 *     (an embedding insert deletes it; a supersede deletes it with the event's other rows).</li>
 * <li>The cursor moves to just before the first pair we could not take (or the batch's limit), so
 *     a skipped pair is tried again by the next batch and a restart after SIGKILL never passes a
 *     pair undecided; rows and cursor commit together. When even the first pair is taken, the batch
 *     waits and retries, up to lock_timeout, then fails as a lock timeout (the walk's retries and
 *     backoff apply).</li>
 * <li>When the last shard of the plan is done, the targets that were filling when the plan started
 *     become ready, in the same transaction ({@link #onPlanComplete}).</li>
 * </ol>
 */
final class TargetFillStep implements FillStep {

    static final String PROGRESS_TABLE = Design.PENDING_TABLE.progressTable();
    /**
     * Pairs per batch. Each holds two lock-table entries until commit, and PostgreSQL's shared lock
     * table has max_locks_per_transaction x (max_connections + max_prepared_transactions) entries for
     * the whole server (6,400 with the defaults): 500 pairs use 1,000 of them for milliseconds.
     */
    static final int MAX_CANDIDATES = 500;
    /** How long the fill waits for transactions older than itself before it walks. */
    static final Duration OLDER_TRANSACTIONS_WAIT = Duration.ofMinutes(10);

    private static final Logger LOG = LoggerFactory.getLogger("backfill");

    private static final String CANDIDATES_AND_TRY = """
            WITH c AS MATERIALIZED (
                SELECT e.id, t.model FROM events e CROSS JOIN unnest(?::text[]) AS t(model)
                 WHERE e.id > ? AND e.id <= ?
                   AND ehe_pending_event_live(e)
                   AND NOT EXISTS (SELECT 1 FROM event_embeddings x
                                    WHERE x.event_id = e.id AND ehe_pending_counted_model(x) = t.model)
                   AND NOT EXISTS (SELECT 1 FROM event_embedding_pending p
                                    WHERE p.event_id = e.id AND p.model = t.model)
                 ORDER BY e.id, t.model
                 LIMIT ?)
            SELECT c.id, c.model,
                   CASE WHEN pg_try_advisory_xact_lock_shared(1701340465, ehe_pending_event_key(c.id))
                        THEN pg_try_advisory_xact_lock(1701340466, ehe_pending_target_key(c.id, c.model))
                        ELSE false END AS taken
              FROM c ORDER BY c.id, c.model""";

    /*
     * The batch reads the targets table once ({@link Target#filling}, in this batch's transaction). A target
     * removed meanwhile needs no second look here: {@code targets remove} commits its 'removing' mark, then
     * waits for every transaction older than that commit (this batch, if it read the target as filling)
     * before it deletes the target's rows, and a batch that starts after the mark does not read it as filling.
     */
    private static final String ADD = """
            INSERT INTO event_embedding_pending (event_id, model, organization_id, created_at)
            SELECT e.id, u.model, e.organization_id, ehe_pending_event_created(e)
              FROM unnest(?::bigint[], ?::text[]) AS u(id, model)
              JOIN events e ON e.id = u.id
             WHERE ehe_pending_event_live(e)
               AND NOT EXISTS (SELECT 1 FROM event_embeddings x
                                WHERE x.event_id = e.id AND ehe_pending_counted_model(x) = u.model)
            ON CONFLICT (event_id, model) DO NOTHING""";

    private static final String ADVANCE = """
            UPDATE event_embedding_pending_bootstrap p
               SET last_id = greatest(p.last_id, ?), rows_scanned = p.rows_scanned + ?,
                   rows_true = p.rows_true + ?, rows_false = p.rows_false + ?,
                   batches = p.batches + 1, updated_at = now()
             WHERE p.shard_count = ? AND p.shard_index = ?""";

    private final BackfillSettings settings;
    /**
     * Pairs per id in the batches so far (a model swap: about one per live event and filling target;
     * a recent backlog: a few percent). The window is sized so it holds about {@link #MAX_CANDIDATES}
     * pairs: a window of thousands of ids of which only 500 can be taken would be read again and again.
     */
    private double density = 0;

    private final io.ehe.backfill.StopSignal stop;

    TargetFillStep(BackfillSettings settings, io.ehe.backfill.StopSignal stop) {
        this.settings = settings;
        this.stop = stop;
    }

    @Override
    public Design design() {
        return Design.PENDING_TABLE;
    }

    @Override
    public String countsFormat() {
        return "%,d (event, model) pairs added to the pending table, %,d events needed none";
    }

    /** The two counts by what they are here: pending rows added, and events walked that needed none. */
    @Override
    public List<String> countKeys() {
        return List.of("pairs_added", "events_needed_none");
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
                     SELECT to_regclass('event_embedding_pending') IS NOT NULL
                        AND to_regclass('event_embedding_pending_bootstrap') IS NOT NULL
                        AND to_regclass('event_embedding_pending_targets') IS NOT NULL
                        AND to_regclass('event_embedding_pending_semantics') IS NOT NULL""")) {
            rs.next();
            tables = rs.getBoolean(1);
        }
        if (!tables) {
            c.commit();
            throw new IllegalStateException("the pending table, its targets, semantics or fill progress table is missing in "
                    + "this database: run 'migrate --design pending-table' first (nothing was changed)");
        }
        List<String> problems = new ArrayList<>(TriggerCatalog.problems(TriggerCatalog.read(c, PendingTableDesign.TRIGGERS),
                "run 'migrate --design pending-table'"));
        problems.addAll(Semantics.read(c).orElse(Semantics.SEED).missingColumns(c));
        if (!problems.isEmpty()) {
            c.commit();
            // Filling without every trigger live would leave rows that nothing keeps right.
            throw new IllegalStateException(problems.get(0) + " (nothing was changed)");
        }
        List<String> filling = Target.filling(c);
        if (!filling.isEmpty()) {
            try (Statement st = c.createStatement()) {
                st.execute("SELECT set_config('lock_timeout', '" + PgDuration.toSetting(settings.lockTimeout()) + "', true)");
                // The same lock markDone takes: a plan is never reset while another process marks it done.
                st.execute("LOCK TABLE " + PROGRESS_TABLE + " IN SHARE ROW EXCLUSIVE MODE");
            }
            if (ShardRows.anyPlanComplete(c, PROGRESS_TABLE)) {
                // A complete plan started before these targets were added: they need a walk of their own.
                try (Statement st = c.createStatement()) {
                    st.executeUpdate("DELETE FROM " + PROGRESS_TABLE);
                }
                LOG.info("fill: target(s) {} were added after the last fill; starting a new plan", labels(filling));
            }
        }
        c.commit();
        if (!filling.isEmpty()) {
            LOG.info("fill: waiting for transactions older than this fill to end (at most {})", PgDuration.human(OLDER_TRANSACTIONS_WAIT));
            OlderTransactions.waitFor(c, OlderTransactions.serverNow(c), OLDER_TRANSACTIONS_WAIT, "the fill",
                    () -> stop != null && stop.requested());
            LOG.info("fill: filling target(s) {}", labels(filling));
        }
    }

    @Override
    public Optional<BatchResult> walkNext(Connection c, Shard shard, int limit) throws SQLException {
        long deadline = System.nanoTime() + settings.lockTimeout().toNanos();
        long pause = 20;
        while (true) {
            Optional<Optional<BatchResult>> done = tryBatch(c, shard, limit);
            if (done.isPresent()) {
                return done.get();
            }
            if (System.nanoTime() >= deadline) {
                throw new SQLException("the fill could not take the advisory keys of the next (event, model) pair within lock_timeout: "
                        + "a writer holds them (it is changing that pair's embedding rows)", "55P03");
            }
            try {
                Thread.sleep(pause);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SQLException("interrupted", "57014", e);
            }
            pause = Math.min(pause * 2, 500);
        }
    }

    /** A committed batch (or the end of the range); empty when not even the first pair could be taken. */
    private Optional<Optional<BatchResult>> tryBatch(Connection c, Shard shard, int limit) throws SQLException {
        try {
            BatchTransaction.setLocalTimeouts(c, settings);
            int window0 = density <= 0 ? limit : (int) Math.max(50, Math.min(limit, MAX_CANDIDATES / density));
            KeysetWindow window = KeysetWindow.next(c, PROGRESS_TABLE, shard, window0);
            if (window.empty()) {
                c.commit();
                return Optional.of(Optional.empty());
            }
            long started = System.nanoTime();
            List<String> filling = Target.filling(c);
            List<Long> ids = new ArrayList<>();
            List<String> models = new ArrayList<>();
            long cursorTo = window.upper();
            int seen = 0;
            long lastSeen = window.cursor();
            if (!filling.isEmpty()) {
                try (PreparedStatement ps = c.prepareStatement(CANDIDATES_AND_TRY)) {
                    ps.setArray(1, c.createArrayOf("text", filling.toArray()));
                    ps.setLong(2, window.cursor());
                    ps.setLong(3, window.upper());
                    ps.setInt(4, MAX_CANDIDATES);
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            long id = rs.getLong(1);
                            seen++;
                            lastSeen = id;
                            if (rs.getBoolean(3)) {
                                if (id <= cursorTo) {
                                    ids.add(id);
                                    models.add(rs.getString(2));
                                }
                            } else {
                                cursorTo = Math.min(cursorTo, id - 1);
                            }
                        }
                    }
                }
                if (seen == MAX_CANDIDATES) {
                    // The last event may have more pairs beyond the limit: stop before it.
                    cursorTo = Math.min(cursorTo, lastSeen - 1);
                }
            }
            long added = 0;
            if (!ids.isEmpty()) {
                try (PreparedStatement ps = c.prepareStatement(ADD)) {
                    ps.setArray(1, c.createArrayOf("bigint", ids.toArray()));
                    ps.setArray(2, c.createArrayOf("text", models.toArray()));
                    added = ps.executeUpdate();
                }
            }
            if (cursorTo <= window.cursor()) {
                c.commit();
                return Optional.empty();
            }
            long walked = cursorTo == window.upper() ? window.count() : idsBetween(c, window.cursor(), cursorTo);
            double seenPerId = (double) seen / Math.max(1, walked);
            density = density <= 0 ? seenPerId : 0.5 * density + 0.5 * seenPerId;
            long eventsAdded = ids.stream().filter(id -> id <= window.upper()).distinct().count();
            try (PreparedStatement ps = c.prepareStatement(ADVANCE)) {
                ps.setLong(1, cursorTo);
                ps.setLong(2, walked);
                ps.setLong(3, added);
                ps.setLong(4, Math.max(0, walked - eventsAdded));
                ps.setInt(5, shard.count());
                ps.setInt(6, shard.index());
                if (ps.executeUpdate() != 1) {
                    throw new SQLException("fill progress row disappeared (was " + PROGRESS_TABLE + " truncated, or a new plan started "
                            + "because a target was added?): run backfill again");
                }
            }
            c.commit();
            Duration held = Duration.ofNanos(System.nanoTime() - started);
            return Optional.of(Optional.of(new BatchResult(window.cursor(), cursorTo, walked, added,
                    Math.max(0, walked - eventsAdded), held, limit)));
        } catch (SQLException | RuntimeException e) {
            BatchTransaction.rollbackQuietly(c);
            throw e;
        }
    }

    @Override
    public void onPlanComplete(Connection c) throws SQLException {
        try (Statement st = c.createStatement()) {
            int n = st.executeUpdate("""
                    UPDATE event_embedding_pending_targets
                       SET state = 'ready', ready_at = now()
                     WHERE state = 'filling'
                       AND added_at < (SELECT min(started_at) FROM event_embedding_pending_bootstrap)""");
            if (n > 0) {
                LOG.info("fill: {} target(s) now ready", n);
            }
        }
    }

    private static long idsBetween(Connection c, long fromExclusive, long toInclusive) throws SQLException {
        return CatalogQuery.number(c, "SELECT count(*) FROM events WHERE id > ? AND id <= ?", fromExclusive, toInclusive);
    }

    private static String labels(List<String> models) {
        return String.join(", ", models.stream().map(Target::label).toList());
    }
}
