package io.ehe.design.column;

import io.ehe.backfill.Backfill;
import io.ehe.backfill.BackfillListener;
import io.ehe.backfill.BackfillSettings;
import io.ehe.backfill.BackfillSummary;
import io.ehe.backfill.Repairer;
import io.ehe.backfill.StopSignal;
import io.ehe.backfill.Verifier;
import io.ehe.db.ConnectionFactory;
import io.ehe.catalog.Design;
import io.ehe.catalog.DesignCheck;
import io.ehe.design.DesignOperations;
import io.ehe.design.DesignStatus;
import io.ehe.design.RenderedStatus;
import io.ehe.status.Status;
import io.ehe.status.StatusReader;
import io.ehe.status.StatusRenderer;

import java.time.Duration;

/**
 * The column design (changeSets 010-050): events.has_embedding. Its algorithms predate the second
 * design and keep their homes: {@link Backfill} (the house example of the walk),
 * {@link Verifier}/{@link Repairer}, and {@link StatusReader}.
 */
public final class ColumnDesign implements DesignOperations {

    @Override
    public Design design() {
        return Design.COLUMN;
    }

    @Override
    public BackfillSummary fill(ConnectionFactory connections, BackfillSettings settings, BackfillListener listener,
                                StopSignal stop) throws Exception {
        return Backfill.run(connections, settings, listener, stop);
    }

    @Override
    public DesignCheck verify(ConnectionFactory connections, long sample) throws Exception {
        return Verifier.check(connections, sample);
    }

    @Override
    public long repair(ConnectionFactory connections, int batchSize, Duration lockTimeout, int maxRetries) throws Exception {
        return Repairer.repairAll(connections, batchSize, lockTimeout, maxRetries);
    }

    @Override
    public DesignStatus status(ConnectionFactory connections, boolean exact) throws Exception {
        Status s = new StatusReader(connections).read(exact);
        return new RenderedStatus(s.ready(), s.notReadyBecause(), StatusRenderer.text(s), StatusRenderer.json(s));
    }
}
