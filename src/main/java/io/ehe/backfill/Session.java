package io.ehe.backfill;

import io.ehe.db.ConnectionFactory;
import io.ehe.db.PgDuration;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The one connection a backfill works on, reopened after it is lost. Autocommit is off (every batch
 * is an explicit transaction); plans are always custom (the batch predicates are ranges on the
 * primary key whose selectivity a generic plan cannot know); and lock_timeout is set for the whole
 * session, so even the small reads between batches never queue behind a DDL lock indefinitely.
 */
public final class Session implements AutoCloseable {

    private final ConnectionFactory connections;
    private final String lockTimeout;
    private Connection connection;

    public Session(ConnectionFactory connections, java.time.Duration lockTimeout) {
        this.connections = connections;
        this.lockTimeout = PgDuration.toSetting(lockTimeout);
    }

    Connection get() throws SQLException {
        if (connection == null || connection.isClosed()) {
            Connection c = connections.open();
            try (Statement st = c.createStatement()) {
                st.execute("SET plan_cache_mode = force_custom_plan");
                st.execute("SET lock_timeout = '" + lockTimeout + "'");
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
