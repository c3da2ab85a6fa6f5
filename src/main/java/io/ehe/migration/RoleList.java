package io.ehe.migration;

import io.ehe.catalog.CatalogQuery;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.TreeSet;

/**
 * A list of role names as a runOnChange changeSet's parameter (175's reader roles, 185's queue roles).
 *
 * Why normalized: the parameter is substituted into the changeSet, whose checksum follows the text, so
 * the same set must always give the same text (sorted, each name once); "none" is the empty list.
 */
final class RoleList {

    static final String NONE = "none";

    private RoleList() {
    }

    /**
     * The parameter's value: {@code named} normalized, or {@code stored} when {@code named} is null.
     * Throws IllegalArgumentException, naming {@code option}, for a name the list cannot carry (empty, a
     * comma, a dollar sign: the changeSets quote the list with a dollar-quoted literal) and for a named
     * role that does not exist, before Liquibase runs.
     */
    static String parameter(Connection c, String option, List<String> named, List<String> stored) throws SQLException {
        List<String> roles = named != null ? named : stored;
        TreeSet<String> set = new TreeSet<>();
        for (String r : roles) {
            String name = r == null ? "" : r.strip();
            if (name.isEmpty() || name.contains(",") || name.contains("$")) {
                throw new IllegalArgumentException(option + ": not a role name the list can carry: '" + name
                        + "' (empty, or has a comma or a dollar sign)");
            }
            if (!NONE.equals(name)) {
                set.add(name);
            }
        }
        if (named != null) {
            for (String name : set) {
                if (!CatalogQuery.bool(c, "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = ?)", name)) {
                    throw new IllegalArgumentException(option + ": role '" + name + "' does not exist; nothing was changed");
                }
            }
        }
        return set.isEmpty() ? NONE : String.join(",", set);
    }

    /** Some role other than "none" is named (null: none given). */
    static boolean namesAny(List<String> named) {
        return named != null && named.stream().anyMatch(r -> r != null && !r.isBlank() && !NONE.equals(r.strip()));
    }
}
