package io.ehe.migration;

/**
 * DATABASECHANGELOG holds this module's changeSets under another file name than the one each pins:
 * Liquibase would take them for new ones and run them again ("already exists"). Thrown before anything
 * is changed; the message is one line that says how to repair the history and the app's changelog.
 */
public class HistoryPathMismatchException extends Exception {
    public HistoryPathMismatchException(String message) {
        super(message);
    }
}
