package io.ehe.migration;

import org.slf4j.bridge.SLF4JBridgeHandler;

import java.util.logging.LogManager;
import java.util.logging.LogRecord;

/**
 * Liquibase and the JDBC driver log through java.util.logging: send it to logback so one format (and one
 * mask) applies. Without it JUL's own console handler prints straight to stderr, unmasked, beside the
 * CLI's one error line.
 *
 * <p>Liquibase logs a failed changeSet with its exception, whose message carries the whole failed SQL
 * (kilobytes for a function body), and the same exception then reaches the CLI's error line: the SQL
 * was printed twice, and once more per retry of a refused lock (issue 28, 9). Its record is passed on
 * without the exception; the error line ({@code io.ehe.cli.FailedChangeSet}) says the statement once.
 */
public final class LogBridge {

    private static boolean installed;

    private LogBridge() {
    }

    public static synchronized void install() {
        if (!installed) {
            SLF4JBridgeHandler.removeHandlersForRootLogger();
            LogManager.getLogManager().getLogger("").addHandler(new WithoutFailedSql());
            java.util.logging.Logger.getLogger("liquibase").setLevel(java.util.logging.Level.INFO);
            installed = true;
        }
    }

    /** The bridge, minus the exception of Liquibase's "ChangeSet ... encountered an exception." record. */
    static final class WithoutFailedSql extends SLF4JBridgeHandler {

        @Override
        public void publish(LogRecord record) {
            if (record != null && record.getThrown() != null && isFailedChangeSet(record)) {
                LogRecord plain = new LogRecord(record.getLevel(), record.getMessage()
                        + " (its statement and the database's error: in the error line, if the command ends with it)");
                plain.setLoggerName(record.getLoggerName());
                plain.setInstant(record.getInstant());
                plain.setParameters(record.getParameters());
                super.publish(plain);
                return;
            }
            super.publish(record);
        }

        static boolean isFailedChangeSet(LogRecord record) {
            String name = record.getLoggerName();
            String message = record.getMessage();
            return name != null && name.startsWith("liquibase") && message != null
                    && message.startsWith("ChangeSet ") && message.contains("encountered an exception");
        }
    }
}
