package io.ehe.status;

import io.ehe.catalog.ModulePlacement;
import io.ehe.db.ConnectionFactory;
import io.ehe.db.Schemas;
import io.ehe.migration.WrongDatabaseException;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Optional;

/** The session a status reads on: read-only (it cannot change anything), on the app's database. */
public final class StatusSession {

    private StatusSession() {
    }

    public static Connection open(ConnectionFactory connections) throws SQLException, WrongDatabaseException {
        Connection c = connections.readOnly().open();
        try {
            Schemas schemas = connections.schemas();
            Optional<String> wrong = ModulePlacement.wrongPlace(c, schemas, connections.url().jdbcUrl());
            if (wrong.isPresent()) {
                throw new WrongDatabaseException(wrong.get());
            }
            return c;
        } catch (SQLException | WrongDatabaseException | RuntimeException e) {
            c.close();
            throw e;
        }
    }
}
