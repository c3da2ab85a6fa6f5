package io.ehe.migration;

import java.util.List;

/**
 * What one migrate did.
 *
 * @param appliedNow     changeSets recorded by this run, in order
 * @param alreadyApplied changeSets that were recorded before
 * @param deferred       pending changeSets their precondition skipped (the backfill is not complete)
 * @param notRequested   pending changeSets left out by --count
 * @param nullRowsRemain some events.has_embedding is still NULL (the reason for the deferral)
 */
public record MigrationResult(List<ChangeSetState> appliedNow, List<ChangeSetState> alreadyApplied,
                              List<ChangeSetState> deferred, List<ChangeSetState> notRequested,
                              boolean nullRowsRemain) {
}
