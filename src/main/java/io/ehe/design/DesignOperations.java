package io.ehe.design;

import io.ehe.catalog.DesignCheck;
import io.ehe.catalog.Design;

import io.ehe.backfill.BackfillListener;
import io.ehe.backfill.BackfillSettings;
import io.ehe.backfill.BackfillSummary;
import io.ehe.backfill.StopSignal;
import io.ehe.db.ConnectionFactory;

import java.time.Duration;
import java.util.List;

/**
 * Everything a design does once its changeSets are applied, in the same shape for both: fill the
 * rows that existed before its triggers, check its invariant, repair drift, report readiness. The
 * CLI resolves the design once ({@link DesignChoice}) and calls these; nothing else asks which
 * design it holds.
 */
public interface DesignOperations {

    Design design();

    /** The column backfill or the pending-table bootstrap: resumable, sharded, stoppable. */
    BackfillSummary fill(ConnectionFactory connections, BackfillSettings settings, BackfillListener listener, StopSignal stop)
            throws Exception;

    /**
     * What the fill's goal still lacks after a run that ended cleanly with every shard of its plan
     * done: for the pending-table design, each target model still filling (added after that plan
     * started, so the next run's new plan fills it), as {@code filling:<model>}. Empty when the goal
     * holds; the CLI then exits 0, else 12 (more to do). Read-only.
     */
    default List<String> leftAfterFill(ConnectionFactory connections) throws Exception {
        return List.of();
    }

    /** The invariant checked in one snapshot; {@code sample} 0 means every event. */
    DesignCheck verify(ConnectionFactory connections, long sample) throws Exception;

    /** Fixes every drifting row without racing live writers; returns how many rows it changed. */
    long repair(ConnectionFactory connections, int batchSize, Duration lockTimeout, int maxRetries) throws Exception;

    /** Read-only: is the design ready for the scheduler's queries, and if not, why. */
    DesignStatus status(ConnectionFactory connections, boolean exact) throws Exception;
}
