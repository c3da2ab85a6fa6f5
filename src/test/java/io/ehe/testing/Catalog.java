package io.ehe.testing;

import java.util.List;

/** A textual dump of the public schema's catalog: two equal dumps mean the same schema. */
public final class Catalog {

    private Catalog() {
    }

    public static String snapshot(TestDatabase db) {
        StringBuilder out = new StringBuilder();
        section(out, "tables", db.queryList("""
                SELECT c.relname || ' ' || c.relkind::text || ' ' || coalesce(obj_description(c.oid, 'pg_class'), '')
                  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                 WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'S') ORDER BY 1""", Catalog::first));
        section(out, "columns", db.queryList("""
                SELECT c.relname || '.' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
                       || CASE WHEN a.attnotnull THEN ' not null' ELSE '' END
                       || coalesce(' default ' || pg_get_expr(d.adbin, d.adrelid), '')
                       || CASE WHEN a.attgenerated <> '' THEN ' generated' ELSE '' END
                  FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
                  JOIN pg_namespace n ON n.oid = c.relnamespace
                  LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
                 WHERE n.nspname = 'public' AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped
                 ORDER BY 1""", Catalog::first));
        section(out, "indexes", db.queryList("""
                SELECT indexdef || CASE WHEN i.indisvalid THEN '' ELSE ' INVALID' END
                  FROM pg_indexes x JOIN pg_index i ON i.indexrelid = (x.schemaname || '.' || x.indexname)::regclass
                 WHERE x.schemaname = 'public' ORDER BY 1""", Catalog::first));
        section(out, "constraints", db.queryList("""
                SELECT conrelid::regclass || ' ' || conname || ' ' || pg_get_constraintdef(oid) || ' ' || convalidated
                  FROM pg_constraint WHERE connamespace = 'public'::regnamespace ORDER BY 1""", Catalog::first));
        section(out, "triggers", db.queryList("""
                SELECT pg_get_triggerdef(t.oid) || ' ' || t.tgenabled::text FROM pg_trigger t
                  JOIN pg_class c ON c.oid = t.tgrelid
                 WHERE c.relnamespace = 'public'::regnamespace AND NOT t.tgisinternal ORDER BY 1""", Catalog::first));
        section(out, "functions", db.queryList("""
                SELECT p.proname || ' ' || md5(pg_get_functiondef(p.oid)) FROM pg_proc p
                 WHERE p.pronamespace = 'public'::regnamespace ORDER BY 1""", Catalog::first));
        // Only the module's own role: other roles' grants on public come from the server's defaults.
        section(out, "schema privileges of ehe_definer", db.queryList("""
                SELECT a.privilege_type FROM pg_namespace n, aclexplode(n.nspacl) a
                 WHERE n.nspname = 'public' AND a.grantee = coalesce(to_regrole('ehe_definer'), 0) ORDER BY 1""", Catalog::first));
        return out.toString();
    }

    /** The same, leaving out Liquibase's own tracking tables. */
    public static String moduleSnapshot(TestDatabase db) {
        StringBuilder kept = new StringBuilder();
        for (String line : snapshot(db).split("\n")) {
            if (!line.toLowerCase().contains("databasechangelog")) {
                kept.append(line).append('\n');
            }
        }
        return kept.toString();
    }

    private static void section(StringBuilder out, String name, List<String> lines) {
        out.append("## ").append(name).append('\n');
        lines.forEach(l -> out.append(l).append('\n'));
    }

    private static String first(java.sql.ResultSet rs) {
        try {
            return rs.getString(1);
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
