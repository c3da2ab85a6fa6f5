package io.ehe.design.pending;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * One target model of the pending table (a row of {@code event_embedding_pending_targets}, changeSet
 * 130). {@code model} is {@code ""} for "any model" where no model column is configured.
 *
 * @param state   filling (the fill has not covered the older events yet), ready, or removing
 * @param addedAt when it was added (the server's clock)
 * @param readyAt when a fill that started after it was added completed; null until then
 */
public record Target(String model, String state, Instant addedAt, Instant readyAt) {

    public static final String FILLING = "filling";
    public static final String READY = "ready";
    public static final String REMOVING = "removing";

    /** How a target is named in messages: its model, or "(any model)". */
    public static String label(String model) {
        return model.isEmpty() ? "(any model)" : model;
    }

    public String label() {
        return label(model);
    }

    public boolean ready() {
        return READY.equals(state);
    }

    /** Every target, ordered by model; empty when the table is absent. */
    static List<Target> readAll(Connection c) throws SQLException {
        try (Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT to_regclass('event_embedding_pending_targets') IS NOT NULL")) {
            rs.next();
            if (!rs.getBoolean(1)) {
                return List.of();
            }
        }
        List<Target> out = new ArrayList<>();
        try (Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT model, state, added_at, ready_at FROM event_embedding_pending_targets ORDER BY model")) {
            while (rs.next()) {
                Timestamp ready = rs.getTimestamp(4);
                out.add(new Target(rs.getString(1), rs.getString(2), rs.getTimestamp(3).toInstant(), ready == null ? null : ready.toInstant()));
            }
        }
        return out;
    }

    /**
     * "; the target 'm1' differs only in case (...)" when {@code model} names no target but one equals it
     * but for case, else "": model names are case-sensitive, and a refusal that only says "not a target"
     * leaves the user to guess why (targets remove and every queue action that takes a model share it).
     */
    static String caseHint(Connection c, String model) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT model FROM event_embedding_pending_targets WHERE lower(model) = lower(?) AND model <> ? ORDER BY model LIMIT 1")) {
            ps.setString(1, model);
            ps.setString(2, model);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? "; the target '" + rs.getString(1) + "' differs only in case (model names are case-sensitive)" : "";
            }
        }
    }

    static List<String> filling(Connection c) throws SQLException {
        return readAll(c).stream().filter(t -> FILLING.equals(t.state())).map(Target::model).toList();
    }
}
