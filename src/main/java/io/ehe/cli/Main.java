package io.ehe.cli;

import io.ehe.cli.logging.LogFormat;
import io.ehe.db.Secrets;
import io.ehe.db.SqlErrors;
import io.ehe.db.UnsuitableConnectionException;
import io.ehe.design.DesignNotInstalledException;
import io.ehe.migration.HistoryPathMismatchException;
import io.ehe.migration.LockNotGrantedException;
import io.ehe.migration.LogBridge;
import io.ehe.migration.MigrationInterruptedException;
import io.ehe.migration.UnknownTargetException;
import io.ehe.migration.WrongDatabaseException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintWriter;

/** The command line: thin picocli commands over the migration, backfill and status packages. */
@Command(name = "events-has-embedding",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "Makes \"which events still need an embedding?\" cheap on a live PostgreSQL: events.has_embedding (column design) or event_embedding_pending (pending-table design).",
        subcommands = {
                MigrateCommand.class,
                RollbackCommand.class,
                StatusCommand.class,
                BackfillCommand.class,
                VerifyCommand.class,
                ConfigureCommand.class,
                TargetsCommand.class,
                PartitionsCommand.class,
                QueueCommand.class,
                CommandLine.HelpCommand.class
        })
public final class Main implements Runnable {

    private static final Logger LOG = LoggerFactory.getLogger(Main.class);

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a command is required (migrate, rollback, status, backfill, verify, configure, targets)");
    }

    public static void main(String[] args) {
        System.exit(EarlySignal.guarded(args.length > 0 && !args[0].startsWith("-") ? args[0] : "the command", () -> run(args)));
    }

    /** Runs one command and returns its exit code (tests call this in-process). */
    public static int run(String... args) {
        registerSecrets(args);
        LogBridge.install();
        return commandLine().execute(args);
    }

    /**
     * Learns the passwords of this run ({@link LoginSecrets}) before parsing, so that even a parse error
     * that echoes an argument, or a failure before ConnectionOptions ran, is masked.
     */
    static void registerSecrets(String... args) {
        LoginSecrets.of(args, System.getenv()).forEach(Secrets::register);
    }

    public static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new Main());
        cli.setParameterExceptionHandler(Main::usageError);
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> failure(e, commandLine.getErr()));
        exitCodeFooters(cli, CommandExitCodes.TOP);
        WordWrappedHelp.install(cli);
        return cli;
    }

    /** Ends every command's help with its row of {@link CommandExitCodes}, after the footer lines it has of its own. */
    static void exitCodeFooters(CommandLine command, String path) {
        CommandLine.Model.UsageMessageSpec usage = command.getCommandSpec().usageMessage();
        java.util.List<String> footer = new java.util.ArrayList<>(java.util.List.of(usage.footer()));
        footer.add("");
        footer.add(CommandExitCodes.footer(path));
        usage.footer(footer.toArray(new String[0]));
        for (CommandLine sub : command.getSubcommands().values()) {
            String name = sub.getCommandName();
            exitCodeFooters(sub, path.isEmpty() ? name : path + " " + name);
        }
    }

    private static int usageError(CommandLine.ParameterException e, String[] args) {
        errorLine(e.getCommandLine().getErr(), "error: " + Secrets.mask(usageMessage(e)) + " (try --help)", null);
        return ExitCodes.USAGE;
    }

    /**
     * picocli echoes unmatched arguments whole. A misspelt secret flag ({@code --pasword=...}, or
     * {@code --pasword} followed by the value) was never registered as a secret, so its value would be
     * printed: name only the first unknown token, without anything after an '='.
     */
    static String usageMessage(CommandLine.ParameterException e) {
        if (e instanceof CommandLine.UnmatchedArgumentException u && !u.getUnmatched().isEmpty()) {
            String first = u.getUnmatched().get(0);
            int eq = first.indexOf('=');
            String shown = eq < 0 ? first : first.substring(0, eq + 1) + "****";
            return (first.startsWith("-") ? "unknown option '" : "unexpected argument '") + shown + "'"
                    + (u.getUnmatched().size() > 1 ? " (and " + (u.getUnmatched().size() - 1) + " more argument(s), not shown)" : "");
        }
        // picocli starts some messages with its own "Error: " (a missing ArgGroup): the line has one prefix already.
        return String.valueOf(e.getMessage()).replaceFirst("^Error: ", "");
    }

    private static boolean causedBy(Throwable e, Class<? extends Throwable> type) {
        for (Throwable c = e; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (type.isInstance(c)) {
                return true;
            }
        }
        return false;
    }

    private static Throwable cause(Throwable e, Class<? extends Throwable> type) {
        for (Throwable c = e; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (type.isInstance(c)) {
                return c;
            }
        }
        return e;
    }

    private static Throwable unsuitable(Throwable e) {
        for (Throwable c = e; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof UnsuitableConnectionException) {
                return c;
            }
        }
        return e;
    }

    /** The one error line of a wait ended by SIGTERM/SIGINT (exit 7), printed before the shutdown hook ends the process. */
    static void interruptedLine(Exception e) {
        PrintWriter err = new PrintWriter(System.err, true);
        errorLine(err, "error: " + Secrets.mask(String.valueOf(e.getMessage())), null);
    }

    /** One line on stderr, a distinct exit code, no secret. */
    static int failure(Exception e, PrintWriter err) {
        int code;
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        if (e instanceof IllegalArgumentException || e instanceof UnknownTargetException) {
            code = ExitCodes.USAGE;
        } else if (e instanceof DesignNotInstalledException) {
            code = ExitCodes.WRONG_DESIGN;
        } else if (causedBy(e, io.ehe.db.OlderTransactions.WaitStoppedException.class) || causedBy(e, MigrationInterruptedException.class)) {
            code = ExitCodes.INTERRUPTED;
        } else if (e instanceof io.ehe.design.NotConfirmedException) {
            code = ExitCodes.NOT_CONFIRMED;
        } else if (causedBy(e, HistoryPathMismatchException.class)) {
            code = ExitCodes.HISTORY_PATH_MISMATCH;
            message = cause(e, HistoryPathMismatchException.class).getMessage();
        } else if (e instanceof WrongDatabaseException) {
            code = ExitCodes.WRONG_DATABASE;
        } else if (e instanceof LockNotGrantedException) {
            code = ExitCodes.LOCK_NOT_GRANTED;
        } else if (causedBy(e, liquibase.exception.LockException.class)) {
            // The migration (advisory) lock stayed with another runner for the whole wait.
            code = ExitCodes.LOCK_NOT_GRANTED;
        } else if (causedBy(e, UnsuitableConnectionException.class)) {
            code = ExitCodes.UNSUITABLE_CONNECTION;
            message = "unsuitable connection: " + unsuitable(e).getMessage();
        } else if (SqlErrors.isConnectionFailure(e)) {
            code = ExitCodes.CONNECT;
            Throwable cause = SqlErrors.sqlCause(e).orElse(null);
            message = cause instanceof io.ehe.db.ConnectFailure named ? named.getMessage()
                    : "could not connect: " + (cause == null ? message : cause.getMessage());
        } else if (SqlErrors.isLockNotGranted(e)) {
            code = ExitCodes.LOCK_NOT_GRANTED;
        } else if (FailedChangeSet.message(e).isPresent()) {
            code = ExitCodes.FAILURE;
            message = FailedChangeSet.message(e).get();
        } else {
            code = ExitCodes.FAILURE;
            Throwable root = e;
            while (root.getCause() != null && root.getCause() != root) {
                root = root.getCause();
            }
            if (root != e && root.getMessage() != null && !message.contains(root.getMessage())) {
                message = message + " (" + root.getMessage() + ")";
            }
            if (message.contains("check sum")) {
                message = message + " -- a changeSet applied here differs from this version's changelog: was it edited after it ran?";
            }
        }
        errorLine(err, "error: " + Secrets.mask(message.replaceAll("\\s*\\R\\s*", " ").trim()), e);
        return code;
    }

    /**
     * The one error line. With LOG_FORMAT=json stderr must stay all JSON (a collector drops or garbles
     * anything else), so the line is logged, with its exception as stack_trace; as text it is printed
     * plain, and the exception only at DEBUG.
     */
    private static void errorLine(PrintWriter err, String line, Exception cause) {
        if (LogFormat.json()) {
            LOG.error(line, cause);
            return;
        }
        if (cause != null) {
            LOG.debug("command failed", cause);
        }
        err.println(line);
        err.flush();
    }
}
