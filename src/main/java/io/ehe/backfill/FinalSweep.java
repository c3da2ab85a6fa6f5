package io.ehe.backfill;

import io.ehe.db.PgDuration;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * After the walk: finds every row of the shard's range that is still NULL (rows the walk skipped
 * because a writer held them locked, whatever the writer did next) and fills them the same
 * race-free way, by id. Rows that are still locked are retried with backoff, by id, without scanning
 * again. The scan is the one full read of the range the backfill makes; it is what lets success mean
 * "no NULL left". One scan is enough because nothing makes a row NULL again: the column's default
 * gives new rows false, and the triggers and the backfill only ever write true or false.
 */
final class FinalSweep {

    enum Outcome { CLEAN, ROWS_LOCKED, STOPPED }

    record Result(Outcome outcome, long filled, long stillLocked) {
    }

    /** Rows fetched per scan; a larger backlog (a walk that was skipped) is swept over several scans. */
    static final int SCAN_LIMIT = 100_000;

    private static final Logger LOG = LoggerFactory.getLogger("backfill");

    private static final String FIND_NULLS = """
            SELECT id FROM events
             WHERE has_embedding IS NULL AND id > ? AND id <= ?
             LIMIT ?""";

    private static final String STILL_NULL = "SELECT id FROM events WHERE id = ANY (?) AND has_embedding IS NULL";

    private final BackfillSettings settings;
    private final BatchExecutor executor;
    private final Retrier retrier;
    private final StopSignal stop;
    private final BackfillListener listener;

    FinalSweep(BackfillSettings settings, BatchExecutor executor, Retrier retrier, StopSignal stop, BackfillListener listener) {
        this.settings = settings;
        this.executor = executor;
        this.retrier = retrier;
        this.stop = stop;
        this.listener = listener;
    }

    Result run(ShardProgress progress, Counters counters, BatchSizer sizer) throws SQLException {
        long filled = 0;
        while (true) {
            List<Long> found = retrier.run("final sweep scan", c -> findNulls(c, progress));
            if (found == null) {
                return new Result(Outcome.STOPPED, filled, 0);
            }
            if (found.isEmpty()) {
                return new Result(Outcome.CLEAN, filled, 0);
            }
            LogLine.info(LOG, "final sweep of shard " + progress.shard() + ": " + found.size() + " NULL row(s) left by the walk",
                    sweepFields(progress.shard(), "rows_null", found.size()));
            List<Long> pending = found;
            int idleRounds = 0;
            while (!pending.isEmpty()) {
                long before = filled;
                for (List<Long> chunk : chunks(pending, sizer.next())) {
                    BatchResult r = retrier.run("final sweep batch", c -> executor.fillIds(c, progress, chunk));
                    if (r == null) {
                        return new Result(Outcome.STOPPED, filled, pending.size());
                    }
                    filled += r.updated();
                    counters.add(r);
                    listener.onBatch(r);
                }
                List<Long> check = pending;
                pending = retrier.run("final sweep check", c -> stillNull(c, check));
                if (pending == null) {
                    return new Result(Outcome.STOPPED, filled, check.size());
                }
                if (pending.isEmpty()) {
                    break;
                }
                idleRounds = filled > before ? 0 : idleRounds + 1;
                if (idleRounds > settings.maxRetries()) {
                    return new Result(Outcome.ROWS_LOCKED, filled, pending.size());
                }
                Duration pause = Retrier.backoff(idleRounds);
                Map<String, Object> fields = sweepFields(progress.shard(), "rows_locked", pending.size());
                fields.put("retry_in_ms", pause.toMillis());
                LogLine.info(LOG, "final sweep of shard " + progress.shard() + ": " + pending.size()
                        + " row(s) locked by other transactions; trying again in " + PgDuration.human(pause), fields);
                if (stop.sleep(pause)) {
                    return new Result(Outcome.STOPPED, filled, pending.size());
                }
            }
            if (found.size() < SCAN_LIMIT) {
                return new Result(Outcome.CLEAN, filled, 0);
            }
        }
    }

    /**
     * The scan reads the whole range, so it gets a longer statement_timeout than a batch (ten
     * times); it takes no row lock. No ORDER BY: a sequential scan may stop at the limit.
     */
    private List<Long> findNulls(Connection c, ShardProgress progress) throws SQLException {
        try (PreparedStatement set = c.prepareStatement(
                "SELECT set_config('lock_timeout', ?, true), set_config('statement_timeout', ?, true)")) {
            set.setString(1, PgDuration.toSetting(settings.lockTimeout()));
            set.setString(2, PgDuration.toSetting(settings.statementTimeout().multipliedBy(10)));
            set.execute();
            List<Long> ids = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(FIND_NULLS)) {
                ps.setLong(1, progress.rangeStart());
                ps.setLong(2, progress.rangeEnd());
                ps.setInt(3, SCAN_LIMIT);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        ids.add(rs.getLong(1));
                    }
                }
            }
            c.commit();
            Collections.sort(ids);
            return ids;
        } catch (SQLException e) {
            BatchTransaction.rollbackQuietly(c);
            throw e;
        }
    }

    private static List<Long> stillNull(Connection c, List<Long> ids) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(STILL_NULL)) {
            Array array = c.createArrayOf("bigint", ids.toArray());
            ps.setArray(1, array);
            List<Long> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getLong(1));
                }
            }
            c.commit();
            Collections.sort(out);
            return out;
        } catch (SQLException e) {
            BatchTransaction.rollbackQuietly(c);
            throw e;
        }
    }

    private static Map<String, Object> sweepFields(Shard shard, String countKey, long count) {
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("log_event", "backfill_sweep");
        f.putAll(shard.logFields());
        f.put(countKey, count);
        return f;
    }

    private static List<List<Long>> chunks(List<Long> ids, int size) {
        List<List<Long>> out = new ArrayList<>();
        for (int i = 0; i < ids.size(); i += size) {
            out.add(ids.subList(i, Math.min(ids.size(), i + size)));
        }
        return out;
    }
}
