package io.ehe.catalog;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * Which of the two upstream tables, {@code events} and {@code event_embeddings}, are
 * declaratively partitioned (pg_class.relkind 'p'); false for a table that is absent. The one answer
 * every caller reads: the runner's choice of changeSets (which ones PostgreSQL refuses on a partitioned
 * events and which stand in for them), the partitioned index build, the triggers status expects and the
 * pending design's partition checks.
 *
 * @param events     events is partitioned
 * @param embeddings event_embeddings is partitioned
 */
public record Partitioning(boolean events, boolean embeddings) {

    /** Read in one statement on {@code c}'s snapshot. */
    public static Partitioning of(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                SELECT coalesce((SELECT relkind = 'p' FROM pg_class WHERE oid = to_regclass('events')), false),
                       coalesce((SELECT relkind = 'p' FROM pg_class WHERE oid = to_regclass('event_embeddings')), false)""");
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            return new Partitioning(rs.getBoolean(1), rs.getBoolean(2));
        }
    }
}
