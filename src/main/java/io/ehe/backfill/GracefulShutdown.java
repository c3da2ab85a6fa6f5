package io.ehe.backfill;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Turns SIGTERM/SIGINT into "stop after the batch in flight". The JVM runs shutdown hooks on those
 * signals; this hook asks the backfill to stop, waits for the command to finish (the batch commits
 * or rolls back, the summary is printed) and then ends the process with the command's exit code.
 * {@link Runtime#halt} is the only way to choose the exit code from inside a hook: without it a
 * signalled JVM exits 143. After a normal finish the hook is removed, so an in-process caller (a
 * test) does not keep it.
 */
public final class GracefulShutdown implements AutoCloseable {

    /** How many are open in this process: a process-wide hook for the rest of a run stands aside while one is. */
    private static final java.util.concurrent.atomic.AtomicInteger OPEN = new java.util.concurrent.atomic.AtomicInteger();

    private final StopSignal stop = new StopSignal();
    private final CountDownLatch finished = new CountDownLatch(1);
    private final Duration grace;
    private final int interruptedCode;
    private volatile int exitCode;
    private final Thread hook;
    private final Runnable onSignal;

    /**
     * @param grace           how long the hook waits for the batch in flight before giving up on it
     *                        (the server rolls it back when the connection drops: still safe)
     * @param interruptedCode the exit code when the wait runs out
     */
    public GracefulShutdown(Duration grace, int interruptedCode) {
        this(grace, interruptedCode, () -> { });
    }

    /**
     * @param onSignal run on the signal's thread right after the stop request, before the wait for the
     *                 command (migrate: cancel the statement in flight, end the waits)
     */
    public GracefulShutdown(Duration grace, int interruptedCode, Runnable onSignal) {
        this.onSignal = onSignal;
        this.grace = grace;
        this.interruptedCode = interruptedCode;
        this.exitCode = interruptedCode;
        this.hook = new Thread(this::onSignal, "backfill-shutdown");
        OPEN.incrementAndGet();
        Runtime.getRuntime().addShutdownHook(hook);
    }

    /** One is open in this process: it answers a signal itself. */
    public static boolean anyOpen() {
        return OPEN.get() > 0;
    }

    public StopSignal stopSignal() {
        return stop;
    }

    /** The command is done and will exit with {@code code}. */
    public void finished(int code) {
        exitCode = code;
        finished.countDown();
    }

    @Override
    public void close() {
        finished.countDown();
        try {
            if (Runtime.getRuntime().removeShutdownHook(hook)) {
                OPEN.decrementAndGet();
            }
        } catch (IllegalStateException shuttingDown) {
            // a signal arrived: the hook is running and will end the process with exitCode (and stays counted open)
        }
    }

    private void onSignal() {
        stop.request("signal");
        try {
            onSignal.run();
        } catch (RuntimeException e) {
            // the wait below still ends the process
        }
        int code;
        try {
            code = finished.await(grace.toMillis(), TimeUnit.MILLISECONDS) ? exitCode : interruptedCode;
        } catch (InterruptedException e) {
            code = interruptedCode;
        }
        System.out.flush();
        System.err.flush();
        Runtime.getRuntime().halt(code);
    }
}
