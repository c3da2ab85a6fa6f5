package io.ehe.catalog;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The two ways this module answers "which events still need an embedding?", as a value and as found in
 * the catalog. It sits below every package that names a design (migration, backfill, status and the
 * designs themselves); the choice per command is made in {@code io.ehe.design.select.DesignChoice},
 * and everything that differs between the designs is behind {@code io.ehe.design.DesignOperations}.
 * The id is the value of the changelog parameter {@code ehe.design} and the Liquibase label every
 * changeSet of the design carries.
 */
public enum Design {

    /** events.has_embedding kept by triggers, backfilled, then a partial index and NOT NULL (010-050). */
    COLUMN("column", "events_has_embedding_backfill"),
    /** event_embedding_pending kept exact by triggers, bootstrapped once; never writes events (100-120). */
    PENDING_TABLE("pending-table", "event_embedding_pending_bootstrap");

    public static final Design DEFAULT = COLUMN;
    /** The environment variable that names the design where no --design is given. */
    public static final String ENV = "EHE_DESIGN";

    private final String id;
    private final String progressTable;

    Design(String id, String progressTable) {
        this.id = id;
        this.progressTable = progressTable;
    }

    /** The changelog parameter value and the changeSet label. */
    public String id() {
        return id;
    }

    /** Where this design's fill (the backfill, the bootstrap) keeps its per-shard cursor. */
    public String progressTable() {
        return progressTable;
    }

    public static Design parse(String value) {
        String v = value == null ? "" : value.trim().toLowerCase(Locale.ROOT);
        for (Design d : values()) {
            if (d.id.equals(v)) {
                return d;
            }
        }
        throw new IllegalArgumentException("unknown design '" + value + "': expected one of " + ids());
    }

    public static String ids() {
        return Arrays.stream(values()).map(Design::id).collect(Collectors.joining(", "));
    }

    @Override
    public String toString() {
        return id;
    }

    /**
     * The designs whose objects are in this database: the column design by events.has_embedding or
     * any of its triggers, the pending-table design by its table. Both during a move from one to the
     * other; none before the first migrate.
     */
    public static Set<Design> installed(Connection c) throws SQLException {
        try (Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("""
                     SELECT EXISTS (SELECT 1 FROM pg_attribute
                                     WHERE attrelid = to_regclass('events') AND attname = 'has_embedding'
                                       AND NOT attisdropped)
                            OR EXISTS (SELECT 1 FROM pg_trigger
                                        WHERE tgname LIKE 'trg_event_embeddings_has_embedding_%' AND NOT tgisinternal),
                            to_regclass('event_embedding_pending') IS NOT NULL""")) {
            rs.next();
            Set<Design> found = EnumSet.noneOf(Design.class);
            if (rs.getBoolean(1)) {
                found.add(COLUMN);
            }
            if (rs.getBoolean(2)) {
                found.add(PENDING_TABLE);
            }
            return found;
        }
    }
}
