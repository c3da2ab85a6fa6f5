package io.ehe.migration;

/** migrate stopped by SIGINT/SIGTERM ({@link Interruption}): nothing of the changeSet in flight is applied; run it again. */
public final class MigrationInterruptedException extends Exception {

    public MigrationInterruptedException(String message, Throwable cause) {
        super(message, cause);
    }
}
