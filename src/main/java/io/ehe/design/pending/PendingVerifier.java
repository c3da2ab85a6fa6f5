package io.ehe.design.pending;

import io.ehe.db.ConnectionFactory;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * Checks the invariant of event_embedding_pending in one statement, so events, event_embeddings and
 * the pending table are read on one snapshot: the triggers change them in the same transaction, so a
 * concurrent writer cannot make a right row look wrong. Full: every event (the anti-join the design
 * exists to avoid; a read, run without statement_timeout). Sample: about {@code sample} events from a
 * block sample, plus every pending row (the table is small) for rows whose event is gone.
 */
final class PendingVerifier {

    private static final String FULL = """
            WITH want AS (
                SELECT e.id, e.organization_id FROM public.events e
                 WHERE e.payload_text IS NOT NULL AND e.payload_text <> ''
                   AND NOT EXISTS (SELECT 1 FROM public.event_embeddings x WHERE x.event_id = e.id))
            SELECT (SELECT count(*) FROM public.events),
                   (SELECT count(*) FROM public.event_embedding_pending),
                   (SELECT count(*) FROM want w
                     WHERE NOT EXISTS (SELECT 1 FROM public.event_embedding_pending p WHERE p.event_id = w.id)),
                   (SELECT count(*) FROM public.event_embedding_pending p
                     WHERE NOT EXISTS (SELECT 1 FROM want w WHERE w.id = p.event_id)),
                   (SELECT count(*) FROM public.event_embedding_pending p JOIN want w ON w.id = p.event_id
                     WHERE p.organization_id <> w.organization_id)""";

    private static final String SAMPLE = """
            WITH s AS (
                SELECT e.id, e.organization_id,
                       e.payload_text IS NOT NULL AND e.payload_text <> ''
                         AND NOT EXISTS (SELECT 1 FROM public.event_embeddings x WHERE x.event_id = e.id) AS wanted,
                       p.event_id IS NOT NULL AS has_row, p.organization_id AS row_org
                  FROM (SELECT id, organization_id, payload_text FROM public.events TABLESAMPLE SYSTEM (%s) LIMIT ?) e
                  LEFT JOIN public.event_embedding_pending p ON p.event_id = e.id)
            SELECT (SELECT count(*) FROM s),
                   (SELECT count(*) FROM public.event_embedding_pending),
                   (SELECT count(*) FROM s WHERE wanted AND NOT has_row),
                   (SELECT count(*) FROM s WHERE has_row AND NOT wanted)
                     + (SELECT count(*) FROM public.event_embedding_pending p
                         WHERE NOT EXISTS (SELECT 1 FROM public.events e WHERE e.id = p.event_id)),
                   (SELECT count(*) FROM s WHERE wanted AND has_row AND row_org <> organization_id)""";

    private PendingVerifier() {
    }

    static PendingCheck check(ConnectionFactory connections, long sample) throws SQLException {
        try (Connection c = connections.open()) {
            try (Statement st = c.createStatement()) {
                st.execute("SET statement_timeout = 0");
            }
            if (sample <= 0) {
                try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(FULL)) {
                    return read(rs, false);
                }
            }
            try (PreparedStatement ps = c.prepareStatement(SAMPLE.formatted(io.ehe.backfill.Verifier.samplePercent(c, sample)))) {
                ps.setLong(1, sample);
                try (ResultSet rs = ps.executeQuery()) {
                    return read(rs, true);
                }
            }
        }
    }

    private static PendingCheck read(ResultSet rs, boolean sampled) throws SQLException {
        rs.next();
        return new PendingCheck(sampled, rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getLong(4), rs.getLong(5), 0);
    }
}
