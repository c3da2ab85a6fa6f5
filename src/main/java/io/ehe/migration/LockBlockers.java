package io.ehe.migration;

import io.ehe.db.Secrets;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/** Who holds locks on the module's two tables right now: what an operator needs to see when a DDL gave up. */
public final class LockBlockers {

    private LockBlockers() {
    }

    public static List<String> describe(Connection connection) throws SQLException {
        List<String> out = new ArrayList<>();
        try (PreparedStatement ps = connection.prepareStatement("""
                SELECT DISTINCT a.pid, a.state, coalesce(a.application_name, ''),
                       date_trunc('second', now() - coalesce(a.xact_start, a.query_start))::text,
                       left(regexp_replace(coalesce(a.query, ''), '\\s+', ' ', 'g'), 200)
                  FROM pg_locks l
                  JOIN pg_stat_activity a ON a.pid = l.pid
                 WHERE l.granted
                   AND l.pid <> pg_backend_pid()
                   AND l.relation IN (to_regclass('public.events'), to_regclass('public.event_embeddings'))
                 ORDER BY 1""")) {
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add("pid " + rs.getInt(1) + " (" + rs.getString(2)
                            + (rs.getString(3).isEmpty() ? "" : ", " + rs.getString(3))
                            + ", transaction open " + rs.getString(4) + "): " + Secrets.mask(rs.getString(5)));
                }
            }
        }
        return out;
    }
}
