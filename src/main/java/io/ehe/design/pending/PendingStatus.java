package io.ehe.design.pending;

import io.ehe.status.Status;

import java.util.List;

/**
 * The pending-table design's status, serialized as is by {@code status --json}: the field names are
 * the JSON contract. Ready means every trigger is enabled, the configured semantics still match the
 * tables, and every target model is ready (its fill completed), so the table is exact for each of
 * them and the scheduler may read it. {@code queue}: the work queue's figures per target model
 * (ehe_queue_counts(), changeSet 180; empty without it); they never change readiness.
 */
public record PendingStatus(
        String design,
        String database,
        List<Status.ChangeSetLine> changeSets,
        Table table,
        SemanticsLine semantics,
        List<TargetLine> targets,
        List<PendingQueue.Counts> queue,
        List<Status.TriggerLine> triggers,
        Bootstrap bootstrap,
        boolean ready,
        List<String> notReadyBecause) {

    /** rows: counted now (the table is small by design); null when the table is absent. */
    public record Table(String name, boolean present, Long rows) {
    }

    /**
     * The semantics in force ({@code io.ehe.catalog.Semantics}); null columns are not part of the
     * question. {@code drift}: why they may no longer match the tables (empty when they do).
     */
    public record SemanticsLine(String description, String modelColumn, String chunkColumn, String supersededColumn,
                                String createdColumn, List<String> drift) {
    }

    /**
     * One target model: {@code model} "" is "any model"; times ISO-8601 UTC. {@code pending}: its rows now,
     * its backlog; null while it is filling, when the rows so far are no count of anything
     * ({@code rowsSoFar}). {@code fillPercent}: while filling, how much of the events' id range the
     * current fill plan has walked (0-100); null when no plan covers this target yet (the next backfill
     * walks every event for it) or it is not filling.
     */
    public record TargetLine(String model, String state, Long pending, Long rowsSoFar, Double fillPercent,
                             String addedAt, String readyAt) {
    }

    /** complete: a plan exists and every shard of it is done. */
    public record Bootstrap(boolean progressTablePresent, boolean complete, List<Status.ShardProgress> progress) {
    }
}
