package io.ehe.status;

import io.ehe.db.ConnectionFactory;
import io.ehe.db.SqlErrors;
import io.ehe.migration.WrongDatabaseException;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;

/**
 * The role status needs: the module's owner (or a member of it, or a superuser). Status reports on the
 * module's own tables (changeSet history, fill progress, targets, the named roles), which issue 24 keeps
 * from the app's role and the scheduler's reader roles on purpose; granting them to every role that
 * might run status would undo that. So a refused read becomes one line naming the owner to run it as
 * (exit 6, wrong role), instead of the server's "permission denied for table ..." and exit 1 (a
 * new-user trial, issue 28). The refusal is thrown before the report is printed, so no half report
 * reaches stdout to be read as an answer.
 */
public final class StatusRole {

    /** SQLSTATE insufficient_privilege. */
    static final String INSUFFICIENT_PRIVILEGE = "42501";

    /** A read of the status, which may be refused for the role. */
    public interface Read<T> {
        T get() throws Exception;
    }

    private StatusRole() {
    }

    /** {@code read}'s result; a refused privilege as the one line naming the role status needs. */
    public static <T> T needed(ConnectionFactory connections, Read<T> read) throws Exception {
        try {
            return read.get();
        } catch (Exception e) {
            if (!SqlErrors.hasState(e, INSUFFICIENT_PRIVILEGE)) {
                throw e;
            }
            WrongDatabaseException refusal = new WrongDatabaseException(message(connections));
            refusal.initCause(e);
            throw refusal;
        }
    }

    static String message(ConnectionFactory connections) throws Exception {
        String me;
        List<String> owners = new ArrayList<>();
        // Catalog reads only: they work for the role that was just refused.
        try (Connection c = connections.readOnly().open();
             PreparedStatement ps = c.prepareStatement("""
                     SELECT current_user, (SELECT string_agg(DISTINCT pg_catalog.pg_get_userbyid(k.relowner), ' or ')
                                             FROM pg_catalog.pg_class k JOIN pg_catalog.pg_namespace n ON n.oid = k.relnamespace
                                            WHERE n.nspname = ? AND k.relname IN ('event_embedding_pending', 'events_has_embedding_backfill'))""")) {
            ps.setString(1, connections.schemas().module());
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                me = rs.getString(1);
                if (rs.getString(2) != null) {
                    owners.add(rs.getString(2));
                }
            }
        }
        String owner = owners.isEmpty() ? "(the role that ran migrate)" : owners.get(0);
        return "status needs the module's owner role " + owner + " (or a member of it, or a superuser): role " + me
                + " may not read the module's own tables, which status reports on (the app's role and the reader roles"
                + " get only what their queries need); run status as " + owner;
    }
}
