package io.ehe.design.pending;

import io.ehe.catalog.Semantics;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Optional;

/** The configuration rows (changeSet 130) that more than one change reads or writes, in the change's transaction. */
final class ConfigurationRows {

    private ConfigurationRows() {
    }

    /** Serialises configuration changes: the semantics row, locked until commit; empty when the design is not installed. */
    static Optional<Semantics> lockSemantics(Connection c) throws SQLException {
        Optional<Semantics> s = Semantics.read(c);
        if (s.isPresent()) {
            try (Statement st = c.createStatement()) {
                st.executeQuery("SELECT 1 FROM event_embedding_pending_semantics FOR UPDATE").close();
            }
        }
        return s;
    }

    /** The target's state (filling, ready, removing), empty when {@code model} is not a target. */
    static Optional<String> stateOf(Connection c, String model) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT state FROM event_embedding_pending_targets WHERE model = ?")) {
            ps.setString(1, model);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
            }
        }
    }

    /** Adds {@code model} as a filling target; false when it already is a target (left as it is). */
    static boolean insertTarget(Connection c, String model) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                INSERT INTO event_embedding_pending_targets (model, state) VALUES (?, 'filling')
                ON CONFLICT (model) DO NOTHING""")) {
            ps.setString(1, model);
            return ps.executeUpdate() == 1;
        }
    }

    /** A complete plan covers none of the new targets: the next backfill starts a new one. */
    static void resetCompletePlan(Connection c) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.executeUpdate("""
                    DELETE FROM event_embedding_pending_bootstrap
                     WHERE EXISTS (SELECT 1 FROM event_embedding_pending_bootstrap
                                    GROUP BY shard_count HAVING bool_and(done) AND count(*) = max(shard_count))""");
        }
    }
}
