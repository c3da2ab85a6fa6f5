package io.ehe.migration;

import io.ehe.catalog.ModulePlacement;
import io.ehe.db.ConnectionFactory;
import io.ehe.db.Schemas;
import java.util.Optional;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * migrate: a Liquibase update that never queues production traffic behind itself.
 *
 * 1. Refuse a database without the upstream tables before anything is written (wrong database):
 *    Liquibase itself would create DATABASECHANGELOG first, so this check must come before it.
 * 2. Every DDL statement runs under a short lock_timeout: set inside the changeSets, and as a
 *    startup option of the session for Liquibase's own statements. A refused lock fails the
 *    changeSet; its transaction rolls back whole, so nothing of it is applied.
 * 3. Wait (doubling backoff), log who held the lock, run the update again: changeSets already
 *    recorded are skipped, so the retry starts at the refused one. After the last attempt give up
 *    with {@link LockNotGrantedException} (see {@link LockRetry}).
 */
public final class Migrator {

    private final ConnectionFactory connections;
    private final ChangelogRunner runner;
    private final LockRetry retry;
    private final MigrationSettings settings;
    private Interruption interruption;

    public Migrator(ConnectionFactory connections, MigrationSettings settings) {
        this.connections = connections;
        this.settings = settings;
        WaitWatch watch = new WaitWatch(connections, settings);
        this.runner = new ChangelogRunner(connections, settings).watchedBy(watch);
        this.retry = new LockRetry(connections, settings, watch);
    }

    public ChangelogRunner runner() {
        return runner;
    }

    /**
     * SIGINT/SIGTERM stop this migrator's waits and the statement in flight ({@link Interruption});
     * {@link #migrate} then throws {@link MigrationInterruptedException}. Binds to the calling thread.
     */
    public Migrator interruptibleBy(Interruption interruption) {
        this.interruption = interruption.bindToCurrentThread();
        runner.interruptibleBy(interruption);
        retry.interruptibleBy(interruption);
        return this;
    }

    public void requireUpstreamTables() throws Exception {
        if (runner.settings().withBaseline()) {
            return;
        }
        try (Connection c = connections.open()) {
            Schemas schemas = connections.schemas();
            Optional<String> wrong = ModulePlacement.wrongPlace(c, schemas, connections.url().jdbcUrl());
            if (wrong.isPresent()) {
                throw new WrongDatabaseException(wrong.get());
            }
            Optional<String> cannot = ModulePlacement.cannotInstall(c, schemas);
            if (cannot.isPresent()) {
                throw new WrongDatabaseException(cannot.get());
            }
        }
    }

    /** Applies what is pending (or the next {@code count}); returns what ran and what waits. */
    public MigrationResult migrate(String tag, Integer count) throws Exception {
        requireUpstreamTables();
        InvalidIndexRecord.forgetIfInvalid(connections, settings.design());
        List<ChangeSetState> before = changeSets();
        try {
            retry.run("migrate", () -> runner.update(tag, count));
        } catch (Exception e) {
            if (interruption != null && interruption.requested()) {
                throw interruption.stopped("migrate", e, "nothing of the changeSet in flight"
                        + " is recorded (a transactional changeSet rolled back whole; an INVALID index of a cancelled CONCURRENTLY build"
                        + " is rebuilt by the next run), changeSets recorded before it stay applied: run migrate again");
            }
            throw e;
        }
        return result(before, changeSets());
    }

    /** The plan and SQL of a migrate, changing nothing (read-only session). */
    public DryRunResult dryRun(Integer count) throws Exception {
        requireUpstreamTables();
        return runner.dryRunUpdate(count);
    }

    /** The changeSets of the design this migrator installs (and the baseline). */
    public List<ChangeSetState> changeSets() throws Exception {
        return runner.changeSets().stream().filter(cs -> cs.belongsTo(settings.design())).filter(ChangeSetState::ranOrApplies).toList();
    }

    private MigrationResult result(List<ChangeSetState> before, List<ChangeSetState> after) throws Exception {
        Set<String> ranBefore = before.stream().filter(ChangeSetState::ran).map(ChangeSetState::id).collect(Collectors.toSet());
        List<ChangeSetState> now = new ArrayList<>();
        List<ChangeSetState> already = new ArrayList<>();
        List<ChangeSetState> deferred = new ArrayList<>();
        List<ChangeSetState> notRequested = new ArrayList<>();
        boolean nullRows = nullRowsRemain();
        for (ChangeSetState cs : after) {
            if (cs.ran()) {
                (ranBefore.contains(cs.id()) ? already : now).add(cs);
            } else if (cs.deferrable() && nullRows && notRequested.isEmpty()) {
                deferred.add(cs);
            } else {
                notRequested.add(cs);
            }
        }
        return new MigrationResult(now, already, deferred, notRequested, nullRows);
    }

    /** Cheap while NULL rows exist (the first one found ends the scan); only asked after an update. */
    private boolean nullRowsRemain() throws Exception {
        try (Connection c = connections.open()) {
            try (PreparedStatement ps = c.prepareStatement("""
                    SELECT count(*) FROM pg_attribute
                     WHERE attrelid = to_regclass('events') AND attname = 'has_embedding' AND NOT attisdropped""");
                 ResultSet rs = ps.executeQuery()) {
                rs.next();
                if (rs.getInt(1) == 0) {
                    return false;
                }
            }
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT EXISTS (SELECT 1 FROM events WHERE has_embedding IS NULL)");
                 ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        }
    }
}
