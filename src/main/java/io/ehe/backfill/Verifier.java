package io.ehe.backfill;

import io.ehe.catalog.TableSize;

import io.ehe.db.ConnectionFactory;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * Compares has_embedding with the existence of embedding rows in one statement, so both tables are
 * read on one snapshot: the triggers change both in the same transaction, hence a concurrent writer
 * cannot make a correct row look wrong. Full: every event (one hash join). Sample: about
 * {@code sample} events from a block sample (TABLESAMPLE SYSTEM), for a quick look at a big table.
 * The block sample reads about 1.5 times {@code sample} rows and returns its blocks in physical order,
 * so the rows kept are a random subset of it (ORDER BY random() before the LIMIT): a plain LIMIT kept
 * the first blocks only and never checked the table's end, the newest rows.
 * A read; it runs without statement_timeout.
 */
public final class Verifier {

    private static final String FULL = """
            SELECT count(*),
                   count(*) FILTER (WHERE e.has_embedding IS NULL),
                   count(*) FILTER (WHERE e.has_embedding AND x.event_id IS NULL),
                   count(*) FILTER (WHERE NOT e.has_embedding AND x.event_id IS NOT NULL)
              FROM events e
              LEFT JOIN (SELECT DISTINCT event_id FROM event_embeddings) x ON x.event_id = e.id""";

    private static final String SAMPLE = """
            SELECT count(*),
                   count(*) FILTER (WHERE s.has_embedding IS NULL),
                   count(*) FILTER (WHERE s.has_embedding AND NOT s.present),
                   count(*) FILTER (WHERE NOT s.has_embedding AND s.present)
              FROM (SELECT e.has_embedding,
                           EXISTS (SELECT 1 FROM event_embeddings x WHERE x.event_id = e.id) AS present
                      FROM (SELECT id, has_embedding FROM events TABLESAMPLE SYSTEM (%s) ORDER BY random() LIMIT ?) e) s""";

    private Verifier() {
    }

    /** {@code sample} 0 means a full scan. */
    public static VerifyResult check(ConnectionFactory connections, long sample) throws SQLException {
        try (Connection c = connections.open()) {
            return check(c, sample);
        }
    }

    static VerifyResult check(Connection c, long sample) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute("SET statement_timeout = 0");
        }
        if (sample <= 0) {
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(FULL)) {
                return read(rs, false);
            }
        }
        try (PreparedStatement ps = c.prepareStatement(SAMPLE.formatted(samplePercent(c, sample)))) {
            ps.setLong(1, sample);
            try (ResultSet rs = ps.executeQuery()) {
                return read(rs, true);
            }
        }
    }

    /** Percent of blocks to read for about {@code sample} rows, with headroom; 100 on a small table. */
    public static String samplePercent(Connection c, long sample) throws SQLException {
        double rows = TableSize.estimatedRows(c, "events");
        double pct = rows <= 0 ? 100.0 : Math.min(100.0, Math.max(0.0001, sample * 150.0 / rows));
        return String.format(java.util.Locale.ROOT, "%.6f", pct);
    }

    private static VerifyResult read(ResultSet rs, boolean sampled) throws SQLException {
        rs.next();
        return new VerifyResult(sampled, rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getLong(4), 0);
    }
}
