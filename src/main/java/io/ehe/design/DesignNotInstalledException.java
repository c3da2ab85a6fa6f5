package io.ehe.design;

/** The database does not hold the design a command needs; nothing was changed. */
public final class DesignNotInstalledException extends IllegalStateException {

    public DesignNotInstalledException(String message) {
        super(message);
    }
}
