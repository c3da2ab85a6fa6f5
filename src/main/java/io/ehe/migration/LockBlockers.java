package io.ehe.migration;

import io.ehe.db.LockHolders;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;

/**
 * Who holds locks on the relations migrate takes locks on (the module's tables and Liquibase's
 * history table) right now: what an operator needs to see when a DDL gave up.
 */
public final class LockBlockers {

    private static final List<String> RELATIONS = List.of("events", "event_embeddings", "event_embedding_pending", "databasechangelog");
    /** The relations looked at, as written in messages. */
    public static final String WATCHED = String.join(", ", RELATIONS);

    private LockBlockers() {
    }

    /** One line per holder of a granted lock on a watched relation, other than the caller ({@link LockHolders}). */
    public static List<String> describe(Connection connection) throws SQLException {
        return LockHolders.on(connection, RELATIONS);
    }
}
