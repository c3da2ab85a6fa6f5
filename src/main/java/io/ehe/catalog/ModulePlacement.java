package io.ehe.catalog;

import io.ehe.db.Schemas;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
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
     * in {@link Schemas#tables()}, or the module keeping them lives in another module schema, or (the module
     * schema holding none of the module's tables) a half-finished install sits in another schema
     * ({@link #moduleElsewhere}). One check for every command that opens the app's database.
     */
    public static Optional<String> wrongPlace(Connection c, Schemas schemas, String where) throws SQLException {
        if (!tablesExist(c, schemas)) {
            List<String> found = tablesSchemas(c);
            return Optional.of("tables " + schemas.tables() + ".events and " + schemas.tables() + ".event_embeddings not found in "
                    + where + (found.isEmpty() ? ": wrong database or --schema?"
                    : "; they are in schema " + String.join(", ", found) + ": pass --schema " + found.get(0) + " (EHE_SCHEMA).")
                    + " Nothing was changed.");
        }
        Optional<String> elsewhere = installedElsewhere(c, schemas).map(other -> elsewhereMessage(schemas, other));
        if (elsewhere.isPresent() || moduleTablesIn(c, schemas.module())) {
            return elsewhere;
        }
        // A half-finished install elsewhere has no trigger yet for installedElsewhere to see: without this,
        // a migrate that forgot --module-schema installed the default design beside it (a new-user trial).
        return moduleElsewhere(c, schemas);
    }

    /** Whether {@code schema} holds one of the module's own tables (either design's). */
    private static boolean moduleTablesIn(Connection c, String schema) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_class k JOIN pg_catalog.pg_namespace n ON n.oid = k.relnamespace
                                WHERE n.nspname = ? AND k.relname IN ('event_embedding_pending', 'events_has_embedding_backfill'))""")) {
            ps.setString(1, schema);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        }
    }

    /** The schemas that hold both events and event_embeddings, by name (catalog only: no privilege needed). */
    private static List<String> tablesSchemas(Connection c) throws SQLException {
        List<String> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("""
                SELECT n.nspname FROM pg_catalog.pg_namespace n
                 WHERE EXISTS (SELECT 1 FROM pg_catalog.pg_class k WHERE k.relnamespace = n.oid AND k.relname = 'events' AND k.relkind IN ('r', 'p'))
                   AND EXISTS (SELECT 1 FROM pg_catalog.pg_class k WHERE k.relnamespace = n.oid AND k.relname = 'event_embeddings' AND k.relkind IN ('r', 'p'))
                 ORDER BY 1""");
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }

    /**
     * Where a module that is not in {@link Schemas#module()} was found, as one line saying which
     * --module-schema to pass, or empty. For a database where neither design's objects are found with
     * these schemas: a half-finished install (say changeSets 000 and 100 applied, no trigger yet, so
     * {@link #installedElsewhere} sees nothing) looked at with the wrong flags is no "module not
     * installed". A schema counts when it holds one of the module's own tables (the pending table,
     * the backfill's progress table), has no events tables of its own (else it is another tenant's
     * module, schema-per-tenant) unless it is the schema of these very tables (the default module schema:
     * an install there with a wrong --module-schema read as "not ready", exit 5) and no ehe_* function of
     * it is a trigger of other tables than these.
     */
    public static Optional<String> moduleElsewhere(Connection c, Schemas schemas) throws SQLException {
        List<String> found = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("""
                SELECT n.nspname FROM pg_catalog.pg_namespace n
                 WHERE n.nspname <> ?
                   AND EXISTS (SELECT 1 FROM pg_catalog.pg_class k WHERE k.relnamespace = n.oid
                                  AND k.relname IN ('event_embedding_pending', 'events_has_embedding_backfill'))
                   AND (n.nspname = ? OR NOT EXISTS (SELECT 1 FROM pg_catalog.pg_class k WHERE k.relnamespace = n.oid AND k.relname = 'events'))
                   AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_trigger t JOIN pg_catalog.pg_proc p ON p.oid = t.tgfoid
                                    WHERE p.pronamespace = n.oid AND p.proname LIKE 'ehe\\_%'
                                      AND t.tgrelid NOT IN (coalesce(to_regclass(? || '.events')::oid, 0), coalesce(to_regclass(? || '.event_embeddings')::oid, 0)))
                 ORDER BY 1""")) {
            ps.setString(1, schemas.module());
            ps.setString(2, schemas.tables());
            ps.setString(3, schemas.tables());
            ps.setString(4, schemas.tables());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    found.add(rs.getString(1));
                }
            }
        }
        if (found.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of("no module objects in schema " + schemas.module() + " (--module-schema), but the module's tables are in schema "
                + String.join(", ", found) + " (an install there, perhaps half-finished): pass --module-schema " + found.get(0)
                + " (EHE_MODULE_SCHEMA) with --schema " + schemas.tables() + "; nothing was changed");
    }

    /** One line for {@link #installedElsewhere}: where the module is and what to pass. */
    public static String elsewhereMessage(Schemas schemas, String installedIn) {
        return "the module that keeps " + schemas.tables() + ".events is installed in schema " + installedIn
                + ", not " + schemas.module() + ": pass --module-schema " + installedIn + " (EHE_MODULE_SCHEMA); nothing was changed";
    }
}
