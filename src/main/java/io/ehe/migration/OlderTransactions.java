package io.ehe.migration;

import io.ehe.db.PgDuration;
import io.ehe.db.Secrets;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * What CREATE (or DROP) INDEX CONCURRENTLY waited for: it holds no lock anyone else wants, but waits
 * for every transaction of this database that started before it, on any table, and for prepared
 * transactions. Looked at right after the build gave up, a transaction still open that began at
 * least the wait's timeout ago was open for the whole wait: that is the blocker, whatever it touched.
 */
public final class OlderTransactions {

    private OlderTransactions() {
    }

    /**
     * One line per session (pid, state, application, transaction age, query start, the query masked)
     * or prepared transaction (gid, owner, age) of the current database whose transaction is at least
     * {@code waited} old; the caller's own session excluded. Empty when none.
     */
    public static List<String> describe(Connection connection, PgDuration waited) throws SQLException {
        List<String> out = new ArrayList<>();
        try (PreparedStatement ps = connection.prepareStatement("""
                SELECT pid, coalesce(state, ''), coalesce(application_name, ''),
                       date_trunc('second', now() - xact_start)::text,
                       coalesce(to_char(query_start, 'YYYY-MM-DD"T"HH24:MI:SSOF'), ''),
                       left(regexp_replace(coalesce(query, ''), '\\s+', ' ', 'g'), 200)
                  FROM pg_stat_activity
                 WHERE datname = current_database()
                   AND pid <> pg_backend_pid()
                   AND xact_start <= now() - ?::interval
                   AND (backend_xid IS NOT NULL OR backend_xmin IS NOT NULL)
                 ORDER BY xact_start""")) {
            ps.setString(1, waited.toString());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add("pid " + rs.getInt(1) + " (" + rs.getString(2)
                            + (rs.getString(3).isEmpty() ? "" : ", " + rs.getString(3))
                            + ", transaction open " + rs.getString(4) + ", query started " + rs.getString(5) + "): "
                            + Secrets.mask(rs.getString(6)));
                }
            }
        }
        try (PreparedStatement ps = connection.prepareStatement("""
                SELECT gid, date_trunc('second', now() - prepared)::text, owner
                  FROM pg_prepared_xacts
                 WHERE database = current_database() AND prepared <= now() - ?::interval
                 ORDER BY prepared""")) {
            ps.setString(1, waited.toString());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add("prepared transaction '" + Secrets.mask(rs.getString(1)) + "' (owner " + rs.getString(3)
                            + ", prepared " + rs.getString(2) + " ago; end it with COMMIT PREPARED or ROLLBACK PREPARED)");
                }
            }
        }
        return out;
    }
}
