package io.ehe.status;

import io.ehe.db.ConnectionFactory;
import io.ehe.migration.ChangelogRunner;
import io.ehe.migration.WrongDatabaseException;

import java.sql.Connection;
import java.sql.SQLException;

/** The session a status reads on: read-only (it cannot change anything), on the app's database. */
public final class StatusSession {

    private StatusSession() {
    }

    public static Connection open(ConnectionFactory connections) throws SQLException, WrongDatabaseException {
        Connection c = connections.readOnly().open();
        try {
            if (!ChangelogRunner.upstreamTablesExist(c)) {
                throw new WrongDatabaseException("tables public.events and public.event_embeddings not found in "
                        + connections.url().jdbcUrl() + ": wrong database?");
            }
            return c;
        } catch (SQLException | WrongDatabaseException | RuntimeException e) {
            c.close();
            throw e;
        }
    }
}
