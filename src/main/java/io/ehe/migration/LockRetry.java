package io.ehe.migration;

import io.ehe.db.ConnectionFactory;
import io.ehe.db.SqlErrors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
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

    LockRetry(ConnectionFactory connections, MigrationSettings settings) {
        this.connections = connections;
        this.settings = settings;
    }

    void run(String what, Step step) throws Exception {
        for (int attempt = 1; ; attempt++) {
            try {
                step.run();
                return;
            } catch (Exception e) {
                if (!SqlErrors.isLockNotGranted(e)) {
                    throw e;
                }
                String blockers = blockers();
                if (attempt >= settings.maxAttempts()) {
                    throw new LockNotGrantedException(what + ": lock not granted within lock_timeout " + settings.lockTimeout()
                            + " after " + attempt + " attempt" + (attempt == 1 ? "" : "s") + "; blocked by " + blockers
                            + ". The refused changeSet and its history row were rolled back together; run migrate again once the blocker is gone.", e);
                }
                long pause = settings.backoff(attempt).toMillis();
                LOG.warn("{}: lock not granted within lock_timeout {} (attempt {}/{}), blocked by {}; retrying in {} ms",
                        what, settings.lockTimeout(), attempt, settings.maxAttempts(), blockers, pause);
                Thread.sleep(pause);
            }
        }
    }

    /** Read right after the refusal: the blocker usually still holds its lock. */
    private String blockers() {
        try (Connection c = connections.open()) {
            List<String> list = LockBlockers.describe(c);
            // Only what was seen: the refused lock may have been on a relation not watched here.
            return list.isEmpty() ? "no session found holding a lock on " + LockBlockers.WATCHED + " when looked at after the refusal"
                    : String.join("; ", list);
        } catch (Exception e) {
            return "an unknown session (" + e.getMessage() + ")";
        }
    }
}
