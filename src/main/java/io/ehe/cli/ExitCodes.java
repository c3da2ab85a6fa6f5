package io.ehe.cli;

/** Every exit code the CLI uses; documented in docs/cli.md#exit-codes and in --help. */
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
     * schema; nothing was changed.
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

    /** Every line at most 80 columns, so picocli never breaks one mid-sentence (HelpTextTest). */
    public static final String HELP_TEXT = """
            Exit codes:
              0  success (status: ready; backfill: the goal holds)
              1  failure (see the error line)
              2  usage error: bad flag or value, nothing done
              3  could not connect or log in
              4  lock not granted within lock_timeout after all retries (nothing
                 half-applied; an INVALID index from a cancelled CONCURRENTLY build
                 is rebuilt by the next run), or (pending-table fill, targets
                 remove) an older transaction stayed open past the wait
              5  status: not ready for the scheduler (column: index / NULL rows /
                 triggers / another question configured; pending-table: a target
                 filling or being removed / triggers / semantics no longer matching
                 the tables; both: a subscription or rows that arrived without the
                 triggers)
              6  wrong database, schema or role (tables missing, module in another
                 schema, role may not alter the tables); nothing changed
              7  interrupted (SIGTERM/SIGINT, or a backfill limit): safe to resume
              8  verify: drift or NULL rows found
              9  design not installed (or both installed and none named): nothing
                 changed
             10  unsuitable connection (a transaction pooler, a hot standby,
                 read-only sessions): nothing changed
             11  changeSets of this module recorded under another file name (an
                 app's root logicalFilePath): nothing changed; the error line gives
                 the repair
             12  more to do: this run ended cleanly but the goal does not hold yet
                 (backfill: a target still filling); run it again (a Job retries)
             13  not confirmed: the command would discard state or use a name no
                 data uses; pass the option the error line names
                 (--change-question, --new-model); nothing changed
             14  status: module not installed (neither design in this database):
                 run migrate
            A Job controller: 0 done; retry 1, 3, 4, 5, 7, 12; fail at once on 2, 6,
            9, 10, 11, 13, 14 (the chart's podFailurePolicy does so).""";

    private ExitCodes() {
    }
}
