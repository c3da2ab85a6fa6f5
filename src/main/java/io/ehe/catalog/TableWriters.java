package io.ehe.catalog;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * The roles that can write a table (issue 24: whoever writes events or event_embeddings fires the
 * module's triggers). PostgreSQL's own pg_* roles are left out (pg_write_all_data is everyone's
 * concern, not the module's); superusers are listed and marked.
 */
public final class TableWriters {

    /**
     * One role: {@code privileges} among INSERT, UPDATE, DELETE, held directly, through PUBLIC or through
     * membership of an INHERIT role (as PostgreSQL checks them; INSERT or UPDATE on some columns counts).
     */
    public record Writer(String role, List<String> privileges, boolean superuser) {
    }

    private TableWriters() {
    }

    /** The writers of {@code table} (schema-qualified), sorted by role; empty when the table does not exist. */
    public static List<Writer> of(Connection c, String table) throws SQLException {
        List<Writer> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("""
                SELECT r.rolname, r.rolsuper, array_remove(ARRAY[
                         CASE WHEN pg_catalog.has_any_column_privilege(r.oid, t.oid, 'INSERT') THEN 'INSERT' END,
                         CASE WHEN pg_catalog.has_any_column_privilege(r.oid, t.oid, 'UPDATE') THEN 'UPDATE' END,
                         CASE WHEN pg_catalog.has_table_privilege(r.oid, t.oid, 'DELETE') THEN 'DELETE' END], NULL)
                  FROM pg_catalog.pg_roles r, (SELECT to_regclass(?) AS oid) t
                 WHERE t.oid IS NOT NULL AND r.rolname !~ '^pg_'
                   AND (pg_catalog.has_any_column_privilege(r.oid, t.oid, 'INSERT')
                        OR pg_catalog.has_any_column_privilege(r.oid, t.oid, 'UPDATE')
                        OR pg_catalog.has_table_privilege(r.oid, t.oid, 'DELETE'))
                 ORDER BY 1""")) {
            ps.setString(1, table);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    Array a = rs.getArray(3);
                    out.add(new Writer(rs.getString(1), List.of((String[]) a.getArray()), rs.getBoolean(2)));
                }
            }
        }
        return out;
    }
}
