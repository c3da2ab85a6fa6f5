package io.ehe.cli;

import io.ehe.backfill.GracefulShutdown;

import java.util.function.IntSupplier;

/**
 * SIGINT/SIGTERM outside every step that stops cleanly on a signal (the JVM starting the command, the
 * first connections opened, the report printed, or a command without such steps: status, verify, queue,
 * partitions sync): one error line and exit 7 instead of the JVM's bare 130/143 with no word (a new-user
 * trial). The line claims only what holds everywhere: the process ends, the server rolls back a
 * transaction in flight, and what was committed stays. While a step's own {@link GracefulShutdown} is
 * open, that step answers the signal instead. Only {@link Main#main} and the backfill's entry point use
 * this; an in-process caller (a test) keeps the JVM's own hooks.
 */
public final class EarlySignal {

    private EarlySignal() {
    }

    /** Runs {@code command} under the hook and returns its exit code, the hook removed before the caller exits. */
    public static int guarded(String command, IntSupplier run) {
        Thread hook = new Thread(() -> onSignal(command), "early-signal");
        Runtime.getRuntime().addShutdownHook(hook);
        int code = run.getAsInt();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // a signal arrived while the command ended: the hook ends the process
        }
        return code;
    }

    private static void onSignal(String command) {
        if (GracefulShutdown.anyOpen()) {
            return; // the step's own hook answers the signal
        }
        System.out.flush();
        System.err.println("error: " + command + " stopped by a signal outside the steps that stop cleanly on one (starting, "
                + "ending, or a command without such steps): what it committed stays, a transaction in flight is rolled back by the "
                + "server; run it again unless its output says it finished");
        System.err.flush();
        Runtime.getRuntime().halt(ExitCodes.INTERRUPTED);
    }
}
