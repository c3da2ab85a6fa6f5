package io.ehe.cli;

import io.ehe.backfill.GracefulShutdown;

import java.util.function.IntSupplier;

/**
 * SIGINT/SIGTERM outside every interruptible step of a real process (the JVM starting the command,
 * arguments parsed, the first connections opened, the report printed): one error line and exit 7, as
 * for a signal during a step, instead of the JVM's bare 130/143 with no word (a new-user trial).
 * Nothing is in flight then: no changeSet, batch or configure statement runs outside a step's own
 * {@link GracefulShutdown}, which handles the signal itself while one is open. Only {@link Main#main}
 * and the backfill's entry point use this; an in-process caller (a test) keeps the JVM's own hooks.
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
        System.err.println("error: " + command + " stopped by a signal while starting or ending, no step in flight: "
                + "nothing was left half done; run it again unless its output says it finished");
        System.err.flush();
        Runtime.getRuntime().halt(ExitCodes.INTERRUPTED);
    }
}
