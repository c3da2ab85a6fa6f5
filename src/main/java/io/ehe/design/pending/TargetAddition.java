package io.ehe.design.pending;

import io.ehe.catalog.Semantics;
import io.ehe.db.LockWaitWatch;
import io.ehe.design.DesignNotInstalledException;
import io.ehe.design.NotConfirmedException;
import io.ehe.design.pending.PendingConfiguration.Confirmations;
import io.ehe.design.pending.PendingConfiguration.Outcome;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;

/** {@code targets add}: adds one target model, filling, in one transaction. */
final class TargetAddition implements WatchedChange {

    private static final Logger LOG = LoggerFactory.getLogger("configure");

    private final String model;
    private final Confirmations confirm;

    TargetAddition(String model, Confirmations confirm) {
        this.model = model;
        this.confirm = confirm;
    }

    @Override
    public String what() {
        return "targets add " + model;
    }

    @Override
    public String afterStop() {
        return "nothing was changed: run it again";
    }

    @Override
    public String afterRefusal() {
        // The check and the insert are one transaction: rolled back, nothing of it stays.
        return "Nothing was changed (targets add's one transaction was rolled back; " + model
                + " is not a target): run it again once that transaction has ended, or with a longer --lock-timeout";
    }

    @Override
    public Outcome run(Connection c, LockWaitWatch watch) throws SQLException {
        watch.step("locking the installed question (event_embedding_pending_semantics)");
        Semantics s = ConfigurationRows.lockSemantics(c).orElseThrow(() -> new DesignNotInstalledException(
                "the pending-table design's targets table is missing: run 'migrate --design pending-table' first"));
        if (!s.perModel() || model.isBlank()) {
            c.rollback();
            throw new IllegalArgumentException(s.perModel() ? "a target model needs a name"
                    : "no model column is configured, so there is one target, any model: run 'configure --model-column ...' first");
        }
        Optional<String> state = ConfigurationRows.stateOf(c, model);
        if (state.isPresent()) {
            c.rollback();
            if (Target.REMOVING.equals(state.get())) {
                throw new IllegalStateException("target " + model + " is being removed: run 'targets remove " + model + "' to finish first");
            }
            return new Outcome("targets: " + model + " is already a target (" + state.get() + ")");
        }
        watch.step("looking for the model in event_embeddings");
        String unknown = AppTableChecks.unknownModels(c, s, List.of(model));
        if (confirm.dryRun()) {
            // What the same command would do with the options given (a new-user trial: with --new-model
            // the dry run still said "--new-model needed").
            c.rollback();
            if (!unknown.isEmpty() && !confirm.newModel()) {
                return new Outcome("targets add --dry-run: would refuse target " + model + " (exit 13): " + unknown
                        + "; pass --new-model if that is deliberate (a model not embedded yet); nothing was changed");
            }
            return new Outcome("targets add --dry-run: would add target " + model + ", filling: the triggers keep its rows from their "
                    + "next statement and the next backfill fills the rest" + (unknown.isEmpty() ? "" : " (" + unknown + ": confirmed by --new-model)")
                    + "; nothing was changed");
        }
        if (!unknown.isEmpty() && !confirm.newModel()) {
            c.rollback();
            throw new NotConfirmedException("targets add: " + unknown + ": pass --new-model if that is deliberate "
                    + "(a model not embedded yet); nothing was changed");
        }
        watch.step("recording the target (event_embedding_pending_targets, the triggers' bodies)");
        ConfigurationRows.insertTarget(c, model);
        ConfigurationRows.resetCompletePlan(c);
        c.commit();
        LOG.info("targets: added {} (filling)", model);
        return new Outcome("targets: added " + model + " (filling): run backfill to fill its pending rows");
    }
}
