package io.ehe.design.pending;

import io.ehe.db.ConnectionFactory;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * Checks the invariant of event_embedding_pending for every ready target, under the configured
 * semantics, in one statement, so events, event_embeddings, the targets and the pending table are
 * read on one snapshot (the triggers change them in the same transaction, so a concurrent writer
 * cannot make a right row look wrong). A target still filling is checked for stale rows only (the
 * triggers and the fill never add a wrong one) and not for missing ones (the fill has not reached
 * every event yet); rows of a target being removed are not checked (removal deletes them). The semantics functions of changeSet 140
 * ({@code ehe_pending_event_live}, {@code ehe_pending_counted_model}, {@code ehe_pending_event_created})
 * are the definitions checked: status checks they match the schema.
 * Full: every event (the anti-join the design exists to avoid; a read, run without statement_timeout).
 * Sample: about {@code sample} events, a random subset of a block sample (Verifier's rule), plus every
 * pending row whose event is gone.
 */
final class PendingVerifier {

    private static final String WANT = """
            want AS (
                SELECT e.id, t.model, t.state, e.organization_id, ehe_pending_event_created(e) AS created_at
                  FROM events e CROSS JOIN event_embedding_pending_targets t
                 WHERE %s AND t.state <> 'removing' AND ehe_pending_event_live(e)
                   AND NOT EXISTS (SELECT 1 FROM event_embeddings x
                                    WHERE x.event_id = e.id AND ehe_pending_counted_model(x) = t.model)),
            have AS (
                SELECT p.* FROM event_embedding_pending p
                  JOIN event_embedding_pending_targets t ON t.model = p.model AND t.state <> 'removing'
                 WHERE %s)""";

    private static final String FULL = "WITH " + WANT.formatted("true", "true") + """
            SELECT (SELECT count(*) FROM events),
                   (SELECT count(*) FROM event_embedding_pending),
                   (SELECT count(*) FROM want w
                     WHERE w.state = 'ready' AND NOT EXISTS (SELECT 1 FROM have p WHERE p.event_id = w.id AND p.model = w.model)),
                   (SELECT count(*) FROM have p
                     WHERE NOT EXISTS (SELECT 1 FROM want w WHERE w.id = p.event_id AND w.model = p.model)),
                   (SELECT count(*) FROM have p JOIN want w ON w.id = p.event_id AND w.model = p.model
                     WHERE (p.organization_id, p.created_at) IS DISTINCT FROM (w.organization_id, w.created_at)),
                   (SELECT count(*) FROM event_embedding_pending_targets WHERE state = 'ready')""";

    private static final String SAMPLE = """
            WITH s AS MATERIALIZED (SELECT id FROM events TABLESAMPLE SYSTEM (%s) ORDER BY random() LIMIT ?),
            """ + WANT.formatted("e.id IN (SELECT id FROM s)", "p.event_id IN (SELECT id FROM s)") + """
            SELECT (SELECT count(*) FROM s),
                   (SELECT count(*) FROM event_embedding_pending),
                   (SELECT count(*) FROM want w
                     WHERE w.state = 'ready' AND NOT EXISTS (SELECT 1 FROM have p WHERE p.event_id = w.id AND p.model = w.model)),
                   (SELECT count(*) FROM have p
                     WHERE NOT EXISTS (SELECT 1 FROM want w WHERE w.id = p.event_id AND w.model = p.model))
                     + (SELECT count(*) FROM event_embedding_pending p
                         WHERE NOT EXISTS (SELECT 1 FROM events e WHERE e.id = p.event_id)),
                   (SELECT count(*) FROM have p JOIN want w ON w.id = p.event_id AND w.model = p.model
                     WHERE (p.organization_id, p.created_at) IS DISTINCT FROM (w.organization_id, w.created_at)),
                   (SELECT count(*) FROM event_embedding_pending_targets WHERE state = 'ready')""";

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
        return new PendingCheck(sampled, rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getLong(4), rs.getLong(5),
                rs.getLong(6), 0);
    }
}
