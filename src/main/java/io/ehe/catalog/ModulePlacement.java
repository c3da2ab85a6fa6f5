package io.ehe.catalog;

import io.ehe.db.Schemas;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Optional;

/**
 * Whether the app's tables are where the command was told ({@link Schemas#tables()}), and whether the
 * module that already keeps them lives in another schema than {@link Schemas#module()}: a command run
 * with the wrong --module-schema would otherwise find no history and install a second copy of the
 * triggers beside the first. Several copies of the module, one per schema of tables (schema-per-tenant),
 * stay possible: only the triggers on these very tables are asked.
 */
public final class ModulePlacement {

    private ModulePlacement() {
    }

    /** events and event_embeddings both exist in the tables' schema. */
    public static boolean tablesExist(Connection c, Schemas schemas) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT to_regclass(? || '.events') IS NOT NULL AND to_regclass(? || '.event_embeddings') IS NOT NULL")) {
            ps.setString(1, schemas.tables());
            ps.setString(2, schemas.tables());
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        }
    }

    /**
     * The schema of the module functions that the triggers on the tables call, when it is not the
     * module schema given (empty when the triggers call none, or only functions in that schema). Module
     * functions are the ones named ehe_* (every changeSet's trigger functions are).
     */
    public static Optional<String> installedElsewhere(Connection c, Schemas schemas) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                SELECT min(n.nspname)
                  FROM pg_catalog.pg_trigger t
                  JOIN pg_catalog.pg_proc p ON p.oid = t.tgfoid
                  JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
                 WHERE t.tgrelid IN (to_regclass(? || '.events'), to_regclass(? || '.event_embeddings'))
                   AND p.proname LIKE 'ehe\\_%' AND n.nspname <> ?""")) {
            ps.setString(1, schemas.tables());
            ps.setString(2, schemas.tables());
            ps.setString(3, schemas.module());
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return Optional.ofNullable(rs.getString(1));
            }
        }
    }

    /**
     * Why the session's role cannot install the module here, or empty: it must be the owner of both
     * tables or a member of the owner role (ALTER TABLE, CREATE TRIGGER and CREATE INDEX need that), and
     * may CREATE in the module schema. Asked before the first change, so a role that lacks either changes
     * nothing (without it, the pending-table design's first changeSet, a table of its own, would apply and
     * the second fail).
     */
    public static Optional<String> cannotInstall(Connection c, Schemas schemas) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                SELECT (SELECT string_agg(format('%s.%s (owned by %s)', n.nspname, k.relname, k.relowner::regrole), ', ' ORDER BY k.relname)
                          FROM pg_catalog.pg_class k JOIN pg_catalog.pg_namespace n ON n.oid = k.relnamespace
                         WHERE k.oid IN (to_regclass(? || '.events'), to_regclass(? || '.event_embeddings'))
                           AND NOT pg_catalog.pg_has_role(current_user, k.relowner, 'USAGE')),
                       (SELECT string_agg(DISTINCT k.relowner::regrole::text, ', ')
                          FROM pg_catalog.pg_class k
                         WHERE k.oid IN (to_regclass(? || '.events'), to_regclass(? || '.event_embeddings'))),
                       coalesce(pg_catalog.has_schema_privilege(to_regnamespace(?), 'CREATE'), false),
                       to_regnamespace(?) IS NOT NULL,
                       current_user""")) {
            for (int i = 1; i <= 4; i++) {
                ps.setString(i, schemas.tables());
            }
            ps.setString(5, schemas.module());
            ps.setString(6, schemas.module());
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                String notOwned = rs.getString(1);
                String role = rs.getString(5);
                if (notOwned != null) {
                    return Optional.of("role " + role + " may not alter " + notOwned + ": run migrate as the owner or a member of it"
                            + " (GRANT " + rs.getString(2) + " TO " + role + "); nothing was changed");
                }
                if (!rs.getBoolean(4)) {
                    return Optional.of("schema " + schemas.module() + " (--module-schema) does not exist: create it first"
                            + " (the module never creates a schema); nothing was changed");
                }
                if (!rs.getBoolean(3)) {
                    return Optional.of("role " + role + " may not CREATE in schema " + schemas.module()
                            + " (--module-schema): GRANT CREATE ON SCHEMA " + schemas.module() + " TO " + role + "; nothing was changed");
                }
                return Optional.empty();
            }
        }
    }

    /**
     * Why this database and these schemas are the wrong place for a command, or empty: the tables are not
     * in {@link Schemas#tables()}, or the module keeping them lives in another module schema. One check
     * for every command that opens the app's database (migrate, status).
     */
    public static Optional<String> wrongPlace(Connection c, Schemas schemas, String where) throws SQLException {
        if (!tablesExist(c, schemas)) {
            return Optional.of("tables " + schemas.tables() + ".events and " + schemas.tables() + ".event_embeddings not found in "
                    + where + ": wrong database or --schema? Nothing was changed.");
        }
        return installedElsewhere(c, schemas).map(other -> elsewhereMessage(schemas, other));
    }

    /** One line for {@link #installedElsewhere}: where the module is and what to pass. */
    public static String elsewhereMessage(Schemas schemas, String installedIn) {
        return "the module that keeps " + schemas.tables() + ".events is installed in schema " + installedIn
                + ", not " + schemas.module() + ": pass --module-schema " + installedIn + " (EHE_MODULE_SCHEMA); nothing was changed";
    }
}
