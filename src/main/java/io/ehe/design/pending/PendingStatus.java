package io.ehe.design.pending;

import io.ehe.status.Status;

import java.util.List;

/**
 * The pending-table design's status, serialized as is by {@code status --json}: the field names are
 * the JSON contract. Ready means every trigger is enabled and the bootstrap completed, so the table
 * is exact and the scheduler may read it.
 */
public record PendingStatus(
        String design,
        String database,
        List<Status.ChangeSetLine> changeSets,
        Table table,
        List<Status.TriggerLine> triggers,
        Bootstrap bootstrap,
        boolean ready,
        List<String> notReadyBecause) {

    /** rows: counted now (the table is small by design); null when the table is absent. */
    public record Table(String name, boolean present, Long rows) {
    }

    /** complete: a plan exists and every shard of it is done. */
    public record Bootstrap(boolean progressTablePresent, boolean complete, List<Status.ShardProgress> progress) {
    }
}
