package io.ehe.backfill;

import io.ehe.db.ConnectionFactory;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The one connection a backfill works on, reopened after it is lost. Autocommit is off (every batch
 * is an explicit transaction) and plans are always custom: the batch predicates are ranges on the
 * primary key whose selectivity a generic plan cannot know.
 */
final class Session implements AutoCloseable {

    private final ConnectionFactory connections;
    private Connection connection;

    Session(ConnectionFactory connections) {
        this.connections = connections;
    }

    Connection get() throws SQLException {
        if (connection == null || connection.isClosed()) {
            Connection c = connections.open();
            try (Statement st = c.createStatement()) {
                st.execute("SET plan_cache_mode = force_custom_plan");
            } catch (SQLException e) {
                c.close();
                throw e;
            }
            c.setAutoCommit(false);
            connection = c;
        }
        return connection;
    }

    boolean isOpen() {
        try {
            return connection != null && !connection.isClosed();
        } catch (SQLException e) {
            return false;
        }
    }

    /** Drops a connection that failed; the next {@link #get()} opens a new one. */
    void discard() {
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException ignored) {
                // already broken
            }
            connection = null;
        }
    }

    @Override
    public void close() {
        discard();
    }
}
