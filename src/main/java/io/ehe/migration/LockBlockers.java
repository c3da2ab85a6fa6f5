package io.ehe.migration;

import io.ehe.db.Secrets;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * Who holds locks on the relations migrate takes locks on (the module's tables and Liquibase's
 * history table) right now: what an operator needs to see when a DDL gave up.
 */
public final class LockBlockers {

    /** The relations looked at, as written in messages. */
    public static final String WATCHED = "events, event_embeddings, event_embedding_pending, databasechangelog";

    private LockBlockers() {
    }

    /**
     * One line per session (or prepared transaction) holding a granted lock on a watched relation,
     * other than the caller: pid, state, application, transaction age, lock modes, query start and
     * the query (masked); a prepared transaction by its gid. Empty when none holds one now.
     */
    public static List<String> describe(Connection connection) throws SQLException {
        List<String> out = new ArrayList<>();
        try (PreparedStatement ps = connection.prepareStatement("""
                SELECT l.pid, coalesce(a.state, ''), coalesce(a.application_name, ''),
                       coalesce(date_trunc('second', now() - a.xact_start)::text, ''),
                       coalesce(to_char(a.query_start, 'YYYY-MM-DD"T"HH24:MI:SSOF'), ''),
                       left(regexp_replace(coalesce(a.query, ''), '\\s+', ' ', 'g'), 200),
                       string_agg(DISTINCT l.mode || ' on ' || l.relation::regclass::text, ', '),
                       p.gid, coalesce(date_trunc('second', now() - p.prepared)::text, '')
                  FROM pg_locks l
                  LEFT JOIN pg_stat_activity a ON a.pid = l.pid
                  LEFT JOIN pg_prepared_xacts p ON l.pid IS NULL AND l.virtualtransaction = '-1/' || p.transaction::text
                 WHERE l.granted
                   AND l.pid IS DISTINCT FROM pg_backend_pid()
                   AND l.relation IN (to_regclass('events'), to_regclass('event_embeddings'),
                                      to_regclass('event_embedding_pending'), to_regclass('databasechangelog'))
                 GROUP BY 1, 2, 3, 4, 5, 6, 8, 9
                 ORDER BY 1""")) {
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String locks = rs.getString(7);
                    if (rs.getString(8) != null) {
                        out.add("prepared transaction '" + Secrets.mask(rs.getString(8)) + "' (prepared " + rs.getString(9)
                                + " ago, holds " + locks + "; end it with COMMIT PREPARED or ROLLBACK PREPARED)");
                        continue;
                    }
                    if (rs.getObject(1) == null) {
                        out.add("an unidentified holder (holds " + locks + ")");
                        continue;
                    }
                    out.add("pid " + rs.getInt(1) + " (" + rs.getString(2)
                            + (rs.getString(3).isEmpty() ? "" : ", " + rs.getString(3))
                            + ", transaction open " + rs.getString(4) + ", query started " + rs.getString(5)
                            + ", holds " + locks + "): " + Secrets.mask(rs.getString(6)));
                }
            }
        }
        return out;
    }
}
