package io.ehe.db;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * A session or prepared transaction that a wait waits for, in the one wording every wait line, refusal
 * and error line uses (issue 28): pid, role, state, transaction start and age, query start. Never the
 * query text: an app's literals can be customer data, and masking finds passwords only. The role comes
 * from pg_stat_activity.usename, which every role may read; state and times are null where
 * pg_stat_activity hides them from this role (another role's session without pg_read_all_stats).
 *
 * @param pid        the backend; 0 for a holder without a session (a prepared transaction)
 * @param gid        a prepared transaction's gid (null for a session); {@code role} is then its owner
 */
public record Blocker(int pid, String role, String state, Instant since, Duration age, Instant queryStart, String gid) {

    /**
     * The columns {@link #read} expects, for a session from pg_stat_activity aliased {@code a} whose pid
     * is {@code pid} (pg_locks.pid or a blocking pid: the row of {@code a} may be missing).
     */
    public static String columns(String pid, String a) {
        return pid + ", " + a + ".usename::text, " + a + ".state, " + a + ".xact_start, " + a + ".query_start, "
                + "extract(epoch FROM clock_timestamp() - " + a + ".xact_start)::float8, NULL::text";
    }

    /** {@link #columns}' shape for pg_prepared_xacts aliased {@code p}. */
    public static String preparedColumns(String p) {
        return "0, " + p + ".owner::text, 'prepared'::text, " + p + ".prepared, NULL::timestamptz, "
                + "extract(epoch FROM clock_timestamp() - " + p + ".prepared)::float8, " + p + ".gid";
    }

    /** The row in {@link #columns}' shape starting at column {@code from}. */
    public static Blocker read(ResultSet rs, int from) throws SQLException {
        Timestamp since = rs.getTimestamp(from + 3);
        Timestamp query = rs.getTimestamp(from + 4);
        return new Blocker(rs.getInt(from), rs.getString(from + 1), rs.getString(from + 2), since == null ? null : since.toInstant(),
                since == null ? null : Duration.ofMillis(Math.max(0, (long) (rs.getDouble(from + 5) * 1000))),
                query == null ? null : query.toInstant(), rs.getString(from + 6));
    }

    public boolean prepared() {
        return gid != null;
    }

    /** One line, e.g. {@code pid 4711 (role app, idle in transaction, transaction open since ... (age 3m12s), query started ...)}. */
    public String describe() {
        if (gid != null) {
            return "prepared transaction '" + Secrets.mask(gid) + "' (owner " + role + ", prepared since " + time(since) + " (age "
                    + PgDuration.human(age) + "); end it with COMMIT PREPARED or ROLLBACK PREPARED)";
        }
        if (pid == 0) {
            return "a prepared transaction (see pg_prepared_xacts; end it with COMMIT PREPARED or ROLLBACK PREPARED)";
        }
        return "pid " + pid + " (role " + (role == null ? "unknown: the session ended" : role)
                + ", " + (state == null ? "state hidden from this role" : state)
                + (since == null ? (state == null ? ", transaction start hidden from this role (pg_read_all_stats shows it)" : ", no transaction open")
                        : ", transaction open since " + time(since) + " (age " + PgDuration.human(age) + ")")
                + (queryStart == null ? "" : ", query started " + time(queryStart)) + ")";
    }

    private static String time(Instant t) {
        return t.truncatedTo(ChronoUnit.SECONDS).toString();
    }
}
