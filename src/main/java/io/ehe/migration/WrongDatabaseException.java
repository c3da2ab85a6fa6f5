package io.ehe.migration;

/** The target database has no events/event_embeddings tables: probably not the app's database. */
public class WrongDatabaseException extends Exception {
    public WrongDatabaseException(String message) {
        super(message);
    }
}
