package io.ehe.design;

/**
 * status on a database that has the app's tables but neither design's objects (no events.has_embedding,
 * no event_embedding_pending): the module is not installed there. Its own exit code (14), so a probe
 * does not read it as "the column design, not ready yet" (issue 28, 6).
 */
public final class ModuleNotInstalledException extends IllegalStateException {

    private final String database;

    public ModuleNotInstalledException(String database) {
        super("module not installed in this database (neither design's objects are there): run 'migrate'"
                + " (the column design) or 'migrate --design pending-table'; 'migrate --dry-run' first shows what it would apply");
        this.database = database;
    }

    /** The database's JDBC URL without credentials, as status prints it. */
    public String database() {
        return database;
    }
}
