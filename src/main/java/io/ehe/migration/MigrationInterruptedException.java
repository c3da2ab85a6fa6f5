package io.ehe.migration;

/**
 * migrate or rollback stopped by SIGINT/SIGTERM ({@link Interruption}): nothing of a transactional changeSet in flight is
 * applied (migrate) or undone (rollback); the message says what to run to finish. Exit 7.
 */
public final class MigrationInterruptedException extends Exception {

    public MigrationInterruptedException(String message, Throwable cause) {
        super(message, cause);
    }
}
