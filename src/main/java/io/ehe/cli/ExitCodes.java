package io.ehe.cli;

/**
 * Every exit code the CLI uses; documented in docs/cli.md#exit-codes. Which command returns which, and the
 * block each --help ends with: {@link CommandExitCodes}.
 */
public final class ExitCodes {

    public static final int OK = 0;
    /** Something failed that is none of the below (SQL error, bug); see the error line. */
    public static final int FAILURE = 1;
    /** Bad flag or value; nothing was done, no connection was made. */
    public static final int USAGE = 2;
    /** Could not connect or log in (host, port, database name, user, password, TLS). */
    public static final int CONNECT = 3;
    /**
     * A lock was not granted within lock_timeout (or a CONCURRENTLY index build waited past the index
     * lock timeout) after every retry; the refused changeSet was rolled back with its history row, or
     * left an INVALID index that the next run rebuilds.
     */
    public static final int LOCK_NOT_GRANTED = 4;
    /** status: the design is not ready for the scheduler yet (index or bootstrap not complete). */
    public static final int NOT_READY = 5;
    /**
     * Wrong database, schema or role: no events/event_embeddings in --schema, the module kept in another
     * --module-schema, or (migrate) a role that neither owns the tables nor may create in the module
     * schema, or (status) a role that may not read the module's own tables; nothing was changed.
     */
    public static final int WRONG_DATABASE = 6;
    /** backfill: stopped by SIGTERM/SIGINT or a limit (--max-rows, --max-duration); safe to resume. */
    public static final int INTERRUPTED = 7;
    /** verify: has_embedding disagrees with event_embeddings, or NULL rows remain. */
    public static final int DRIFT = 8;
    /** The design asked for is not installed, or both are and none was named; nothing was changed. */
    public static final int WRONG_DESIGN = 9;
    /**
     * The connection cannot be relied on (a transaction pooler, a hot standby, sessions that start
     * read-only); refused before anything was written. The message says what to connect to instead.
     */
    public static final int UNSUITABLE_CONNECTION = 10;
    /**
     * DATABASECHANGELOG holds this module's changeSets under another file name (an app's changelog
     * with a root logicalFilePath applied them); nothing was changed, the message gives the repair.
     */
    public static final int HISTORY_PATH_MISMATCH = 11;
    /**
     * The command did all it could in this run but its goal does not hold yet (backfill: a target
     * model still filling, because it was added after the plan this run finished started); the
     * summary line says what is left. Run it again: a Job controller should retry, not fail.
     */
    public static final int MORE_TO_DO = 12;
    /**
     * The command would throw away state (configure with a different question) or act on a name no
     * data uses (a target model with no event_embeddings row, a column differing only in case), and
     * the option that says so was not given; nothing was changed. --dry-run shows what it would do.
     */
    public static final int NOT_CONFIRMED = 13;
    /**
     * status: the database has the app's tables but neither design (no events.has_embedding, no
     * event_embedding_pending): the module is not installed; run migrate. Distinct from 5 so that a probe
     * never reads "not installed" as "the column design, not ready yet". (Other commands say 9.)
     */
    public static final int MODULE_NOT_INSTALLED = 14;

    private ExitCodes() {
    }
}
