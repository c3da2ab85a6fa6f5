package io.ehe.db;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * Who holds a granted lock on some relations right now, looked at after a statement gave up on its
 * lock: the waiting session's own lock request is gone by then, so pg_blocking_pids has nothing to say,
 * but the holder usually still holds on. Each worded as {@link Blocker}, with the locks it holds.
 */
public final class LockHolders {

    private static final String HOLDERS = """
            SELECT %s, string_agg(DISTINCT l.mode || ' on ' || l.relation::regclass::text, ', ')
              FROM pg_catalog.pg_locks l
              LEFT JOIN pg_catalog.pg_stat_activity a ON a.pid = l.pid
              LEFT JOIN pg_catalog.pg_prepared_xacts p ON l.pid IS NULL AND l.virtualtransaction = '-1/' || p.transaction::text
             WHERE l.granted
               AND l.pid IS DISTINCT FROM pg_catalog.pg_backend_pid()
               AND l.relation = ANY (SELECT to_regclass(r) FROM unnest(?::text[]) r)
             GROUP BY 1, 2, 3, 4, 5, 6, 7
             ORDER BY 1""".formatted("coalesce(l.pid, 0), coalesce(a.usename, p.owner)::text, CASE WHEN p.gid IS NULL THEN a.state ELSE 'prepared' END,"
            + " coalesce(a.xact_start, p.prepared), a.query_start,"
            + " extract(epoch FROM now() - coalesce(a.xact_start, p.prepared))::float8, p.gid");

    private LockHolders() {
    }

    /**
     * One line per session (or prepared transaction) other than the caller holding a granted lock on
     * one of {@code relations} (names resolved on the session's search_path), e.g. {@code pid 4711 (role
     * app, ...) holding RowShareLock on events}. Empty when none holds one now.
     */
    public static List<String> on(Connection connection, List<String> relations) throws SQLException {
        List<String> out = new ArrayList<>();
        try (PreparedStatement ps = connection.prepareStatement(HOLDERS)) {
            ps.setArray(1, connection.createArrayOf("text", relations.toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(Blocker.read(rs, 1).describe() + " holding " + rs.getString(8));
                }
            }
        }
        return out;
    }
}
