package io.ehe.migration;

import liquibase.Liquibase;
import liquibase.changelog.ChangeSet;
import liquibase.changelog.DatabaseChangeLog;
import liquibase.database.Database;
import liquibase.exception.PreconditionFailedException;
import liquibase.precondition.Precondition;
import liquibase.precondition.core.PreconditionContainer;

import java.util.ArrayList;
import java.util.List;

/**
 * Decides, before a dry run prints its SQL, what each pending changeSet would really do.
 *
 * Liquibase's SQL output ignores preconditions by default (onSqlOutput IGNORE): a dry run against a
 * production database would print the dev-only baseline's CREATE TABLE events and the deferred
 * CREATE INDEX as if they ran. Here every precondition that can be judged now is checked against
 * the live database (read-only queries) and switched to onSqlOutput TEST, so Liquibase's output
 * leaves out what would be skipped. A precondition that reads something an earlier pending
 * changeSet creates (the index's check reads has_embedding before the column exists) cannot be
 * judged yet: its SQL stays in the output and the plan says so.
 */
final class DryRunPlanner {

    private DryRunPlanner() {
    }

    /** The plan of the changeSets {@code rollout} says the update walks, the next {@code count} steps of it when not null. */
    static List<PlannedChangeSet> plan(Liquibase liquibase, RolloutPlan rollout, Integer count) throws Exception {
        Database database = liquibase.getDatabase();
        DatabaseChangeLog changeLog = liquibase.getDatabaseChangeLog();
        PreconditionContainer top = changeLog.getPreconditions();
        if (top != null && evaluate(top, database, changeLog, null) != Outcome.ERROR) {
            top.setOnSqlOutput(PreconditionContainer.OnSqlOutputOption.TEST);
        }
        for (ChangeSet check : rollout.checks()) {
            // Judged like the others so the SQL leaves them out; the runner has made its checks itself.
            if (check.getPreconditions() != null && evaluate(check.getPreconditions(), database, changeLog, check) != Outcome.ERROR) {
                check.getPreconditions().setOnSqlOutput(PreconditionContainer.OnSqlOutputOption.TEST);
            }
        }
        List<PlannedChangeSet> plan = new ArrayList<>();
        int taken = 0;
        for (ChangeSet cs : rollout.toWalk()) {
            if (count != null && taken >= count) {
                break;
            }
            plan.add(planOne(cs, database, changeLog));
            if (!rollout.skippedBaseline(cs)) {
                taken++;
            }
        }
        return plan;
    }

    private static PlannedChangeSet planOne(ChangeSet cs, Database database, DatabaseChangeLog changeLog) {
        PreconditionContainer pc = cs.getPreconditions();
        if (pc == null || pc.getNestedPreconditions().isEmpty()) {
            return new PlannedChangeSet(cs.getId(), PlannedChangeSet.Action.RUN, "");
        }
        Outcome outcome = evaluate(pc, database, changeLog, cs);
        if (outcome == Outcome.ERROR) {
            return new PlannedChangeSet(cs.getId(), PlannedChangeSet.Action.DECIDED_AT_RUN_TIME,
                    "its precondition reads objects that earlier pending changeSets create; its SQL is shown as if it ran");
        }
        pc.setOnSqlOutput(PreconditionContainer.OnSqlOutputOption.TEST);
        if (outcome == Outcome.PASS) {
            return new PlannedChangeSet(cs.getId(), PlannedChangeSet.Action.RUN, "precondition met");
        }
        PreconditionContainer.FailOption onFail = pc.getOnFail() == null ? PreconditionContainer.FailOption.HALT : pc.getOnFail();
        return switch (onFail) {
            case MARK_RAN -> new PlannedChangeSet(cs.getId(), PlannedChangeSet.Action.MARK_RAN,
                    "precondition not met: recorded as ran, nothing executed");
            case CONTINUE -> new PlannedChangeSet(cs.getId(), PlannedChangeSet.Action.DEFERRED,
                    "precondition not met: skipped now, tried again by the next migrate");
            case WARN -> new PlannedChangeSet(cs.getId(), PlannedChangeSet.Action.RUN, "precondition not met (warning only)");
            case HALT -> new PlannedChangeSet(cs.getId(), PlannedChangeSet.Action.HALTS, "precondition not met: the update stops here");
        };
    }

    private enum Outcome { PASS, FAIL, ERROR }

    private static Outcome evaluate(PreconditionContainer pc, Database database, DatabaseChangeLog changeLog, ChangeSet cs) {
        try {
            for (Precondition p : pc.getNestedPreconditions()) {
                p.check(database, changeLog, cs, null);
            }
            return Outcome.PASS;
        } catch (PreconditionFailedException e) {
            return Outcome.FAIL;
        } catch (Exception e) {
            return Outcome.ERROR;
        } finally {
            // A failed query aborts the session's transaction; the next check needs a clean one.
            try {
                database.rollback();
            } catch (Exception ignored) {
                // nothing was written; the connection error, if any, surfaces on the next statement
            }
        }
    }
}
