package io.ehe.design.pending;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.Optional;

/**
 * How far the fill's current plan (the rows of event_embedding_pending_bootstrap, changeSet 120) has
 * walked events, for status to say of a filling target: a filling target's rows so far are no count of
 * its backlog (issue 28, 9: "0 pending" was shown for a target whose fill had not started).
 *
 * <p>Percent of the plan's id range walked, summed over its shards: per shard (last_id - range_start)
 * out of (range_end - range_start), each range cut to the event ids there are now (the first shard
 * starts at -infinity, the last ends at +infinity); numeric, so those bounds cannot overflow. An id
 * range and not a row count: a row count of events would be a scan of events on every poll.
 *
 * @param planStartedAt the plan's first shard's start (the same instant the fill compares a target's
 *                      added_at with to make it ready, {@link TargetFillStep#onPlanComplete})
 * @param percent       0-100, of the id range walked
 */
record FillProgress(Instant planStartedAt, double percent) {

    /** The current plan's progress; empty when there is no plan (no backfill has started since the table was emptied). */
    static Optional<FillProgress> read(Connection c) throws SQLException {
        try (Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("""
                     WITH b AS (SELECT * FROM event_embedding_pending_bootstrap),
                          ids AS (SELECT (SELECT coalesce(min(id), 1) - 1 FROM events)::numeric AS lo,
                                         (SELECT coalesce(max(id), 0) FROM events)::numeric AS hi),
                          s AS (SELECT b.done, b.last_id::numeric AS last_id,
                                       greatest(b.range_start::numeric, ids.lo) AS lo,
                                       least(coalesce(b.range_end::numeric, ids.hi), greatest(ids.hi, ids.lo)) AS hi
                                  FROM b CROSS JOIN ids)
                     SELECT (SELECT min(started_at) FROM b),
                            sum(greatest(0, least(s.last_id, s.hi) - s.lo) ) FILTER (WHERE s.hi > s.lo)::float8,
                            sum(s.hi - s.lo) FILTER (WHERE s.hi > s.lo)::float8,
                            bool_and(s.done)
                       FROM s""")) {
            rs.next();
            Timestamp started = rs.getTimestamp(1);
            if (started == null) {
                return Optional.empty();
            }
            double walked = rs.getDouble(2);
            double range = rs.getDouble(3);
            double percent = rs.getBoolean(4) ? 100.0 : range <= 0 ? 0.0 : Math.min(100.0, 100.0 * walked / range);
            return Optional.of(new FillProgress(started.toInstant(), percent));
        }
    }

    /** This plan fills {@code target} (it was added before the plan started), so the plan's end makes it ready. */
    boolean covers(Target target) {
        return target.addedAt().isBefore(planStartedAt);
    }
}
