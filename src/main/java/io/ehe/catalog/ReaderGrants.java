package io.ehe.catalog;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * What the roles that read the answer (the scheduler) need, per design, and the module's record of the
 * roles named as readers (changeSets 175-reader-grants-column / -pending-table, issue 24).
 *
 * The need is what the documented scheduler queries read (README, docs/how-it-works.md): column design
 * {@code SELECT organization_id, id FROM events WHERE NOT has_embedding AND payload_text <> ''},
 * so SELECT on those four columns; pending-table design, SELECT on event_embedding_pending. Both
 * also need USAGE on schema public, which the module never grants (the DBA's, usually PUBLIC's).
 */
public final class ReaderGrants {

    /** The columns of events the column design's documented query reads. */
    public static final List<String> COLUMN_DESIGN_COLUMNS = List.of("id", "organization_id", "payload_text", "has_embedding");

    private ReaderGrants() {
    }

    /** The module's table of named reader roles for {@code design} (one per design, each dropped with its design). */
    public static String readersTable(Design design) {
        return design == Design.COLUMN ? "events_has_embedding_readers" : "event_embedding_pending_readers";
    }

    /** The roles named as readers for {@code design}, sorted; empty when none is or 175 is not applied. */
    public static List<String> namedReaders(Connection c, Design design) throws SQLException {
        if (!CatalogQuery.tableExists(c, readersTable(design))) {
            return new ArrayList<>();
        }
        return CatalogQuery.strings(c, "SELECT role_name FROM " + readersTable(design) + " ORDER BY role_name");
    }

    /**
     * The readers a first install of {@code design} takes when none is named: those the other design
     * records, while {@code design} is not installed (its answer object does not exist) and records
     * none; else empty. Why: moving between designs installs the new one while the old one still
     * serves, and the scheduler's role must read the new answer as it read the old one (issue 24, a
     * new-user trial: after the move it could not). Only a first install: once installed, a design
     * without a readers table had none named ("none" leaves no record), which the carry must not undo.
     */
    public static List<String> carriedReaders(Connection c, Design design) throws SQLException {
        if (CatalogQuery.tableExists(c, readersTable(design)) || answerExists(c, design)) {
            return List.of();
        }
        return namedReaders(c, design == Design.COLUMN ? Design.PENDING_TABLE : Design.COLUMN);
    }

    /**
     * What {@code role} lacks of what the documented queries of {@code design} need, as PostgreSQL
     * GRANT phrases ("USAGE ON SCHEMA public", "SELECT (has_embedding) ON events", ...); a role
     * that does not exist lacks "the role itself". Empty when it can run them. Privileges held through
     * membership of an INHERIT role count, as PostgreSQL counts them.
     */
    public static List<String> missing(Connection c, Design design, String role) throws SQLException {
        if (!answerExists(c, design)) {
            return new ArrayList<>(List.of(design == Design.COLUMN
                    ? "the column events.has_embedding (not installed)" : "the table event_embedding_pending (not installed)"));
        }
        return CatalogQuery.missing(c, needsSql(design), role);
    }

    /** Every role (PostgreSQL's own pg_* roles left out) that can run the documented queries of {@code design}, sorted. */
    public static List<String> rolesThatCanRead(Connection c, Design design) throws SQLException {
        if (!answerExists(c, design)) {
            return new ArrayList<>();
        }
        return CatalogQuery.strings(c,
                "SELECT r.rolname FROM pg_catalog.pg_roles r WHERE r.rolname !~ '^pg_' AND " + canReadCondition(design) + " ORDER BY 1");
    }

    /** The table k's name with its schema, as the GRANT the status prints must name it in any session. */
    private static final String QUALIFIED = "(k.relnamespace::regnamespace::text || '.' || k.relname)";

    /** The table the documented queries read; a reader needs USAGE on its schema. */
    private static String readTable(Design design) {
        return design == Design.COLUMN ? "events" : "event_embedding_pending";
    }

    private static String needsSql(Design design) {
        String phrases = design == Design.COLUMN
                ? "SELECT 'SELECT (' || col || ') ON ' || " + QUALIFIED + " AS need, pg_catalog.has_column_privilege(r.oid, 'events', col, 'SELECT') AS held"
                  + " FROM pg_catalog.pg_class k, unnest(ARRAY['" + String.join("','", COLUMN_DESIGN_COLUMNS) + "']) AS col WHERE k.oid = 'events'::regclass"
                : "SELECT 'SELECT ON ' || " + QUALIFIED + ", pg_catalog.has_table_privilege(r.oid, 'event_embedding_pending', 'SELECT')"
                  + " FROM pg_catalog.pg_class k WHERE k.oid = 'event_embedding_pending'::regclass";
        return "SELECT ARRAY(SELECT need FROM (SELECT 'USAGE ON SCHEMA ' || k.relnamespace::regnamespace::text AS need, pg_catalog.has_schema_privilege(r.oid, k.relnamespace, 'USAGE') AS held"
                + " FROM pg_catalog.pg_class k WHERE k.oid = '" + readTable(design) + "'::regclass"
                + " UNION ALL " + phrases + ") n WHERE NOT held) FROM pg_catalog.pg_roles r WHERE r.rolname = ?";
    }

    private static String canReadCondition(Design design) {
        StringBuilder sql = new StringBuilder("pg_catalog.has_schema_privilege(r.oid, (SELECT k.relnamespace FROM pg_catalog.pg_class k WHERE k.oid = '"
                + readTable(design) + "'::regclass), 'USAGE')");
        if (design == Design.COLUMN) {
            for (String col : COLUMN_DESIGN_COLUMNS) {
                sql.append(" AND pg_catalog.has_column_privilege(r.oid, 'events', '").append(col).append("', 'SELECT')");
            }
        } else {
            sql.append(" AND pg_catalog.has_table_privilege(r.oid, 'event_embedding_pending', 'SELECT')");
        }
        return sql.toString();
    }

    /** The object the answer lives in exists (column design: events.has_embedding; pending-table: its table). */
    private static boolean answerExists(Connection c, Design design) throws SQLException {
        if (design != Design.COLUMN) {
            return CatalogQuery.tableExists(c, "event_embedding_pending");
        }
        return CatalogQuery.bool(c, "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_attribute"
                + " WHERE attrelid = to_regclass('events') AND attname = 'has_embedding' AND NOT attisdropped)");
    }
}
