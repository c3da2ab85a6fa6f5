package io.ehe.cli;

import liquibase.exception.DatabaseException;
import liquibase.exception.MigrationFailedException;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The error line of a changeSet that failed in an update: which changeSet, the database's error, and the
 * failed statement, each once. Liquibase's own wording nests three exception class names and repeats
 * the changeSet path; its log record of the failure goes out without the SQL
 * ({@link io.ehe.migration.LogBridge}), so this line is the one place the statement is printed.
 */
final class FailedChangeSet {

    /** Liquibase appends the statement to the database's message as " [Failed SQL: (0) ...]". */
    private static final Pattern FAILED_SQL = Pattern.compile("\\s*\\[Failed SQL: (?:\\(\\d+\\) )?(.*)]\\s*$", Pattern.DOTALL);
    /** "Migration failed for changeset changelog/changes/100-x.sql::100-x::ehe:" */
    private static final Pattern CHANGESET = Pattern.compile("changeset \\S*?::(\\S+?)::\\S+?:");

    private FailedChangeSet() {
    }

    /**
     * {@code changeSet ID failed: ERROR: ...; failed SQL: ...} on one line when {@code e} comes from a
     * changeSet that failed in an update; empty for any other failure.
     */
    static Optional<String> message(Throwable e) {
        MigrationFailedException failed = find(e, MigrationFailedException.class);
        if (failed == null) {
            return Optional.empty();
        }
        Matcher id = CHANGESET.matcher(String.valueOf(failed.getMessage()));
        String changeSet = id.find() ? id.group(1) : "?";
        DatabaseException db = find(failed, DatabaseException.class);
        String reason = db != null ? db.getMessage() : failed.getCause() != null ? failed.getCause().getMessage() : failed.getMessage();
        String sql = null;
        Matcher m = FAILED_SQL.matcher(String.valueOf(reason));
        if (m.find()) {
            sql = m.group(1);
            reason = reason.substring(0, m.start());
        }
        return Optional.of("changeSet " + changeSet + " failed: " + oneLine(reason)
                + (sql == null ? "" : "; failed SQL: " + oneLine(sql)));
    }

    private static String oneLine(String s) {
        return String.valueOf(s).replaceAll("\\s*\\R\\s*", " ").trim();
    }

    private static <T extends Throwable> T find(Throwable e, Class<T> type) {
        for (Throwable c = e; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (type.isInstance(c)) {
                return type.cast(c);
            }
        }
        return null;
    }
}
