package io.ehe.bench;

import java.sql.ResultSet;
import java.sql.Statement;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A query's execution time as the server counts it (EXPLAIN ANALYZE with TIMING OFF: no per-node clock
 * calls, no network, no planning), which is what pg_stat_statements' mean_exec_time reported for the
 * seed; and its plan with buffers, for the report.
 */
final class ServerTime {

    private static final Pattern EXECUTION_TIME = Pattern.compile("\"Execution Time\":\\s*([0-9.]+)");

    private ServerTime() {
    }

    static double executionMillis(Statement st, String sql) throws Exception {
        try (ResultSet rs = st.executeQuery("EXPLAIN (ANALYZE, TIMING OFF, FORMAT JSON) " + sql)) {
            rs.next();
            Matcher m = EXECUTION_TIME.matcher(rs.getString(1));
            if (!m.find()) {
                throw new IllegalStateException("no Execution Time in EXPLAIN output of " + sql);
            }
            return Double.parseDouble(m.group(1));
        }
    }

    static String plan(Statement st, String sql) throws Exception {
        StringBuilder out = new StringBuilder();
        try (ResultSet rs = st.executeQuery("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + sql)) {
            while (rs.next()) {
                out.append(rs.getString(1)).append('\n');
            }
        }
        return out.toString();
    }
}
