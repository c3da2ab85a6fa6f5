package io.ehe.catalog;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The module's one-row and one-column queries, each bound to its parameters in order (a
 * {@link String}, a {@link Long} or a {@link java.sql.Array}), so that their callers state only their SQL:
 * mostly catalog reads, also a module function's one result (partitions sync's setup and record steps).
 * It runs the statement on the caller's session and never commits: transactions stay the caller's.
 */
public final class CatalogQuery {

    private CatalogQuery() {
    }

    /** The table (or other relation) {@code name} resolves on the session's search_path. */
    public static boolean tableExists(Connection c, String name) throws SQLException {
        return bool(c, "SELECT to_regclass(?) IS NOT NULL", name);
    }

    /** The first column of the query's first row, as a boolean. */
    public static boolean bool(Connection c, String sql, Object... params) throws SQLException {
        try (PreparedStatement ps = bound(c, sql, params); ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getBoolean(1);
        }
    }

    /** The first column of the query's first row, as a long. */
    public static long number(Connection c, String sql, Object... params) throws SQLException {
        try (PreparedStatement ps = bound(c, sql, params); ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** The first column of the query's first row, as text. */
    public static String text(Connection c, String sql, Object... params) throws SQLException {
        try (PreparedStatement ps = bound(c, sql, params); ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getString(1);
        }
    }

    /** The first column of every row, in the query's order. */
    public static List<String> strings(Connection c, String sql, Object... params) throws SQLException {
        List<String> out = new ArrayList<>();
        try (PreparedStatement ps = bound(c, sql, params); ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }

    /**
     * What a role lacks, from a query of one text[] row per role of that name (the role's name the
     * last parameter): the array's phrases, or "the role itself" when no role has {@code role}'s name.
     */
    static List<String> missing(Connection c, String sql, String role, Object... before) throws SQLException {
        Object[] params = Arrays.copyOf(before, before.length + 1);
        params[before.length] = role;
        try (PreparedStatement ps = bound(c, sql, params); ResultSet rs = ps.executeQuery()) {
            if (!rs.next()) {
                return new ArrayList<>(List.of("the role itself (role \"" + role + "\" does not exist)"));
            }
            return new ArrayList<>(Arrays.asList((String[]) rs.getArray(1).getArray()));
        }
    }

    private static PreparedStatement bound(Connection c, String sql, Object... params) throws SQLException {
        PreparedStatement ps = c.prepareStatement(sql);
        try {
            for (int i = 0; i < params.length; i++) {
                if (params[i] instanceof Array a) {
                    ps.setArray(i + 1, a);
                } else if (params[i] instanceof Long l) {
                    ps.setLong(i + 1, l);
                } else {
                    ps.setString(i + 1, (String) params[i]);
                }
            }
            return ps;
        } catch (SQLException | RuntimeException e) {
            ps.close();
            throw e;
        }
    }
}
