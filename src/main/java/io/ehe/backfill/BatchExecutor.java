package io.ehe.backfill;

import io.ehe.db.PgDuration;
import io.ehe.catalog.Design;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The SQL of one batch, each in its own short transaction on a connection with autocommit off.
 *
 * <p>The fill statement locks the NULL rows of the batch {@code FOR NO KEY UPDATE SKIP LOCKED},
 * updates only those still NULL on their locked version, and in the same statement adds the counts
 * to the shard's progress row (and, for the walk, moves its cursor). Why this cannot overwrite a
 * trigger's write is argued in {@link Backfill}.
 */
final class BatchExecutor implements FillStep {

    /** %s: the predicate that picks the candidate rows (a PK range, or a list of ids). */
    private static final String FILL = """
            WITH locked AS (
                SELECT e.id FROM events e
                 WHERE %1$s AND e.has_embedding IS NULL
                   FOR NO KEY UPDATE OF e SKIP LOCKED
            ), filled AS (
                UPDATE events e
                   SET has_embedding = EXISTS (SELECT 1 FROM event_embeddings x WHERE x.event_id = e.id)
                  FROM locked l
                 WHERE e.id = l.id AND %1$s AND e.has_embedding IS NULL
             RETURNING e.has_embedding
            ), counted AS (
                SELECT count(*) FILTER (WHERE has_embedding) AS t,
                       count(*) FILTER (WHERE NOT has_embedding) AS f
                  FROM filled
            )
            UPDATE events_has_embedding_backfill p
               SET last_id = greatest(p.last_id, ?), rows_scanned = p.rows_scanned + ?,
                   rows_true = p.rows_true + c.t, rows_false = p.rows_false + c.f,
                   batches = p.batches + 1, updated_at = now()
              FROM counted c
             WHERE p.shard_count = ? AND p.shard_index = ?
            RETURNING c.t, c.f""";

    private static final String FILL_RANGE = FILL.formatted("e.id > ? AND e.id <= ?");
    private static final String FILL_IDS = FILL.formatted("e.id = ANY (?)");

    private final BackfillSettings settings;

    /** For tests that look at the plan. */
    static String fillRangeSql() {
        return FILL_RANGE;
    }

    BatchExecutor(BackfillSettings settings) {
        this.settings = settings;
    }

    @Override
    public Design design() {
        return Design.COLUMN;
    }

    @Override
    public String progressTable() {
        return ProgressStore.TABLE;
    }

    /** The module's migration must have run: has_embedding and the progress table exist. */
    @Override
    public void requireSchema(Connection c) throws SQLException {
        try (Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("""
                     SELECT EXISTS (SELECT 1 FROM pg_attribute
                                     WHERE attrelid = to_regclass('events') AND attname = 'has_embedding'
                                       AND NOT attisdropped),
                            to_regclass('events_has_embedding_backfill') IS NOT NULL""")) {
            rs.next();
            boolean column = rs.getBoolean(1);
            boolean table = rs.getBoolean(2);
            c.commit();
            if (!column || !table) {
                throw new IllegalStateException("events.has_embedding or the backfill progress table is missing in "
                        + "this database: run 'migrate' first (nothing was changed)");
            }
        }
    }

    @Override
    public Optional<FinalSweep> sweep(BackfillSettings settings, Retrier retrier, StopSignal stop, BackfillListener listener) {
        return Optional.of(new FinalSweep(settings, this, retrier, stop, listener));
    }

    /**
     * Walks the next window after the shard's cursor: empty when the range holds no id beyond it
     * (the walk is over). Commits, or rolls back and throws.
     */
    @Override
    public Optional<BatchResult> walkNext(Connection c, Shard shard, int limit) throws SQLException {
        try {
            BatchTransaction.setLocalTimeouts(c, settings);
            KeysetWindow window = KeysetWindow.next(c, ProgressStore.TABLE, shard, limit);
            long cursor = window.cursor();
            long count = window.count();
            long upper = window.upper();
            if (count == 0) {
                c.commit();
                return Optional.empty();
            }
            long started = System.nanoTime();
            long[] tf;
            try (PreparedStatement ps = c.prepareStatement(FILL_RANGE)) {
                int i = 1;
                for (int twice = 0; twice < 2; twice++) {
                    ps.setLong(i++, cursor);
                    ps.setLong(i++, upper);
                }
                ps.setLong(i++, upper);
                ps.setLong(i++, count);
                ps.setInt(i++, shard.count());
                ps.setInt(i, shard.index());
                tf = counts(ps);
            }
            c.commit();
            Duration held = Duration.ofNanos(System.nanoTime() - started);
            return Optional.of(new BatchResult(cursor, upper, count, tf[0], tf[1], held, limit));
        } catch (SQLException | RuntimeException e) {
            BatchTransaction.rollbackQuietly(c);
            throw e;
        }
    }

    /** Fills the given ids if still NULL (the final sweep); the cursor does not move. */
    BatchResult fillIds(Connection c, ShardProgress progress, List<Long> ids) throws SQLException {
        try {
            BatchTransaction.setLocalTimeouts(c, settings);
            long started = System.nanoTime();
            long[] tf;
            try (PreparedStatement ps = c.prepareStatement(FILL_IDS)) {
                Array array = c.createArrayOf("bigint", ids.toArray());
                ps.setArray(1, array);
                ps.setArray(2, array);
                ps.setLong(3, progress.rangeStart());
                ps.setLong(4, 0);
                ps.setInt(5, progress.shard().count());
                ps.setInt(6, progress.shard().index());
                tf = counts(ps);
            }
            c.commit();
            Duration held = Duration.ofNanos(System.nanoTime() - started);
            return new BatchResult(ids.get(0) - 1, ids.get(ids.size() - 1), 0, tf[0], tf[1], held, ids.size());
        } catch (SQLException | RuntimeException e) {
            BatchTransaction.rollbackQuietly(c);
            throw e;
        }
    }

    private static long[] counts(PreparedStatement ps) throws SQLException {
        try (ResultSet rs = ps.executeQuery()) {
            if (!rs.next()) {
                throw new SQLException("backfill progress row disappeared (was " + ProgressStore.TABLE + " truncated?)");
            }
            return new long[]{rs.getLong(1), rs.getLong(2)};
        }
    }
}
