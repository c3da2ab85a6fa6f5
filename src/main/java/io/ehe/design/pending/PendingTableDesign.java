package io.ehe.design.pending;

import io.ehe.backfill.Backfill;
import io.ehe.backfill.BackfillListener;
import io.ehe.backfill.BackfillSettings;
import io.ehe.backfill.BackfillSummary;
import io.ehe.backfill.StopSignal;
import io.ehe.db.ConnectionFactory;
import io.ehe.catalog.Design;
import io.ehe.catalog.DesignCheck;
import io.ehe.catalog.CatalogQuery;
import io.ehe.design.DesignOperations;
import io.ehe.design.DesignStatus;
import io.ehe.design.RenderedStatus;

import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The pending-table design (changeSets 100-120): event_embedding_pending holds exactly the events
 * that still need an embedding; the scheduler reads it instead of anti-joining events with
 * event_embeddings. Nothing here writes events. The lock argument is at the top of
 * changelog/changes/140-pending-per-target.sql; the fill's in {@link TargetFillStep}.
 */
public final class PendingTableDesign implements DesignOperations {

    public static final String TABLE = "event_embedding_pending";
    /** The triggers of changeSet 140 (110's, which it replaces, are gone once it ran). */
    public static final List<String> TRIGGERS = List.of(
            "trg_events_pending_targets_ins",
            "trg_events_pending_targets_upd",
            "trg_events_pending_targets_del",
            "trg_events_pending_targets_trunc",
            "trg_event_embeddings_pending_targets_ins",
            "trg_event_embeddings_pending_targets_del",
            "trg_event_embeddings_pending_targets_upd",
            "trg_event_embeddings_pending_targets_trunc");

    @Override
    public Design design() {
        return Design.PENDING_TABLE;
    }

    /**
     * Why this design's install is too incomplete to verify or fill, or empty: with the targets or the
     * semantics table missing (changeSet 100 applied, the rest not, say) those commands failed on a raw
     * "relation does not exist"; they now refuse with status's own reason ("install is half-finished
     * (...): run migrate --design pending-table"). The changelog is read only when a table is missing,
     * so a complete install pays two catalog lookups on the caller's session {@code c}.
     */
    public static Optional<String> incomplete(Connection c, ConnectionFactory connections) throws Exception {
        if (CatalogQuery.tableExists(c, "event_embedding_pending_targets") && CatalogQuery.tableExists(c, "event_embedding_pending_semantics")) {
            return Optional.empty();
        }
        return Optional.of(new PendingStatusReader(connections).halfFinished()
                .orElse("the pending-table design's targets or semantics table is missing: run migrate --design pending-table"));
    }

    /** The bootstrap: the shared keyset walk with {@link TargetFillStep} as its batch. */
    @Override
    public BackfillSummary fill(ConnectionFactory connections, BackfillSettings settings, BackfillListener listener,
                                StopSignal stop) throws Exception {
        BackfillSummary summary = Backfill.run(connections, settings, listener, stop, new TargetFillStep(settings, stop));
        if (summary.status() == BackfillSummary.Status.COMPLETE && summary.allShardsDone()) {
            TableMaintenance.vacuumAnalyze(connections, TABLE, settings.lockTimeout());
        }
        return summary;
    }

    @Override
    public List<String> leftAfterFill(ConnectionFactory connections) throws Exception {
        try (java.sql.Connection c = connections.open()) {
            return Target.filling(c).stream().map(m -> "filling:" + Target.label(m).replace(' ', '_')).toList();
        }
    }

    @Override
    public DesignCheck verify(ConnectionFactory connections, long sample) throws Exception {
        return PendingVerifier.check(connections, sample);
    }

    @Override
    public long repair(ConnectionFactory connections, int batchSize, Duration lockTimeout, int maxRetries) throws Exception {
        return PendingRepairer.repairAll(connections, batchSize, lockTimeout, maxRetries);
    }

    @Override
    public DesignStatus status(ConnectionFactory connections, boolean exact) throws Exception {
        PendingStatus s = new PendingStatusReader(connections).read();
        return new RenderedStatus(s.ready(), s.notReadyBecause(), PendingStatusRenderer.text(s), PendingStatusRenderer.json(s));
    }
}
