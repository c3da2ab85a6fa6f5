package io.ehe.migration;

/**
 * What a lock-timeout refusal (SQLSTATE 55P03) during an update was: an index built or dropped
 * CONCURRENTLY (under the index lock timeout, waiting for older transactions, outside any
 * transaction) or any other statement (under lock_timeout, inside its changeSet's transaction).
 * Told apart by the failed SQL Liquibase puts in its exception messages.
 *
 * @param indexBuild whether the refused statement was a CONCURRENTLY index build or drop
 * @param timeout    the timeout that was in force, as given (e.g. {@code 3s})
 */
record Refusal(boolean indexBuild, String timeout) {

    static Refusal of(Throwable error, MigrationSettings settings) {
        for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
            String message = t.getMessage();
            if (message != null && message.toUpperCase(java.util.Locale.ROOT).contains("INDEX CONCURRENTLY")) {
                return new Refusal(true, settings.indexLockTimeout());
            }
        }
        return new Refusal(false, settings.lockTimeout());
    }

    String what() {
        return indexBuild ? "index build (CONCURRENTLY)" : "lock";
    }

    String timeoutName() {
        return indexBuild ? "the index lock timeout" : "lock_timeout";
    }

    /**
     * A true account of what the refusal left, for the final error line of {@code command} ("migrate"
     * or "rollback"). A rollback's line says what stays; the rollback itself adds what finishes it
     * (after a --count, not the same count).
     */
    String leftBehind(String command) {
        if ("rollback".equals(command)) {
            return indexBuild
                    ? "The changeSet being rolled back stays recorded; a cancelled DROP INDEX CONCURRENTLY can leave its index INVALID,"
                      + " which the rollback run again drops (a migrate instead rebuilds it)."
                    : "The changeSet's rollback and the delete of its history row were rolled back together: it stays applied and recorded.";
        }
        return indexBuild
                ? "A cancelled CONCURRENTLY build leaves an INVALID index; it is not recorded, and the next migrate drops and rebuilds it."
                  + " End or wait out the transactions named, then run migrate again."
                : "The refused changeSet and its history row were rolled back together; run migrate again once the blocker is gone.";
    }
}
