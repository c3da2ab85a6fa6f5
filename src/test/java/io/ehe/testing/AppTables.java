package io.ehe.testing;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one builder of the app's two tables for tests and the demo: plain or declaratively partitioned,
 * with sub-partitioned and DEFAULT partitions, the app's own changes (events.superseded_by, a nullable
 * organization_id) on request.
 *
 * <p>How it works, and why it stays true:
 * <ol>
 * <li>The columns and the indexes are read from changeSet 000's file on the classpath, not typed again:
 *     a released changeSet never changes (ReleasedChecksumsTest), so the text it parses is fixed, and a
 *     table built here has exactly the baseline's columns.</li>
 * <li>A partitioned table's primary key must contain its partition key, so the key moves from the id
 *     column to a table constraint whose columns the caller names.</li>
 * <li>Partitions are created after the root, in the order added, so a sub-partition names a parent
 *     created before it.</li>
 * </ol>
 * Create the tables before the module's migrate, which then marks 000 ran.
 */
public final class AppTables {

    private static final String BASELINE = "io/ehe/events-has-embedding/changes/000-baseline-tables.sql";
    private static final String TEXT = baseline();

    private final String table;
    private final List<String> columns;
    private final List<String> extraColumns = new ArrayList<>();
    private final List<String> partitions = new ArrayList<>();
    private String primaryKey;
    private String partitionBy;
    private boolean indexes = true;
    private String schema = "public";

    private AppTables(String table, List<String> columns, String primaryKey) {
        this.table = table;
        this.columns = columns;
        this.primaryKey = primaryKey;
    }

    /** public.events with the baseline's columns, primary key (id), and the baseline's three indexes. */
    public static AppTables events() {
        List<String> cols = new ArrayList<>(body("events"));
        cols.replaceAll(c -> c.startsWith("id ") ? c.replace(" PRIMARY KEY", "") : c);
        return new AppTables("events", cols, "id");
    }

    /** public.event_embeddings with the baseline's columns, its primary key and its foreign key to events. */
    public static AppTables embeddings() {
        List<String> cols = new ArrayList<>(body("event_embeddings"));
        String pk = cols.remove(cols.size() - 1);
        if (!pk.startsWith("PRIMARY KEY (")) {
            throw new IllegalStateException("000's event_embeddings no longer ends with its primary key: " + pk);
        }
        return new AppTables("event_embeddings", cols, pk.substring("PRIMARY KEY (".length(), pk.length() - 1));
    }

    /** The table, its indexes and its partitions in {@code schema} (a plain lower-case name) instead of public. */
    public AppTables inSchema(String schema) {
        this.schema = schema;
        return this;
    }

    /** The app's events: superseded_by added and organization_id nullable (upstream-followups.md). */
    public AppTables appColumns() {
        return column("superseded_by bigint").nullable("organization_id");
    }

    /** Adds a column (its DDL, such as {@code superseded_by bigint}). */
    public AppTables column(String ddl) {
        extraColumns.add(ddl);
        return this;
    }

    /** Drops NOT NULL from the column. */
    public AppTables nullable(String column) {
        return edit(column, c -> c.replace(" NOT NULL", ""));
    }

    /** Replaces the column's DEFAULT expression. */
    public AppTables defaultOf(String column, String expression) {
        return edit(column, c -> c.replaceFirst("DEFAULT .*$", "DEFAULT " + expression));
    }

    /** event_embeddings without its foreign key (events partitioned by another column than id has no unique id to reference). */
    public AppTables withoutForeignKey() {
        return edit("event_id", c -> c.replaceFirst(" REFERENCES .*$", ""));
    }

    /** Leaves out the baseline's indexes of events. */
    public AppTables withoutIndexes() {
        indexes = false;
        return this;
    }

    /** PARTITION BY {@code spec} (such as {@code RANGE (id)}), with primary key {@code primaryKey} (columns, comma-separated). */
    public AppTables partitionBy(String spec, String primaryKey) {
        this.partitionBy = spec;
        this.primaryKey = primaryKey;
        return this;
    }

    /** A partition of the table: {@code bound} is {@code FOR VALUES ...} or {@code DEFAULT}. */
    public AppTables partition(String name, String bound) {
        return partition(table, name, bound, null);
    }

    /** A partition of {@code parent} (the table or a partition added before), itself partitioned by {@code partitionBy} when not null. */
    public AppTables partition(String parent, String name, String bound, String partitionBy) {
        partitions.add("CREATE TABLE " + schema + "." + name + " PARTITION OF " + schema + "." + parent + " " + bound
                + (partitionBy == null ? "" : " PARTITION BY " + partitionBy));
        return this;
    }

    /** The statements, in order: the table, its indexes, its partitions. */
    public List<String> sql() {
        List<String> out = new ArrayList<>();
        List<String> all = new ArrayList<>(columns.stream().map(c -> c.replace(" public.", " " + schema + ".")).toList());
        all.addAll(extraColumns);
        all.add("PRIMARY KEY (" + primaryKey + ")");
        out.add("CREATE TABLE " + schema + "." + table + " (\n    " + String.join(",\n    ", all) + "\n)"
                + (partitionBy == null ? "" : " PARTITION BY " + partitionBy));
        if (indexes && table.equals("events")) {
            Matcher m = Pattern.compile("CREATE INDEX [^;]+ON public\\.events [^;]+;").matcher(TEXT);
            while (m.find()) {
                out.add(m.group().replaceAll("\\s+", " ").replace(";", "").replace(" ON public.", " ON " + schema + "."));
            }
        }
        out.addAll(partitions);
        return out;
    }

    /** Runs {@link #sql()} on the database. */
    public void create(TestDatabase db) {
        db.execute(sql().toArray(String[]::new));
    }

    private AppTables edit(String column, java.util.function.UnaryOperator<String> change) {
        for (int i = 0; i < columns.size(); i++) {
            if (columns.get(i).startsWith(column + " ")) {
                columns.set(i, change.apply(columns.get(i)));
                return this;
            }
        }
        throw new IllegalArgumentException("no column " + column + " in " + table);
    }

    /** The lines between {@code CREATE TABLE public.<table> (} and {@code );}, one column (or constraint) each, without the comma. */
    private static List<String> body(String table) {
        int start = TEXT.indexOf("CREATE TABLE public." + table + " (\n");
        int end = TEXT.indexOf("\n);", start);
        String body = TEXT.substring(TEXT.indexOf('\n', start) + 1, end);
        List<String> out = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        int depth = 0;
        for (String line : body.split("\n")) {
            String l = line.strip();
            current.append(current.length() == 0 ? "" : " ").append(l);
            for (char ch : l.toCharArray()) {
                depth += ch == '(' ? 1 : ch == ')' ? -1 : 0;
            }
            if (depth == 0 && l.endsWith(",")) {
                String c = current.toString();
                out.add(c.endsWith(",") ? c.substring(0, c.length() - 1) : c);
                current.setLength(0);
            }
        }
        if (current.length() > 0) {
            out.add(current.toString());
        }
        return out.stream().map(c -> c.replaceAll("\\s+", " ")).toList();
    }

    private static String baseline() {
        try (InputStream in = AppTables.class.getClassLoader().getResourceAsStream(BASELINE)) {
            if (in == null) {
                throw new IllegalStateException(BASELINE + " is not on the classpath");
            }
            // 000 names the tables' schema by the changelog parameter ehe.schema; its default is public.
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).replace("${ehe.schema}.", "public.");
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
