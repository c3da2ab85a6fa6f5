package io.ehe.design.pending;

import io.ehe.catalog.CatalogQuery;
import io.ehe.db.ConnectionFactory;
import io.ehe.db.LockWaitWatch;
import io.ehe.db.OlderTransactions;
import io.ehe.db.PgDuration;
import io.ehe.design.DesignNotInstalledException;
import io.ehe.design.pending.PendingConfiguration.Outcome;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Optional;
import java.util.function.BooleanSupplier;

/** {@code targets remove}: one target marked removing, then its pending rows and the target deleted, each step committed so a rerun resumes. */
final class TargetRemoval implements WatchedChange {

    private static final Logger LOG = LoggerFactory.getLogger("configure");
    static final int REMOVE_BATCH = 5_000;

    private final ConnectionFactory connections;
    private final Duration lockTimeout;
    private final Duration olderTransactionsWait;
    private final BooleanSupplier stop;
    private final String model;
    private final boolean dryRun;
    /** How far it got: what a refusal or a stop may say stays. */
    private boolean marked;
    private long deleted;

    TargetRemoval(ConnectionFactory connections, Duration lockTimeout, Duration olderTransactionsWait, BooleanSupplier stop,
                  String model, boolean dryRun) {
        this.connections = connections;
        this.lockTimeout = lockTimeout;
        this.olderTransactionsWait = olderTransactionsWait;
        this.stop = stop;
        this.model = model;
        this.dryRun = dryRun;
    }

    @Override
    public String what() {
        return "targets remove " + Target.label(model);
    }

    @Override
    public String afterStop() {
        return outcome("run it again to finish");
    }

    @Override
    public String afterRefusal() {
        return outcome("run it again once that transaction has ended, or with a longer --lock-timeout") + ".";
    }

    @Override
    public boolean waitsForOlderTransactions() {
        return true;
    }

    private String outcome(String todo) {
        if (!marked) {
            return "Nothing was changed (" + Target.label(model) + " is still a target, not marked removing): " + todo;
        }
        // Each batch commits on its own; the mark committed before the first: a rerun resumes from here.
        return String.format("%s stays marked removing (the triggers no longer add its rows) and the %,d pending rows deleted"
                + " so far stay deleted; the rest and the target remain: %s (it resumes)", Target.label(model), deleted, todo);
    }

    @Override
    public Outcome run(Connection c, LockWaitWatch watch) throws SQLException {
        watch.step("locking the installed question (event_embedding_pending_semantics)");
        ConfigurationRows.lockSemantics(c).orElseThrow(() -> new DesignNotInstalledException(
                "the pending-table design's targets table is missing: run 'migrate --design pending-table' first"));
        Optional<String> state = ConfigurationRows.stateOf(c, model);
        if (state.isEmpty()) {
            String hint = Target.caseHint(c, model);
            c.rollback();
            throw new IllegalArgumentException("'" + model + "' is not a target model (status lists the targets)" + hint);
        }
        if (dryRun) {
            long rows = CatalogQuery.number(c, "SELECT count(*) FROM event_embedding_pending WHERE model = ?", model);
            c.rollback();
            return new Outcome(String.format("targets remove --dry-run: would mark target %s (%s) removing: the %d triggers of changeSet 140 "
                            + "stop adding its rows from their next statement; after transactions older than that end (at most %s), "
                            + "would delete its %,d pending rows in batches of %,d, then the target; nothing was changed",
                    Target.label(model), state.get(), PendingTableDesign.TRIGGERS.size(), PgDuration.human(olderTransactionsWait),
                    rows, REMOVE_BATCH));
        }
        watch.step("marking the target removing (event_embedding_pending_targets, the triggers' bodies)");
        try (PreparedStatement ps = c.prepareStatement("UPDATE event_embedding_pending_targets SET state = 'removing' WHERE model = ?")) {
            ps.setString(1, model);
            ps.executeUpdate();
        }
        c.commit();
        marked = true;
        // The mark committed above, before the wait: a stop during the wait leaves the target marked removing.
        OlderTransactions.waitFor(c, OlderTransactions.serverNow(c), olderTransactionsWait, "targets remove " + Target.label(model), stop,
                String.format("%s stays marked removing (committed before the wait): the triggers no longer keep its pending rows up to date"
                        + " and they will be deleted; status says it is being removed and targets add refuses it. Run 'targets remove %s'"
                        + " again to finish it", Target.label(model), model.isEmpty() ? "''" : model));
        while (true) {
            int n;
            watch.step(String.format("deleting its pending rows (a batch of up to %,d after %,d deleted)", REMOVE_BATCH, deleted));
            PendingConfiguration.setLockTimeout(c, lockTimeout);
            try (PreparedStatement ps = c.prepareStatement("""
                    DELETE FROM event_embedding_pending p
                     WHERE (p.event_id, p.model) IN (SELECT q.event_id, q.model FROM event_embedding_pending q
                                                      WHERE q.model = ? LIMIT ?)""")) {
                ps.setString(1, model);
                ps.setInt(2, REMOVE_BATCH);
                n = ps.executeUpdate();
            }
            c.commit();
            deleted += n;
            if (n < REMOVE_BATCH) {
                break;
            }
        }
        watch.step("deleting the target (event_embedding_pending_targets, the triggers' bodies)");
        PendingConfiguration.setLockTimeout(c, lockTimeout);
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM event_embedding_pending_targets WHERE model = ? AND state = 'removing'")) {
            ps.setString(1, model);
            ps.executeUpdate();
        }
        c.commit();
        if (deleted > 0) {
            TableMaintenance.vacuumAnalyze(connections, PendingTableDesign.TABLE, lockTimeout);
        }
        LOG.info("targets: removed {} ({} pending rows deleted)", Target.label(model), deleted);
        return new Outcome(String.format("targets: removed %s (%,d pending rows deleted)", Target.label(model), deleted));
    }
}
