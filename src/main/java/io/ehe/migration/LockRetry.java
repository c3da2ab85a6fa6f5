package io.ehe.migration;

import io.ehe.db.ConnectionFactory;
import io.ehe.db.PgDuration;
import io.ehe.db.SqlErrors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.time.Duration;
import java.util.List;

/**
 * Runs a Liquibase step again when PostgreSQL refused a lock within lock_timeout (SQLSTATE 55P03),
 * pausing with doubling backoff and logging who held the lock, then gives up with
 * {@link LockNotGrantedException}. Safe because a refused changeSet rolls back whole and is not
 * recorded, so the next attempt starts at that changeSet.
 */
final class LockRetry {

    private static final Logger LOG = LoggerFactory.getLogger(LockRetry.class);

    @FunctionalInterface
    interface Step {
        void run() throws Exception;
    }

    private final ConnectionFactory connections;
    private final MigrationSettings settings;
    private final WaitWatch watch;
    private Interruption interruption;

    /** {@code watch}: told each attempt and pause, logs the wait meanwhile and names the changeSet and blocker at the end. */
    LockRetry(ConnectionFactory connections, MigrationSettings settings, WaitWatch watch) {
        this.connections = connections;
        this.settings = settings;
        this.watch = watch;
    }

    /** A stop ends the pause between attempts at once, and no attempt starts after it (null: none). */
    LockRetry interruptibleBy(Interruption interruption) {
        this.interruption = interruption;
        return this;
    }

    void run(String what, Step step) throws Exception {
        try (AutoCloseable looking = watch.start(what)) {
            attempts(what, step);
        }
    }

    private void attempts(String what, Step step) throws Exception {
        for (int attempt = 1; ; attempt++) {
            watch.attempt(attempt);
            watch.pausing(Duration.ZERO);
            try {
                step.run();
                return;
            } catch (Exception e) {
                if (!SqlErrors.isLockNotGranted(e) || (interruption != null && interruption.requested())) {
                    throw e;
                }
                Refusal refusal = Refusal.of(e, settings);
                RefusalBlockers blockers = blockers(refusal);
                watch.refused(blockers);
                if (attempt >= settings.maxAttempts()) {
                    String changeSet = watch.changeSet() == null ? "" : " changeSet " + watch.changeSet() + ":";
                    throw new LockNotGrantedException(what + ":" + changeSet + " " + refusal.what() + " not granted within " + refusal.timeoutName()
                            + " " + refusal.timeout() + " after " + attempt + " attempt" + (attempt == 1 ? "" : "s")
                            + "; waiting for " + blockers.words() + ". " + refusal.leftBehind(what), e);
                }
                long pause = settings.backoff(attempt).toMillis();
                watch.pausing(Duration.ofMillis(pause));
                LOG.warn("{}: {} not granted within {} {} (attempt {}/{}), waiting for {}; retrying in {} ms",
                        what, refusal.what(), refusal.timeoutName(), refusal.timeout(), attempt, settings.maxAttempts(), blockers.words(), pause);
                if (interruption == null) {
                    Thread.sleep(pause);
                } else if (interruption.pause(Duration.ofMillis(pause))) {
                    throw e; // stopped during the pause: the refused changeSet is not applied
                }
            }
        }
    }

    /**
     * Read right after the refusal: the blocker usually still holds on. When it is gone by then, the
     * blocker the watch saw last while the statement waited. Only what was seen is said.
     */
    private RefusalBlockers blockers(Refusal refusal) {
        List<String> list = List.of();
        try (Connection c = connections.open()) {
            list = refusal.indexBuild() ? IndexBuildBlockers.describe(c, PgDuration.parse(refusal.timeout())) : LockBlockers.describe(c);
            if (!list.isEmpty()) {
                return new RefusalBlockers(list, String.join("; ", list));
            }
            if (watch.lastBlockers() != null) {
                // Not found by the look after the refusal (an index build's look asks for transactions older
                // than its timeout): that does not make it gone, so say only what was seen.
                return new RefusalBlockers(List.of(), watch.lastBlockers() + " (seen while it waited)");
            }
            return new RefusalBlockers(List.of(), refusal.indexBuild() ? "no transaction of this database open for " + refusal.timeout()
                    + " or longer was found when looked at after the refusal"
                    : "no session found holding a lock on " + LockBlockers.WATCHED + " when looked at after the refusal");
        } catch (Exception e) {
            // What the look found stays found when only closing its session failed.
            return new RefusalBlockers(list, "an unknown session (" + e.getMessage() + ")");
        }
    }
}
