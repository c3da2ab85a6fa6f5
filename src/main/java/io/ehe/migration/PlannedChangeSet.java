package io.ehe.migration;

/** What a dry run expects an update to do with one pending changeSet. */
public record PlannedChangeSet(String id, Action action, String note) {

    public enum Action {
        /** Its SQL runs. */
        RUN,
        /** Recorded as ran without running (precondition not met, onFail MARK_RAN): the dev-only baseline on a real database. */
        MARK_RAN,
        /** Skipped and not recorded: tried again by the next migrate (the deferred index and NOT NULL). */
        DEFERRED,
        /** Its precondition reads objects that earlier pending changeSets create: decided when it runs. */
        DECIDED_AT_RUN_TIME,
        /** Its precondition fails with onFail HALT: the update would stop here. */
        HALTS
    }
}
