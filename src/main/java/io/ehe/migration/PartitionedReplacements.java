package io.ehe.migration;

import io.ehe.catalog.Partitioning;

import java.util.Map;
import java.util.Set;

/**
 * The changeSets that PostgreSQL refuses on a partitioned {@code events}, and the ones that stand
 * in for them there. Today one pair: 040's {@code CREATE INDEX CONCURRENTLY} (refused on a partitioned
 * table) is replaced by 045, which records the index {@link PartitionedIndexBuilder} builds leaf by leaf.
 *
 * A released changeSet cannot change, so 040 cannot learn to skip itself: the runner's plan ({@link RolloutPlan#leaveOutRefused}) leaves it out of
 * every update and dry run of the column design on such a database (Liquibase's ignore flag, set on the
 * parsed changelog), so it is neither run nor recorded and its rollback never runs. Recording it as
 * MARK_RAN instead was tried and rejected: the row would take a place in the rollback order and a
 * {@code rollback --count} would count it. Elsewhere 045's own precondition skips 045. A plain
 * {@code liquibase update} on a partitioned events stops at 040 with PostgreSQL's error and changes
 * nothing (040's DROP ... IF EXISTS finds nothing to drop): docs/partitioning.md says what to run instead.
 */
public final class PartitionedReplacements {

    /** changeSet refused on a partitioned events -> the changeSet that does its work there. */
    public static final Map<String, String> REPLACED_BY = Map.of(
            "040-pending-embedding-index", "045-partitioned-pending-embedding-index");
    /** changeSets with work to do only where event_embeddings is partitioned (their precondition skips them elsewhere). */
    public static final Set<String> ONLY_FOR_PARTITIONED_EMBEDDINGS = Set.of("060-has-embedding-row-triggers-partitioned");

    private PartitionedReplacements() {
    }

    /** Whether {@code changeSetId} has work to do on a database partitioned as {@code p} says. */
    public static boolean applies(String changeSetId, Partitioning p) {
        if (REPLACED_BY.containsKey(changeSetId)) {
            return !p.events();
        }
        if (REPLACED_BY.containsValue(changeSetId)) {
            return p.events();
        }
        if (ONLY_FOR_PARTITIONED_EMBEDDINGS.contains(changeSetId)) {
            return p.embeddings();
        }
        return true;
    }

    /** Why {@code changeSetId} does not apply here (for status), given that {@link #applies} said so. */
    public static String whyNot(String changeSetId, Partitioning p) {
        if (REPLACED_BY.containsKey(changeSetId)) {
            return "refused by PostgreSQL on a partitioned events: " + REPLACED_BY.get(changeSetId) + " does its work";
        }
        if (REPLACED_BY.containsValue(changeSetId)) {
            return "only for a partitioned events";
        }
        return "only for a partitioned event_embeddings";
    }
}
