package io.ehe.migration;

import io.ehe.db.ConnectionFactory;

import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;

/**
 * rollback with the same safety as migrate: short lock_timeout, retry with backoff on a refused
 * lock, a distinct failure after the last attempt.
 *
 * A count is turned into "keep changeSet X" before the first attempt. Otherwise a retry after a
 * partial rollback (two of three changeSets undone, the third refused its lock) would undo three
 * more instead of the one that is left. For the same reason a rollback --count stopped by a signal
 * names --to-changeset X as the way to finish, never the same --count.
 */
public final class Rollbacker {

    private final ConnectionFactory connections;
    private final ChangelogRunner runner;
    private final LockRetry retry;
    private Interruption interruption;

    public Rollbacker(ConnectionFactory connections, MigrationSettings settings) {
        this.connections = connections;
        WaitWatch watch = new WaitWatch(connections, settings);
        this.runner = new ChangelogRunner(connections, settings).watchedBy(watch);
        this.retry = new LockRetry(connections, settings, watch);
    }

    /**
     * SIGINT/SIGTERM stop this rollback's waits and the statement in flight, as migrate's
     * ({@link Interruption}); {@link #rollback} then throws {@link MigrationInterruptedException}.
     * Binds to the calling thread.
     */
    public Rollbacker interruptibleBy(Interruption interruption) {
        this.interruption = interruption.bindToCurrentThread();
        runner.interruptibleBy(interruption);
        retry.interruptibleBy(interruption);
        return this;
    }

    /**
     * Rolls back to the target; returns the ids rolled back, newest first.
     *
     * @throws MigrationInterruptedException stopped by a signal (see {@link #interruptibleBy}): the
     *         changeSet whose rollback was in flight stays applied and recorded, whole
     */
    public List<String> rollback(RollbackTarget target) throws Exception {
        List<String> before = appliedOrRefuse();
        String keep = target instanceof RollbackTarget.Count || target instanceof RollbackTarget.AfterChangeSet
                ? keptChangeSet(target, before) : null;
        try {
            rollBack(target, keep);
        } catch (LockNotGrantedException e) {
            // After a --count, running the same count again would undo more than asked.
            throw new LockNotGrantedException(e.getMessage() + " Once the blockers named are gone, " + toFinish(target, keep) + ".", e.getCause());
        } catch (Exception e) {
            if (interruption != null && interruption.requested()) {
                throw interruption.stopped("rollback", e, "the changeSet whose rollback was in flight, if any, stays applied and"
                        + " recorded, whole (its rollback and the delete of its history row commit together or not at all; one that runs"
                        + " outside a transaction may be part undone, and the next rollback finishes it), no further changeSet was started,"
                        + " those rolled back before it stay rolled back: " + toFinish(target, keep));
            }
            throw e;
        }
        List<String> after = runner.appliedIds();
        List<String> undone = new ArrayList<>();
        for (int i = before.size() - 1; i >= 0; i--) {
            if (!after.contains(before.get(i))) {
                undone.add(before.get(i));
            }
        }
        return undone;
    }

    /** What finishes a stopped rollback: the same command, except a count, which would now undo more than asked. */
    private static String toFinish(RollbackTarget target, String keep) {
        if (target instanceof RollbackTarget.Count && keep != null) {
            return "to finish, run rollback --to-changeset " + keep + " (not the same --count: it would now undo more)";
        }
        return "run the same rollback again to finish";
    }

    private void rollBack(RollbackTarget target, String keep) throws Exception {
        if (target instanceof RollbackTarget.Tag t) {
            retry.run("rollback", () -> runner.rollbackToTag(t.tag()));
        } else if (target instanceof RollbackTarget.AllOfDesign d) {
            // Counted again on every attempt: a retry after a partial rollback undoes only what is left.
            retry.run("rollback", () -> {
                int n = appliedOf(d.design());
                if (n > 0) {
                    runner.rollbackCount(n, d.design());
                }
            });
        } else {
            retry.run("rollback", () -> {
                int n = keep == null ? runner.appliedIds().size() : runner.countAppliedAfter(keep);
                if (n > 0) {
                    runner.rollbackCount(n);
                }
            });
        }
    }

    /** The rollback SQL, on a read-only session: changes nothing. */
    public String dryRun(RollbackTarget target) throws Exception {
        List<String> applied = appliedOrRefuse();
        if (target instanceof RollbackTarget.Tag t) {
            return runner.rollbackToTagSql(t.tag());
        }
        if (target instanceof RollbackTarget.AllOfDesign d) {
            int n = appliedOf(d.design());
            return n == 0 ? "-- nothing to roll back: no changeSet of the " + d.design().id() + " design is applied\n"
                    : runner.rollbackCountSql(n, d.design());
        }
        String keep = keptChangeSet(target, applied);
        int n = keep == null ? applied.size() : runner.countAppliedAfter(keep);
        return n == 0 ? "-- nothing to roll back: no changeSet is applied after " + keep + "\n" : runner.rollbackCountSql(n);
    }

    private int appliedOf(io.ehe.catalog.Design design) throws Exception {
        return (int) runner.changeSets().stream().filter(cs -> cs.ran() && cs.design() == design).count();
    }

    /** The changeSet that stays the newest applied one; null = roll back everything. */
    private String keptChangeSet(RollbackTarget target, List<String> applied) throws Exception {
        if (target instanceof RollbackTarget.AfterChangeSet a) {
            runner.countAppliedAfter(a.id()); // throws UnknownTargetException when it is not applied
            return a.id();
        }
        int count = ((RollbackTarget.Count) target).count();
        return count >= applied.size() ? null : applied.get(applied.size() - 1 - count);
    }

    /** Liquibase would create its history table on a database that has none: check first. */
    private List<String> appliedOrRefuse() throws Exception {
        try (Connection c = connections.open()) {
            if (!ChangelogRunner.changelogTableExists(c, connections.schemas())) {
                throw new WrongDatabaseException("no changeSet of this module is recorded in " + connections.url().jdbcUrl()
                        + " (no databasechangelog table in schema " + connections.schemas().module() + "): wrong database or --module-schema? Nothing was changed.");
            }
        }
        return runner.appliedIds();
    }
}
