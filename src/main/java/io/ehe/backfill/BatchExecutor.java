package io.ehe.backfill;

import io.ehe.db.PgDuration;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
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
final class BatchExecutor {

    /**
     * The next keyset window after the shard's committed cursor: how many ids follow it (up to the
     * limit) and the last of them. Reading the cursor from the progress row (not from memory) keeps
     * a retry right after a commit whose acknowledgement was lost with the connection.
     */
    private static final String WINDOW = """
            SELECT p.last_id, count(w.id), max(w.id)
              FROM public.events_has_embedding_backfill p
              LEFT JOIN LATERAL (
                    SELECT id FROM public.events
                     WHERE id > p.last_id AND id <= coalesce(p.range_end, 9223372036854775807)
                     ORDER BY id
                     LIMIT ?) w ON true
             WHERE p.shard_count = ? AND p.shard_index = ?
             GROUP BY p.last_id""";

    /** %s: the predicate that picks the candidate rows (a PK range, or a list of ids). */
    private static final String FILL = """
            WITH locked AS (
                SELECT e.id FROM public.events e
                 WHERE %1$s AND e.has_embedding IS NULL
                   FOR NO KEY UPDATE OF e SKIP LOCKED
            ), filled AS (
                UPDATE public.events e
                   SET has_embedding = EXISTS (SELECT 1 FROM public.event_embeddings x WHERE x.event_id = e.id)
                  FROM locked l
                 WHERE e.id = l.id AND %1$s AND e.has_embedding IS NULL
             RETURNING e.has_embedding
            ), counted AS (
                SELECT count(*) FILTER (WHERE has_embedding) AS t,
                       count(*) FILTER (WHERE NOT has_embedding) AS f
                  FROM filled
            )
            UPDATE public.events_has_embedding_backfill p
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

    /**
     * Walks the next window after the shard's cursor: empty when the range holds no id beyond it
     * (the walk is over). Commits, or rolls back and throws.
     */
    Optional<BatchResult> walkNext(Connection c, Shard shard, int limit) throws SQLException {
        try {
            setLocalTimeouts(c);
            long cursor;
            long count;
            long upper;
            try (PreparedStatement ps = c.prepareStatement(WINDOW)) {
                ps.setInt(1, limit);
                ps.setInt(2, shard.count());
                ps.setInt(3, shard.index());
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        throw new SQLException("backfill progress row for shard " + shard + " disappeared");
                    }
                    cursor = rs.getLong(1);
                    count = rs.getLong(2);
                    upper = rs.getLong(3);
                }
            }
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
            rollbackQuietly(c);
            throw e;
        }
    }

    /** Fills the given ids if still NULL (the final sweep); the cursor does not move. */
    BatchResult fillIds(Connection c, ShardProgress progress, List<Long> ids) throws SQLException {
        try {
            setLocalTimeouts(c);
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
            rollbackQuietly(c);
            throw e;
        }
    }

    private void setLocalTimeouts(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT set_config('lock_timeout', ?, true), set_config('statement_timeout', ?, true)")) {
            ps.setString(1, PgDuration.toSetting(settings.lockTimeout()));
            ps.setString(2, PgDuration.toSetting(settings.statementTimeout()));
            ps.execute();
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

    static void rollbackQuietly(Connection c) {
        try {
            if (!c.isClosed()) {
                c.rollback();
            }
        } catch (SQLException ignored) {
            // the connection is gone; the server rolls the transaction back itself
        }
    }
}
