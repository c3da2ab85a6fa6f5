package io.ehe.backfill;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Asks a running backfill to stop after the batch in flight (SIGTERM/SIGINT via
 * {@link GracefulShutdown}, or a caller of the Java API). Pauses between batches and retries wait on
 * it, so a stop request does not sit out a long --sleep.
 */
public final class StopSignal {

    private final CountDownLatch requested = new CountDownLatch(1);
    private volatile String reason;

    public void request(String why) {
        if (reason == null) {
            reason = why;
        }
        requested.countDown();
    }

    public boolean requested() {
        return requested.getCount() == 0;
    }

    public String reason() {
        return reason;
    }

    /** Sleeps up to {@code d}; returns true if a stop was requested meanwhile. */
    boolean sleep(Duration d) {
        if (d.isZero() || d.isNegative()) {
            return requested();
        }
        try {
            return requested.await(d.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            request("interrupted");
            return true;
        }
    }
}
