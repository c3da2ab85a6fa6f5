package io.ehe.design.pending;

import io.ehe.catalog.Semantics;
import io.ehe.db.ConnectionFactory;
import io.ehe.design.NotConfirmedException;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/** Refuses, before anything changes, a configured column or a target model that the app's tables do not have. */
final class AppTableChecks {

    private AppTableChecks() {
    }

    /** See {@link PendingConfiguration#requireKnownModels}: reads only; NotConfirmedException (exit 13) names the model. */
    static void requireKnownModels(ConnectionFactory connections, Semantics wanted, List<String> models, boolean newModel) throws Exception {
        if (newModel || models == null || models.isEmpty()) {
            return;
        }
        try (Connection c = connections.readOnly().open()) {
            boolean targetsTable;
            try (Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT to_regclass('event_embedding_pending_targets') IS NOT NULL")) {
                rs.next();
                targetsTable = rs.getBoolean(1);
            }
            List<String> fresh = new ArrayList<>();
            for (String m : models) {
                if (!targetsTable || ConfigurationRows.stateOf(c, m).isEmpty()) {
                    fresh.add(m);
                }
            }
            String unknown = unknownModels(c, wanted, fresh);
            if (!unknown.isEmpty()) {
                throw new NotConfirmedException("migrate: " + unknown + ": pass --new-model if that is deliberate "
                        + "(a model not embedded yet); nothing was changed, no changeSet applied");
            }
        }
    }

    /**
     * Why the first of {@code models} that no event_embeddings row uses looks like a typo, or "" when
     * every one is used (or the semantics have no model column). The exact match may use an index on
     * the model column; only a miss reads for a name that differs in case.
     */
    static String unknownModels(Connection c, Semantics s, List<String> models) throws SQLException {
        if (!s.perModel()) {
            return "";
        }
        for (String m : models) {
            if (m.isEmpty()) {
                continue;
            }
            // The column name passed Semantics' lower-case identifier check: safe to quote here.
            String col = "\"" + s.modelColumn() + "\"";
            try (PreparedStatement ps = c.prepareStatement("SELECT EXISTS (SELECT 1 FROM event_embeddings x WHERE x." + col + " = ?)")) {
                ps.setString(1, m);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    if (rs.getBoolean(1)) {
                        continue;
                    }
                }
            }
            String like = null;
            try (PreparedStatement ps = c.prepareStatement("SELECT x." + col + " FROM event_embeddings x WHERE lower(x." + col + ") = lower(?) LIMIT 1")) {
                ps.setString(1, m);
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        like = rs.getString(1);
                    }
                }
            }
            return "no event_embeddings row has " + s.modelColumn() + " = '" + m + "'"
                    + (like == null ? "" : " (the data says '" + like + "': model names are case-sensitive)");
        }
        return "";
    }

    /**
     * Refuses a configured column the tables do not have, before anything changes (the trigger
     * functions would fail at once), naming a column that differs only in case: PostgreSQL folds
     * unquoted names to lower case, so a column created quoted ("Deleted_By") is not deleted_by.
     * Rolls {@code c} back before it throws IllegalArgumentException.
     */
    static void checkColumnsExist(Connection c, Semantics s) throws SQLException {
        String[][] wanted = {{"event_embeddings", s.modelColumn(), "--model-column"}, {"event_embeddings", s.chunkColumn(), "--chunk-column"},
                {"events", s.supersededColumn(), "--superseded-column"}, {"events", s.createdColumn(), "--created-column"}};
        for (String[] w : wanted) {
            if (w[1] == null) {
                continue;
            }
            String exact = null;
            String folded = null;
            try (PreparedStatement ps = c.prepareStatement("""
                    SELECT attname FROM pg_attribute
                     WHERE attrelid = to_regclass(?) AND lower(attname) = lower(?) AND attnum > 0 AND NOT attisdropped
                     ORDER BY attname = ? DESC LIMIT 1""")) {
                ps.setString(1, w[0]);
                ps.setString(2, w[1]);
                ps.setString(3, w[1]);
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        String name = rs.getString(1);
                        if (name.equals(w[1])) {
                            exact = name;
                        } else {
                            folded = name;
                        }
                    }
                }
            }
            if (exact == null) {
                c.rollback();
                throw new IllegalArgumentException(w[0] + "." + w[1] + " (" + w[2] + ") does not exist"
                        + (folded == null ? "" : "; " + w[0] + " has \"" + folded + "\", which differs in case (column names are case-sensitive; "
                        + "this module reads lower-case columns only)") + "; nothing was changed");
            }
        }
    }
}
