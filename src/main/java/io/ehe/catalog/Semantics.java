package io.ehe.catalog;

import java.sql.Array;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * What "event E needs an embedding with model M" means in one database: which optional columns take
 * part in the question. A NULL column is not part of it. {@link #SEED} is the seed PR's question
 * (any event_embeddings row of the event counts); {@link #app()} is the app's question of October 2026
 * ({@code ../shared/reference/upstream-followups.md}, last section): a chunk-0 row of model M counts,
 * events with a non-NULL {@code superseded_by} are never pending, newest first by {@code created_at}.
 * In every semantics an event is pending only with a payload_text that is neither NULL nor empty and
 * a non-NULL organization_id.
 *
 * <p>Stored as data in {@code event_embedding_pending_semantics} (changeSet 130), so it can
 * change without changing a checksum; {@code columnsSeen} records which of the app's optional columns
 * ({@link #APP_COLUMNS}) existed when it was configured, so a later schema change is noticed.
 *
 * @param modelColumn      event_embeddings' model column, or null (then the one target is {@link #ANY_MODEL})
 * @param chunkColumn      event_embeddings' chunk column, or null (every row counts)
 * @param supersededColumn events' column whose non-NULL value marks a superseded event, or null
 * @param createdColumn    events' creation time, copied into pending rows for "newest first", or null
 * @param columnsSeen      "table.column" names of {@link #APP_COLUMNS} present at configuration time
 */
public record Semantics(String modelColumn, String chunkColumn, String supersededColumn, String createdColumn,
                        List<String> columnsSeen) {

    /** The target of a semantics without a model column: any row counts, whatever its model. */
    public static final String ANY_MODEL = "";
    public static final Semantics SEED = new Semantics(null, null, null, null, List.of());
    /** The app's optional columns, whose appearance or disappearance status reports. */
    public static final List<String> APP_COLUMNS = List.of(
            "event_embeddings.embedding_model", "event_embeddings.chunk_index", "events.superseded_by");

    private static final Pattern IDENTIFIER = Pattern.compile("[a-z_][a-z0-9_$]{0,62}");

    public Semantics {
        columnsSeen = columnsSeen == null ? List.of() : List.copyOf(columnsSeen);
        for (String c : Arrays.asList(modelColumn, chunkColumn, supersededColumn, createdColumn)) {
            if (c != null && !IDENTIFIER.matcher(c).matches()) {
                throw new IllegalArgumentException("'" + c + "' is not a lower-case column name (letters, digits, _; at most 63)");
            }
        }
    }

    /** The app's question with its own column names. */
    public static Semantics app() {
        return new Semantics("embedding_model", "chunk_index", "superseded_by", "created_at", List.of());
    }

    public boolean perModel() {
        return modelColumn != null;
    }

    /** The same question, whatever the tables looked like when each was configured. */
    public boolean sameQuestion(Semantics other) {
        return Objects.equals(modelColumn, other.modelColumn) && Objects.equals(chunkColumn, other.chunkColumn)
                && Objects.equals(supersededColumn, other.supersededColumn) && Objects.equals(createdColumn, other.createdColumn);
    }

    public boolean isSeed() {
        return sameQuestion(SEED);
    }

    /** One line, for status and logs. */
    public String describe() {
        return "embedded = " + (modelColumn == null ? "any event_embeddings row" : "a row of the target model (" + modelColumn + ")")
                + (chunkColumn == null ? "" : " with " + chunkColumn + " = 0")
                + "; live = payload_text not empty, organization_id not NULL"
                + (supersededColumn == null ? "" : ", " + supersededColumn + " IS NULL")
                + "; newest = " + (createdColumn == null ? "highest event_id" : createdColumn + ", then event_id");
    }

    /** The stored semantics; empty when changeSet 130 has not run. */
    public static Optional<Semantics> read(Connection c) throws SQLException {
        try (Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT to_regclass('event_embedding_pending_semantics') IS NOT NULL")) {
            rs.next();
            if (!rs.getBoolean(1)) {
                return Optional.empty();
            }
        }
        try (Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("""
                     SELECT model_column, chunk_column, superseded_column, created_column, columns_seen
                       FROM event_embedding_pending_semantics""")) {
            if (!rs.next()) {
                return Optional.empty();
            }
            Array seen = rs.getArray(5);
            return Optional.of(new Semantics(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
                    Arrays.asList((String[]) seen.getArray())));
        }
    }

    /** Which of {@link #APP_COLUMNS} the tables have now. */
    public static List<String> appColumnsPresent(Connection c) throws SQLException {
        List<String> out = new ArrayList<>();
        try (Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("""
                     SELECT c.relname || '.' || a.attname
                       FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
                      WHERE c.oid IN (to_regclass('events'), to_regclass('event_embeddings'))
                        AND (c.relname, a.attname) IN (('event_embeddings', 'embedding_model'), ('event_embeddings', 'chunk_index'),
                                                       ('events', 'superseded_by'))
                        AND NOT a.attisdropped
                      ORDER BY 1""")) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }

    /** Configured columns the tables do not have; each as a one-line problem that says what to run. */
    public List<String> missingColumns(Connection c) throws SQLException {
        List<String> out = new ArrayList<>();
        missing(c, out, "event_embeddings", modelColumn, "model");
        missing(c, out, "event_embeddings", chunkColumn, "chunk");
        missing(c, out, "events", supersededColumn, "superseded");
        missing(c, out, "events", createdColumn, "created");
        return out;
    }

    /**
     * Why the semantics may no longer be the question the app asks: a configured column is gone, or
     * one of the app's optional columns appeared or disappeared since they were configured. Empty
     * when neither.
     */
    public List<String> drift(Connection c) throws SQLException {
        List<String> out = new ArrayList<>(missingColumns(c));
        List<String> now = appColumnsPresent(c);
        for (String col : APP_COLUMNS) {
            boolean configured = col.equals("event_embeddings." + modelColumn) || col.equals("event_embeddings." + chunkColumn)
                    || col.equals("events." + supersededColumn);
            if (configured) {
                continue;
            }
            if (now.contains(col) && !columnsSeen.contains(col)) {
                out.add(col + " appeared after the semantics were configured and they ignore it: run 'configure' with the "
                        + "options that say how it counts (README: \"What pending means\"), or with today's options to keep ignoring it");
            } else if (!now.contains(col) && columnsSeen.contains(col)) {
                out.add(col + " disappeared after the semantics were configured: run 'configure' to confirm the semantics");
            }
        }
        return out;
    }

    private static void missing(Connection c, List<String> out, String table, String column, String role) throws SQLException {
        if (column == null) {
            return;
        }
        try (var ps = c.prepareStatement("""
                SELECT 1 FROM pg_attribute WHERE attrelid = to_regclass(?) AND attname = ? AND NOT attisdropped""")) {
            ps.setString(1, table);
            ps.setString(2, column);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    out.add(table + "." + column + " is configured as the " + role + " column but does not exist: restore it, "
                            + "or run 'configure' without it (every trigger that reads it fails until then)");
                }
            }
        }
    }
}
