package io.ehe.migration;

/** A changeSet's lock was refused on every attempt; nothing of that changeSet was applied. */
public class LockNotGrantedException extends Exception {
    public LockNotGrantedException(String message, Throwable cause) {
        super(message, cause);
    }
}
