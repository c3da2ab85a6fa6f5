package io.ehe.migration;

import io.ehe.catalog.Design;
import io.ehe.catalog.ReaderGrants;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.TreeSet;

/**
 * The changelog parameter {@code ehe.reader_roles} the runner passes (changeSets 175-reader-grants-*):
 * the roles that read the answer, as one comma list.
 *
 * Why normalized and why the stored list by default: the parameter is substituted into a runOnChange
 * changeSet, whose checksum therefore follows the text. The runner always passes the same text for the
 * same set (sorted, each name once), and, when migrate names no reader, the set the database already
 * records, so a plain migrate never re-runs 175. "none" is the empty list (the changeSets' default).
 */
public final class ReaderRoles {

    public static final String PARAMETER = "ehe.reader_roles";
    public static final String NONE = "none";

    private ReaderRoles() {
    }

    /** One of the 175 changeSets: left out of the changeSet lists where it never ran and no reader is named (it skips itself). */
    public static boolean isReaderGrants(String changeSetId) {
        return changeSetId.startsWith("175-reader-grants-");
    }

    /**
     * The parameter's value: {@code named} normalized, or the roles {@code design} records when {@code named}
     * is null. Throws IllegalArgumentException for a name the list cannot carry (empty, a comma, a
     * dollar sign: the changeSet quotes the list with a dollar-quoted literal) and for a named role
     * that does not exist, before Liquibase runs (the changeSet checks again and fails the update).
     */
    public static String parameter(Connection c, Design design, List<String> named) throws SQLException {
        List<String> roles = named != null ? named : ReaderGrants.namedReaders(c, design);
        TreeSet<String> set = new TreeSet<>();
        for (String r : roles) {
            String name = r == null ? "" : r.strip();
            if (name.isEmpty() || name.contains(",") || name.contains("$")) {
                throw new IllegalArgumentException("--reader-role: not a role name the list can carry: '" + name
                        + "' (empty, or has a comma or a dollar sign)");
            }
            if (!NONE.equals(name)) {
                set.add(name);
            }
        }
        if (named != null) {
            for (String name : set) {
                if (!roleExists(c, name)) {
                    throw new IllegalArgumentException("--reader-role: role '" + name + "' does not exist; nothing was changed");
                }
            }
        }
        return set.isEmpty() ? NONE : String.join(",", set);
    }

    private static boolean roleExists(Connection c, String role) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = ?)")) {
            ps.setString(1, role);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        }
    }
}
