package io.ehe.backfill;

import io.ehe.catalog.Design;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;

/**
 * What one design does in each batch of the shared keyset walk ({@link Backfill}): the column
 * design sets has_embedding ({@link BatchExecutor}), the pending-table design fills its table
 * ({@code io.ehe.design.pending.TargetFillStep}). The walk around it (plan, cursor, retries, stop
 * signal, progress lines, shards, resume) is the same for both.
 */
public interface FillStep {

    /** How the column backfill's progress lines word rows_true and rows_false. */
    String COLUMN_COUNTS = "%,d set true, %,d set false";

    /** A format with two %,d for rows_true and rows_false in progress lines (the JSON field names stay). */
    default String countsFormat() {
        return COLUMN_COUNTS;
    }

    /** The column backfill's summary keys for rows_true and rows_false: scripts parse them (docs/backfill.md). */
    List<String> COLUMN_COUNT_KEYS = List.of("rows_true", "rows_false");

    /** The summary line's (and backfill_summary event's) keys for the two counts, in that order. */
    default List<String> countKeys() {
        return COLUMN_COUNT_KEYS;
    }

    Design design();

    /** Where this step's cursor lives (a table of the progress-table shape). */
    String progressTable();

    /** The design's objects must exist: otherwise a one-line error that says to migrate. */
    void requireSchema(Connection c) throws SQLException;

    /**
     * Processes the next keyset window after the shard's committed cursor and moves the cursor in
     * the same transaction; empty when the range holds no id beyond it. Commits, or rolls back and
     * throws.
     */
    Optional<BatchResult> walkNext(Connection c, Shard shard, int limit) throws SQLException;

    /**
     * Runs inside the transaction that marks the last shard of a plan done, so what it records
     * commits with the plan's completion or not at all (the pending-table fill marks its targets
     * ready here).
     */
    default void onPlanComplete(Connection c) throws SQLException {
    }

    /** The pass after the walk that picks up rows the walk had to skip; empty when nothing is skipped. */
    default Optional<FinalSweep> sweep(BackfillSettings settings, Retrier retrier, StopSignal stop, BackfillListener listener) {
        return Optional.empty();
    }
}
