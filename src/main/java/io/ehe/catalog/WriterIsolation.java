package io.ehe.catalog;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * Where this database's writers would start their transactions above READ COMMITTED. Every trigger of
 * both designs takes a key (or a row lock) and then decides in a new statement, which at READ COMMITTED
 * sees what the key's previous holder committed (020, 110 and 140's numbered comments); at REPEATABLE
 * READ or SERIALIZABLE that statement reads the transaction's first snapshot, and a pair can be left
 * wrong (docs/roles-and-privileges.md: a stale pair seen on PostgreSQL 15). A session's own SET cannot
 * be seen from here; what can: {@code default_transaction_isolation} in pg_db_role_setting (ALTER ROLE
 * ... SET, ALTER DATABASE ... SET, ALTER ROLE ... IN DATABASE ... SET) and in the server's configuration.
 */
public final class WriterIsolation {

    /**
     * One setting above READ COMMITTED: {@code role} empty for every role, {@code database} empty for
     * every database, {@code server} true for the server's configuration (then both are empty);
     * {@code value} as PostgreSQL holds it (e.g. {@code repeatable read}).
     */
    public record Setting(String role, String database, boolean server, String value) {

        /** Where it comes from, in words. */
        public String where() {
            if (server) {
                return "the server's configuration";
            }
            return (role.isEmpty() ? "every role" : "role " + role) + (database.isEmpty() ? " in every database" : " in database " + database);
        }

        /** The statement that takes it back (a server setting: its configuration file). */
        public String fix() {
            if (server) {
                return "set default_transaction_isolation = 'read committed' in postgresql.conf (or remove it) and reload";
            }
            if (role.isEmpty()) {
                return "ALTER DATABASE " + ident(database) + " RESET default_transaction_isolation";
            }
            return "ALTER ROLE " + ident(role) + (database.isEmpty() ? "" : " IN DATABASE " + ident(database)) + " RESET default_transaction_isolation";
        }

        private static String ident(String name) {
            return name.matches("[a-z_][a-z0-9_$]*") ? name : "\"" + name.replace("\"", "\"\"") + "\"";
        }
    }

    private WriterIsolation() {
    }

    /**
     * The settings above READ COMMITTED that apply to this database and to {@code writers} (or to every
     * role), then the server's own where its configuration sets one; sorted by role and database.
     * Reads pg_db_role_setting and pg_settings, which any role may read.
     */
    public static List<Setting> aboveReadCommitted(Connection c, Collection<String> writers) throws SQLException {
        List<Setting> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("""
                SELECT coalesce(r.rolname, ''), coalesce(d.datname, ''),
                       lower(btrim(split_part(s.item, '=', 2), ' ''"'))
                  FROM pg_catalog.pg_db_role_setting x
                  LEFT JOIN pg_catalog.pg_roles r ON r.oid = x.setrole
                  LEFT JOIN pg_catalog.pg_database d ON d.oid = x.setdatabase
                 CROSS JOIN LATERAL unnest(x.setconfig) s(item)
                 WHERE (x.setdatabase = 0 OR d.datname = current_database())
                   AND (x.setrole = 0 OR r.rolname = ANY (?))
                   AND lower(split_part(s.item, '=', 1)) = 'default_transaction_isolation'
                   AND lower(btrim(split_part(s.item, '=', 2), ' ''"')) IN ('repeatable read', 'serializable')
                 ORDER BY 1, 2""")) {
            ps.setArray(1, c.createArrayOf("text", writers.toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new Setting(rs.getString(1), rs.getString(2), false, rs.getString(3)));
                }
            }
        }
        try (PreparedStatement ps = c.prepareStatement("""
                SELECT setting FROM pg_catalog.pg_settings
                 WHERE name = 'default_transaction_isolation' AND setting <> 'read committed'
                   AND source IN ('configuration file', 'command line', 'environment variable')""");
             ResultSet rs = ps.executeQuery()) {
            if (rs.next()) {
                out.add(new Setting("", "", true, rs.getString(1)));
            }
        }
        return out;
    }
}
