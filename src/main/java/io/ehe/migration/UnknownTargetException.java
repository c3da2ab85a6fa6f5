package io.ehe.migration;

/** A rollback target (tag or changeSet) that this database does not have. */
public class UnknownTargetException extends Exception {
    public UnknownTargetException(String message) {
        super(message);
    }
}
