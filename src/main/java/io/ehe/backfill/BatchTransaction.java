package io.ehe.backfill;

import io.ehe.db.PgDuration;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;

/** The two things every batch transaction of either design does: bound its waits, and roll back cleanly. */
public final class BatchTransaction {

    private BatchTransaction() {
    }

    /** SET LOCAL lock_timeout and statement_timeout for the batch's transaction. */
    public static void setLocalTimeouts(Connection c, BackfillSettings settings) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT set_config('lock_timeout', ?, true), set_config('statement_timeout', ?, true)")) {
            ps.setString(1, PgDuration.toSetting(settings.lockTimeout()));
            ps.setString(2, PgDuration.toSetting(settings.statementTimeout()));
            ps.execute();
        }
    }

    public static void rollbackQuietly(Connection c) {
        try {
            if (!c.isClosed()) {
                c.rollback();
            }
        } catch (SQLException ignored) {
            // the connection is gone; the server rolls the transaction back itself
        }
    }
}
