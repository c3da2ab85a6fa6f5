package io.ehe.migration;

import io.ehe.catalog.QueueGrants;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;

/**
 * The changelog parameter {@code ehe.queue_roles} the runner passes (changeSet 185-queue-grants): the
 * roles that work the queue, as one comma list. Normalized and defaulted to the stored list for the
 * reason {@link ReaderRoles} gives: a plain migrate never re-runs the runOnChange changeSet.
 */
public final class QueueRoles {

    public static final String PARAMETER = "ehe.queue_roles";
    public static final String OPTION = "--queue-role";

    private QueueRoles() {
    }

    /** The 185 changeSet: left out of the changeSet lists where it never ran and no queue role is named (it skips itself). */
    public static boolean isQueueGrants(String changeSetId) {
        return changeSetId.startsWith("185-queue-grants");
    }

    /** Some role other than "none" is named. */
    public static boolean namesAny(List<String> named) {
        return RoleList.namesAny(named);
    }

    /**
     * The parameter's value: {@code named} normalized, or the roles the database records when {@code named}
     * is null. Throws IllegalArgumentException for a name the list cannot carry and for a named role that
     * does not exist, before Liquibase runs (the changeSet checks again and fails the update).
     */
    public static String parameter(Connection c, List<String> named) throws SQLException {
        return RoleList.parameter(c, OPTION, named, named != null ? List.of() : QueueGrants.namedRoles(c));
    }
}
