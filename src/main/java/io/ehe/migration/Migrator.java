package io.ehe.migration;

import io.ehe.db.ConnectionFactory;
import io.ehe.db.SqlErrors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.util.List;

/**
 * migrate: a Liquibase update that never queues production traffic behind itself.
 *
 * 1. Refuse a database without the upstream tables before anything is written (wrong database).
 * 2. Every DDL statement runs under a short lock_timeout set inside its changeSet. A refused lock
 *    fails the changeSet; its transaction rolls back whole, so nothing of it is applied.
 * 3. Wait (doubling backoff), log who held the lock, run the update again: changeSets already
 *    recorded are skipped, so the retry starts at the refused one. After the last attempt give up
 *    with {@link LockNotGrantedException}.
 */
public final class Migrator {

    private static final Logger LOG = LoggerFactory.getLogger(Migrator.class);

    private final ConnectionFactory connections;
    private final ChangelogRunner runner;

    public Migrator(ConnectionFactory connections, MigrationSettings settings) {
        this.connections = connections;
        this.runner = new ChangelogRunner(connections, settings);
    }

    public ChangelogRunner runner() {
        return runner;
    }

    public void requireUpstreamTables() throws Exception {
        if (runner.settings().withBaseline()) {
            return;
        }
        try (Connection c = connections.open()) {
            if (!ChangelogRunner.upstreamTablesExist(c)) {
                throw new WrongDatabaseException("tables public.events and public.event_embeddings not found in "
                        + connections.url().jdbcUrl() + ": wrong database? Nothing was changed.");
            }
        }
    }

    public void migrate(String tag, Integer count) throws Exception {
        requireUpstreamTables();
        MigrationSettings s = runner.settings();
        for (int attempt = 1; ; attempt++) {
            try {
                runner.update(tag, count);
                return;
            } catch (Exception e) {
                if (!SqlErrors.isLockNotGranted(e)) {
                    throw e;
                }
                String blockers = blockers();
                if (attempt >= s.maxAttempts()) {
                    throw new LockNotGrantedException("lock not granted within lock_timeout " + s.lockTimeout()
                            + " after " + attempt + " attempts; blocked by " + blockers
                            + ". The refused changeSet was rolled back; run migrate again once the blocker is gone.", e);
                }
                long pause = s.backoff(attempt).toMillis();
                LOG.warn("lock not granted within lock_timeout {} (attempt {}/{}), blocked by {}; retrying in {} ms",
                        s.lockTimeout(), attempt, s.maxAttempts(), blockers, pause);
                Thread.sleep(pause);
            }
        }
    }

    public List<ChangeSetState> changeSets() throws Exception {
        return runner.changeSets();
    }

    private String blockers() {
        try (Connection c = connections.open()) {
            List<String> list = LockBlockers.describe(c);
            return list.isEmpty() ? "a transaction that has since ended" : String.join("; ", list);
        } catch (Exception e) {
            return "an unknown session (" + e.getMessage() + ")";
        }
    }
}
