package io.ehe.catalog;

import java.sql.Array;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * What the roles that work the queue (the embedding workers) need, and the module's record of the roles
 * named as queue roles (changeSet 185-queue-grants, pending-table design, issue 27).
 *
 * The need is what the documented worker loop calls (docs/scheduler-on-claims.md): EXECUTE on
 * {@link #WORKER_CALLS}, each a SECURITY DEFINER function of changeSet 180, so no table privilege; and
 * USAGE on schema public, which the module never grants (the DBA's, usually PUBLIC's).
 */
public final class QueueGrants {

    /** The worker loop's functions, as regprocedure text (the same list as changeSet 185's). */
    /** Unqualified: the module's sessions find them in the module schema (Schemas); messages add the schema. */
    public static final List<String> WORKER_CALLS = List.of(
            "ehe_queue_claim(text,integer,double precision,text,integer)",
            "ehe_queue_extend(text,bigint[],uuid,double precision)",
            "ehe_queue_fail(text,bigint,uuid,text,boolean)",
            "ehe_queue_release(text,bigint[],uuid,double precision)",
            "ehe_queue_pause(text,timestamp with time zone,text)");

    /** The module's table of named queue roles (185; dropped with it). */
    public static final String ROLES_TABLE = "event_embedding_pending_queue_roles";

    private QueueGrants() {
    }

    /** The roles named as queue roles, sorted; empty when none is or 185 is not applied. */
    public static List<String> namedRoles(Connection c) throws SQLException {
        if (!CatalogQuery.tableExists(c, ROLES_TABLE)) {
            return new ArrayList<>();
        }
        return CatalogQuery.strings(c, "SELECT role_name FROM " + ROLES_TABLE + " ORDER BY role_name");
    }

    /**
     * What {@code role} lacks of what the worker loop needs, as PostgreSQL GRANT phrases ("USAGE ON
     * SCHEMA public", "EXECUTE ON FUNCTION ehe_queue_claim(...)"); a role that does not exist
     * lacks "the role itself", a database without changeSet 180 "the work queue". Empty when it can work
     * the queue. Privileges held through membership of an INHERIT role count, as PostgreSQL counts them.
     */
    /** The module schema's oid, from where the pending table is (the session's search_path finds it: Schemas). */
    private static final String MODULE_SCHEMA = "(SELECT k.relnamespace FROM pg_catalog.pg_class k WHERE k.oid = 'event_embedding_pending'::regclass)";

    public static List<String> missing(Connection c, String role) throws SQLException {
        if (!queueInstalled(c)) {
            return new ArrayList<>(List.of("the work queue (changeSet 180, not installed)"));
        }
        return CatalogQuery.missing(c,
                "SELECT ARRAY(SELECT need FROM (SELECT 'USAGE ON SCHEMA ' || " + MODULE_SCHEMA + "::regnamespace::text AS need,"
                        + " pg_catalog.has_schema_privilege(r.oid, " + MODULE_SCHEMA + ", 'USAGE') AS held"
                        + " UNION ALL SELECT 'EXECUTE ON FUNCTION ' || " + MODULE_SCHEMA + "::regnamespace::text || '.' || fn,"
                        + " pg_catalog.has_function_privilege(r.oid, fn, 'EXECUTE')"
                        + " FROM unnest(?::text[]) AS fn) n WHERE NOT held)"
                        + " FROM pg_catalog.pg_roles r WHERE r.rolname = ?",
                role, workerCalls(c));
    }

    /** Every role (PostgreSQL's own pg_* roles left out) that can make every call of the worker loop, sorted; empty without 180. */
    public static List<String> rolesThatCanWork(Connection c) throws SQLException {
        if (!queueInstalled(c)) {
            return new ArrayList<>();
        }
        return CatalogQuery.strings(c, "SELECT r.rolname FROM pg_catalog.pg_roles r WHERE r.rolname !~ '^pg_'"
                + " AND pg_catalog.has_schema_privilege(r.oid, " + MODULE_SCHEMA + ", 'USAGE')"
                + " AND NOT EXISTS (SELECT 1 FROM unnest(?::text[]) fn WHERE NOT pg_catalog.has_function_privilege(r.oid, fn, 'EXECUTE'))"
                + " ORDER BY 1", workerCalls(c));
    }

    /** Every function of the worker loop exists (changeSet 180 applied). */
    public static boolean queueInstalled(Connection c) throws SQLException {
        return CatalogQuery.bool(c, "SELECT bool_and(to_regprocedure(fn) IS NOT NULL) FROM unnest(?::text[]) fn", workerCalls(c));
    }

    private static Array workerCalls(Connection c) throws SQLException {
        return c.createArrayOf("text", WORKER_CALLS.toArray());
    }
}
