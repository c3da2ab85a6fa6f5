package io.ehe.cli;

import io.ehe.backfill.GracefulShutdown;
import io.ehe.backfill.StopSignal;
import io.ehe.db.OlderTransactions;
import io.ehe.migration.Interruption;
import io.ehe.migration.MigrationInterruptedException;

import java.time.Duration;

/**
 * A changelog command (migrate, rollback) under SIGINT/SIGTERM: the signal cancels the statement in
 * flight and ends the lock waits (io.ehe.migration.Interruption); once the work has stopped, one error
 * line and exit 7. The process waits for that at most {@link #SIGNAL_GRACE}, then ends with 7 anyway
 * (the server rolls back what the dropped session held).
 */
final class InterruptibleRun {

    /** How long a signal waits for the run to stop cleanly (the cancel ends a lock wait within milliseconds). */
    static final Duration SIGNAL_GRACE = Duration.ofSeconds(10);

    /** The command's work; {@code stop} is set by the signal too, for waits outside the changelog (configure's). */
    @FunctionalInterface
    interface Work {
        void run(StopSignal stop) throws Exception;
    }

    private InterruptibleRun() {
    }

    /**
     * Runs {@code work} with {@code interruption} requested on SIGINT/SIGTERM.
     *
     * @return {@link ExitCodes#OK}, or {@link ExitCodes#INTERRUPTED} after printing the one error line
     * @throws Exception whatever else the work threw (the execution handler prints it; exit code by Main)
     */
    static int run(Interruption interruption, Work work) throws Exception {
        try (GracefulShutdown shutdown = new GracefulShutdown(SIGNAL_GRACE, ExitCodes.INTERRUPTED, interruption::request)) {
            return supervise(shutdown, work);
        }
    }

    /**
     * Runs {@code work}, whose own waits watch the stop signal (configure's statements: the signal
     * cancels the one in flight), the same way: one error line and exit 7 when it stopped.
     */
    static int run(Work work) throws Exception {
        try (GracefulShutdown shutdown = new GracefulShutdown(SIGNAL_GRACE, ExitCodes.INTERRUPTED)) {
            return supervise(shutdown, work);
        }
    }

    private static int supervise(GracefulShutdown shutdown, Work work) throws Exception {
        try {
            work.run(shutdown.stopSignal());
        } catch (MigrationInterruptedException | OlderTransactions.WaitStoppedException stopped) {
            Main.interruptedLine(stopped);
            shutdown.finished(ExitCodes.INTERRUPTED);
            return ExitCodes.INTERRUPTED;
        } catch (Exception failed) {
            shutdown.finished(ExitCodes.FAILURE); // the execution handler prints it; the hook must not end the process first
            throw failed;
        }
        shutdown.finished(ExitCodes.OK);
        return ExitCodes.OK;
    }
}
