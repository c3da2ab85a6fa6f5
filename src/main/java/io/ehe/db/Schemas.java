package io.ehe.db;

import java.util.regex.Pattern;

/**
 * Where the app's tables are and where the module's own objects go (issue 24), chosen once per database
 * like the design: the changelog parameters {@code ehe.schema} and {@code ehe.module_schema}, the CLI's
 * {@code --schema}/{@code --module-schema} (environment EHE_SCHEMA / EHE_MODULE_SCHEMA), the chart's
 * {@code schema}/{@code moduleSchema}.
 *
 * How every command finds its objects: each session the module opens starts with
 * {@code search_path = <module>, <tables>, pg_temp} as a startup option ({@link #searchPath()}), so the
 * SQL in the Java code names tables and functions unqualified and they resolve to exactly these two
 * schemas, whatever search_path the role, the database or a pooler would otherwise give the session
 * (a startup option outranks ALTER ROLE/DATABASE ... SET). pg_catalog is left out on purpose: PostgreSQL
 * then searches it first, so nothing in either schema can shadow a built-in, while an unqualified
 * CREATE still goes to the module schema (listed, pg_catalog would be where CREATE goes, and fail).
 * pg_temp listed last: a temporary table cannot shadow one of ours. The changeSets qualify
 * every name through the parameters instead; the functions that run in the app's sessions pin their own
 * search_path (changeSets 070/170).
 *
 * @param tables the schema of events and event_embeddings (default public)
 * @param module the schema of the module's tables, functions and views (default: the tables' schema);
 *               the history tables (databasechangelog) live there too
 */
public record Schemas(String tables, String module) {

    /** Plain lower-case identifiers only: they stand unquoted in SQL and inside string literals of the changeSets. */
    private static final Pattern PLAIN = Pattern.compile("[a-z_][a-z0-9_]{0,62}");

    public static final Schemas DEFAULT = new Schemas("public", "public");
    public static final String TABLES_PARAMETER = "ehe.schema";
    public static final String MODULE_PARAMETER = "ehe.module_schema";
    public static final String TABLES_ENV = "EHE_SCHEMA";
    public static final String MODULE_ENV = "EHE_MODULE_SCHEMA";

    /** Throws IllegalArgumentException for a name that is not a plain lower-case identifier (at most 63 bytes). */
    public Schemas {
        require("--schema", tables);
        require("--module-schema", module);
    }

    /**
     * The schemas from the options, else the environment, else the defaults; the module schema defaults
     * to the tables' schema. Throws IllegalArgumentException for a name {@link Schemas} refuses.
     */
    public static Schemas of(String tables, String module) {
        String t = firstNonBlank(tables, System.getenv(TABLES_ENV), DEFAULT.tables());
        String m = firstNonBlank(module, System.getenv(MODULE_ENV), t);
        return new Schemas(t, m);
    }

    /** The session's search_path: the module schema, the tables' schema (once if the same), pg_temp; pg_catalog implicitly first. */
    public String searchPath() {
        return module.equals(tables) ? module + ",pg_temp" : module + "," + tables + ",pg_temp";
    }

    private static void require(String option, String name) {
        if (name == null || !PLAIN.matcher(name).matches()) {
            throw new IllegalArgumentException(option + ": '" + name + "' is not a plain lower-case identifier "
                    + "([a-z_][a-z0-9_]*, at most 63 characters); quoted or mixed-case schema names are not supported");
        }
    }

    private static String firstNonBlank(String... values) {
        for (String v : values) {
            if (v != null && !v.isBlank()) {
                return v.strip();
            }
        }
        return null;
    }
}
