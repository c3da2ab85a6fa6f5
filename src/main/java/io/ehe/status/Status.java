package io.ehe.status;

import java.util.List;

/**
 * Everything an operator (or the app's deploy pipeline) needs during the rollout, read in one go.
 * Serialized as is by {@code status --json}: the field names are the JSON contract. {@code semantics}
 * is the question the column design answers, always the seed's ({@code io.ehe.catalog.Semantics#SEED}).
 */
public record Status(
        String design,
        String database,
        String semantics,
        List<ChangeSetLine> changeSets,
        Column column,
        List<TriggerLine> triggers,
        Backfill backfill,
        Index index,
        boolean ready,
        List<String> notReadyBecause) {

    /** state: applied | marked_ran | pending | deferred. */
    public record ChangeSetLine(String id, String state, boolean devOnly, String note) {

        /**
         * The line of a changeSet this database recorded, the same for both designs: applied, or marked_ran
         * (recorded without running: the dev-only baseline where the tables existed).
         */
        public static ChangeSetLine recorded(io.ehe.migration.ChangeSetState cs) {
            boolean devOnly = cs.design() == null;
            String note = !devOnly ? "" : cs.markedRan() ? "dev/test/demo only; recorded as ran, created nothing here"
                    : "dev/test/demo only; created the tables here (ehe.baseline=true)";
            return new ChangeSetLine(cs.id(), cs.markedRan() ? "marked_ran" : "applied", devOnly, note);
        }
    }

    public record Column(boolean present, boolean nullable, String defaultValue) {
    }

    /** enabled: fires for ordinary sessions (pg_trigger.tgenabled O or A); tgenabled is the raw letter. */
    public record TriggerLine(String name, boolean present, boolean enabled, String tgenabled) {
    }

    /**
     * nullRows: rows of events still NULL, or null when unknown. method: exact | estimate |
     * not_null_constraint | check_constraint | unknown | column_absent.
     */
    public record Backfill(Long nullRows, String method, String note, boolean progressTablePresent,
                           List<ShardProgress> progress) {
    }

    public record ShardProgress(String shard, long rangeStart, Long rangeEnd, long lastId, boolean done,
                                long batches, String updatedAt) {
    }

    /** state: absent | building | invalid | valid. */
    public record Index(String name, String state, String detail) {
    }
}
