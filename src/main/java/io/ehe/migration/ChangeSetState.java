package io.ehe.migration;

import io.ehe.catalog.Design;

/**
 * One changeSet of the changelog and whether this database has run it.
 *
 * @param deferrable its precondition skips it without recording it until the backfill is complete
 *                   (the column design's index and NOT NULL changeSets, labelled "deferred")
 * @param design     the design it belongs to (its label), null for the baseline
 * @param markedRan  recorded without running (EXECTYPE MARK_RAN: the dev-only baseline where the tables exist)
 * @param notApplicable why it has no work on this database's partitioning ({@link PartitionedReplacements}), null when it has
 */
public record ChangeSetState(String id, String author, String file, String description, boolean ran, String tag,
                             boolean deferrable, Design design, boolean markedRan,
                             String notApplicable) {

    /** Part of {@code d}, or of no design (the baseline, which every design shows). */
    public boolean belongsTo(Design d) {
        return design == null || design == d;
    }

    /** Recorded here, or with work to do on this partitioning: a step of the rollout. */
    public boolean ranOrApplies() {
        return ran || notApplicable == null;
    }
}
