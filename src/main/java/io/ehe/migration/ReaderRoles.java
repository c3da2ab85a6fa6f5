package io.ehe.migration;

import io.ehe.catalog.Design;
import io.ehe.catalog.ReaderGrants;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;

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
    public static final String NONE = RoleList.NONE;

    private ReaderRoles() {
    }

    /** One of the 175 changeSets: left out of the changeSet lists where it never ran and no reader is named (it skips itself). */
    public static boolean isReaderGrants(String changeSetId) {
        return changeSetId.startsWith("175-reader-grants-");
    }

    private static List<String> stored(Connection c, Design design) throws SQLException {
        List<String> own = ReaderGrants.namedReaders(c, design);
        return own.isEmpty() ? ReaderGrants.carriedReaders(c, design) : own;
    }

    /**
     * The parameter's value: {@code named} normalized, or, when {@code named} is null, the roles
     * {@code design} records, or on its first install beside the other design those the other records
     * ({@link ReaderGrants#carriedReaders}: a move between designs keeps the scheduler's role). Throws IllegalArgumentException for a name the list cannot carry (empty, a comma, a
     * dollar sign: the changeSet quotes the list with a dollar-quoted literal) and for a named role
     * that does not exist, before Liquibase runs (the changeSet checks again and fails the update).
     */
    public static String parameter(Connection c, Design design, List<String> named) throws SQLException {
        return RoleList.parameter(c, "--reader-role", named, named != null ? List.of() : stored(c, design));
    }
}
