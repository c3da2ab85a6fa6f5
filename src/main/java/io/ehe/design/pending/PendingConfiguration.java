package io.ehe.design.pending;

import io.ehe.catalog.CatalogQuery;
import io.ehe.catalog.Semantics;
import io.ehe.db.ConnectionFactory;
import io.ehe.db.LockWaitWatch;
import io.ehe.db.OlderTransactions;
import io.ehe.db.PgDuration;
import io.ehe.db.SqlErrors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * Changes what the pending table answers: the semantics and the target models (changeSet 130's
 * rows). Every change commits first and is then picked up by writers from their next statement;
 * whatever must not race the writers that had not seen it (a fill, the deletion of a removed
 * target's rows) waits for transactions older than the change ({@link OlderTransactions}).
 * Each transaction sets lock_timeout locally; nothing here writes events.
 */
public final class PendingConfiguration {

    private static final Logger LOG = LoggerFactory.getLogger("configure");
    private static final int REMOVE_BATCH = 5_000;
    /** What configure's statements take locks on: where to look for the holder when one got none. */
    private static final List<String> LOCKED = List.of("events", "event_embeddings", "event_embedding_pending",
            "event_embedding_pending_semantics", "event_embedding_pending_targets", "event_embedding_pending_bootstrap");

    /** What a configure or targets command did, in one line for the terminal. */
    public record Outcome(String line) {
    }

    /**
     * What the operator said explicitly, besides the change itself (issue 28: nothing destructive by
     * default, typos caught before work starts).
     *
     * @param dryRun         say what would happen (rows, targets, triggers) and change nothing
     * @param changeQuestion a different question may discard the fill's work (ready targets, fill
     *                       progress); without it such a change is refused ({@link NotConfirmedException})
     * @param newModel       a target model with no event_embeddings row at all is deliberate (a model
     *                       swap before the first embedding); without it it is refused as a likely typo
     */
    public record Confirmations(boolean dryRun, boolean changeQuestion, boolean newModel) {
        /** The Java API's callers name what they want in code: no confirmation is asked. */
        public static final Confirmations EXPLICIT = new Confirmations(false, true, true);
    }

    private final ConnectionFactory connections;
    private final Duration lockTimeout;
    private final Duration olderTransactionsWait;

    private java.util.function.BooleanSupplier stop = () -> false;
    private boolean afterChangeSets;

    public PendingConfiguration(ConnectionFactory connections, Duration lockTimeout, Duration olderTransactionsWait) {
        this.connections = connections;
        this.lockTimeout = lockTimeout;
        this.olderTransactionsWait = olderTransactionsWait;
    }

    /**
     * This configure is migrate's last step, after its changeSets: its lines say so, and a refusal says
     * the changeSets stay applied and that migrate is what to run again.
     */
    public PendingConfiguration afterMigrate() {
        this.afterChangeSets = true;
        return this;
    }

    /**
     * Ends the wait for older transactions (targets remove) and configure's lock waits (its statement in
     * flight is cancelled) when {@code stop} turns true (SIGTERM/SIGINT).
     */
    public PendingConfiguration stoppedBy(java.util.function.BooleanSupplier stop) {
        this.stop = stop;
        return this;
    }

    /**
     * Checks a requested semantics and target list before any connection: without a model column
     * the one target is "any model" ({@code ""}); with one, at least one named model and no "".
     *
     * @return the targets to configure, deduplicated, in the order given
     * @throws IllegalArgumentException with a one-line message saying what to pass instead
     */
    public static List<String> checkedTargets(Semantics semantics, List<String> models) {
        List<String> out = new ArrayList<>(new LinkedHashSet<>(models == null ? List.of() : models));
        if (!semantics.perModel()) {
            if (out.stream().anyMatch(m -> !m.isEmpty())) {
                throw new IllegalArgumentException("--target-model needs --model-column: without a model column any embedding row counts, "
                        + "so there is one target, any model");
            }
            return List.of(Semantics.ANY_MODEL);
        }
        if (out.isEmpty() || out.stream().anyMatch(String::isBlank)) {
            throw new IllegalArgumentException("with --model-column, name at least one --target-model (the model the scheduler back-fills); "
                    + "blank names are not models");
        }
        return out;
    }

    /** {@link #configure(Semantics, List, Confirmations)} with {@link Confirmations#EXPLICIT}. */
    public Outcome configure(Semantics requested, List<String> models) throws SQLException {
        return configure(requested, models, Confirmations.EXPLICIT);
    }

    /**
     * ChangeSet 170: the row-trigger bodies are generated for the tables as they are (a foreign key from
     * event_embeddings to events, or none); the same question configured again rewrites them, without
     * any lock on the app's tables, so a key added or dropped since is taken into account. Nothing on a
     * database that predates 170.
     */
    private static void rewriteTriggerBodies(Connection c) throws SQLException {
        try (Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT to_regprocedure('ehe_pending_write_bodies()') IS NOT NULL")) {
            rs.next();
            if (rs.getBoolean(1)) {
                st.execute("SELECT ehe_pending_write_bodies()");
            }
        }
    }

    /**
     * Sets the semantics. A different question (any column differs) empties the pending table and
     * the fill's plan and makes {@code models} the targets, all filling: run backfill next. The same
     * question, or {@code requested == null} (keep the installed one: a bare configure never changes
     * the question), only records which of the app's optional columns exist now (so status stops
     * reporting them) and adds any of {@code models} that is not a target yet.
     *
     * <p>Refused, with nothing changed: a configured column that does not exist (IllegalArgumentException,
     * naming a column that differs only in case); a different question that would discard fill work
     * (a ready target or fill progress) without {@code changeQuestion}, and a new target model that no
     * event_embeddings row uses without {@code newModel} ({@link NotConfirmedException}).
     *
     * <p>Its lock waits (the semantics row, the triggers on the app's tables, the TRUNCATE) are watched
     * ({@link LockWaitWatch}): a wait longer than 2 s logs whom it waits for, then every 10 s; the stop
     * request ({@link #stoppedBy}) cancels the statement in flight.
     *
     * @throws SQLException when a lock is not granted within lock_timeout
     * @throws OlderTransactions.WaitStoppedException (SQLSTATE 57014) when the stop request ended it; nothing was changed
     */
    public Outcome configure(Semantics requested, List<String> models, Confirmations confirm) throws SQLException {
        return configure(installed -> requested == null ? installed : requested, models, false, confirm);
    }

    /**
     * As {@link #configure(Semantics, List, Confirmations)}, for options that name only part of the
     * question (a column, no preset): {@code adjustment} turns the installed question into the requested
     * one, so what the options do not name stays as installed. Without {@code models} the installed
     * target models stay the targets (all filling again when the question changes; a target that is
     * "any model" cannot stay under a question with a model column: IllegalArgumentException, name one).
     */
    public Outcome adjust(UnaryOperator<Semantics> adjustment, List<String> models, Confirmations confirm) throws SQLException {
        return configure(adjustment, models, models == null || models.isEmpty(), confirm);
    }

    private Outcome configure(UnaryOperator<Semantics> wantedOf, List<String> models, boolean keepTargets, Confirmations confirm)
            throws SQLException {
        String what = afterChangeSets ? "migrate's configure step" : "configure";
        try (Connection c = open(); LockWaitWatch watch = LockWaitWatch.start(connections, c, what, lockTimeout, stop)) {
            try {
                return configure(c, watch, wantedOf, models, keepTargets, confirm);
            } catch (SQLException e) {
                if (watch.stopped()) {
                    throw new OlderTransactions.WaitStoppedException(what + " stopped (signal) while a statement waited for its lock or ran"
                            + " (cancelled); " + stoppedOutcome());
                }
                if (SqlErrors.isLockNotGranted(e)) {
                    // Every change so far is in this one transaction: rolled back, the refusal may say nothing was changed.
                    c.rollback();
                    throw watch.refused(e, LOCKED, afterChangeSets
                            ? "The configure step changed nothing (its one transaction was rolled back); the changeSets applied stay applied: "
                            + "run migrate again once that transaction has ended, or with a longer --lock-timeout"
                            : "Nothing was changed (configure's one transaction was rolled back): run configure again once that "
                            + "transaction has ended, or with a longer --lock-timeout");
                }
                throw e;
            }
        }
    }

    /** What a stop leaves: configure's one transaction rolls back, and migrate's changeSets committed before it. */
    private String stoppedOutcome() {
        return afterChangeSets
                ? "the configure step changed nothing (its one transaction was rolled back); the changeSets applied stay applied: run migrate again"
                : "nothing was changed: run it again";
    }

    private Outcome configure(Connection c, LockWaitWatch watch, UnaryOperator<Semantics> wantedOf, List<String> models, boolean keepTargets,
                              Confirmations confirm) throws SQLException {
        watch.step("locking the installed question (event_embedding_pending_semantics)");
        Optional<Semantics> current = lockSemantics(c);
        watch.step("reading the app's tables");
        if (current.isEmpty()) {
            c.rollback();
            throw new io.ehe.design.DesignNotInstalledException("the pending-table design's semantics table is missing: run 'migrate --design pending-table' first; nothing was changed");
        }
        Semantics wanted = wantedOf.apply(current.get());
        boolean same = current.get().sameQuestion(wanted);
        List<String> targets = same && (models == null || models.isEmpty()) ? List.of()
                : checkedTargets(wanted, keepTargets ? installedModels(c) : models);
        if (!same) {
            checkColumnsExist(c, wanted);
        }
        List<String> newTargets = new ArrayList<>();
        for (String m : targets) {
            if (!same || stateOf(c, m).isEmpty()) {
                newTargets.add(m);
            }
        }
        // Targets kept from the installed configuration were accepted when they were added.
        String unknown = keepTargets ? "" : unknownModels(c, wanted, newTargets);
        if (!unknown.isEmpty() && !confirm.newModel() && !confirm.dryRun()) {
            c.rollback();
            throw new io.ehe.design.NotConfirmedException("configure: " + unknown + ": pass --new-model if that is deliberate "
                    + "(a model not embedded yet); nothing was changed");
        }
        if (!unknown.isEmpty() && !confirm.newModel()) {
            // The dry run reports what the same command would do with the options given: refuse.
            c.rollback();
            return new Outcome("configure --dry-run: would refuse (exit 13): " + unknown
                    + "; pass --new-model if that is deliberate (a model not embedded yet); nothing was changed");
        }
        String unknownNote = unknown.isEmpty() ? "" : " (" + unknown + ": confirmed by --new-model)";
        List<String> seen = Semantics.appColumnsPresent(c);
        if (same) {
            if (confirm.dryRun()) {
                c.rollback();
                return new Outcome("configure --dry-run: the question stays (" + wanted.describe() + ")"
                        + (newTargets.isEmpty() ? "; no target to add" : "; would add target(s) " + labels(newTargets)
                        + ", filling (the next backfill fills them)" + unknownNote)
                        + "; no row deleted, no trigger changed; nothing was changed");
            }
            watch.step("recording the tables' columns and the new targets");
            try (PreparedStatement ps = c.prepareStatement("UPDATE event_embedding_pending_semantics SET columns_seen = ?")) {
                ps.setArray(1, c.createArrayOf("text", seen.toArray()));
                ps.executeUpdate();
            }
            rewriteTriggerBodies(c);
            List<String> added = new ArrayList<>();
            for (String m : targets) {
                if (insertTarget(c, m)) {
                    added.add(Target.label(m));
                }
            }
            if (!added.isEmpty()) {
                resetCompletePlan(c);
            }
            c.commit();
            return new Outcome("configure: semantics unchanged (" + wanted.describe() + ")"
                    + (added.isEmpty() ? "" : "; target(s) added, filling: " + String.join(", ", added) + " (run backfill)"));
        }
        Impact impact = Impact.read(c);
        String what = "the question would change from (" + current.get().describe() + ") to (" + wanted.describe() + "): "
                + impact.describe() + "; " + targetsNamed(targets) + " would be filling" + unknownNote
                + "; the " + PendingTableDesign.TRIGGERS.size() + " triggers of changeSet 140 answer the new question from their next statement";
        if (confirm.dryRun()) {
            c.rollback();
            if (impact.workToLose() && !confirm.changeQuestion()) {
                // The dry run reports what the same command would do with the options given: refuse (a new-user trial saw exit 0, no word of it).
                return new Outcome("configure --dry-run: would refuse (exit 13): " + what + "; that discards the fill's work, so it needs"
                        + " --change-question; nothing was changed");
            }
            return new Outcome("configure --dry-run: " + what + "; nothing was changed");
        }
        if (impact.workToLose() && !confirm.changeQuestion()) {
            c.rollback();
            throw new io.ehe.design.NotConfirmedException("configure: " + what + ". Pass --change-question to do it "
                    + "(--dry-run shows it; configure without options keeps the question); nothing was changed");
        }
        watch.step("recording the new question (event_embedding_pending_semantics)");
        try (PreparedStatement ps = c.prepareStatement("""
                UPDATE event_embedding_pending_semantics
                   SET model_column = ?, chunk_column = ?, superseded_column = ?, created_column = ?,
                       columns_seen = ?, configured_at = now()""")) {
            ps.setString(1, wanted.modelColumn());
            ps.setString(2, wanted.chunkColumn());
            ps.setString(3, wanted.supersededColumn());
            ps.setString(4, wanted.createdColumn());
            ps.setArray(5, c.createArrayOf("text", seen.toArray()));
            ps.executeUpdate();
        }
        try (Statement st = c.createStatement()) {
            // Regenerates the semantics functions and the five row-level triggers (fails if a column is missing).
            watch.step("replacing the triggers on events and event_embeddings (ehe_pending_apply_semantics)");
            st.execute("SELECT ehe_pending_apply_semantics()");
            watch.step("emptying the pending table (TRUNCATE event_embedding_pending)");
            // Every row answered the old question. TRUNCATE, not DELETE: instant whatever the size
            // (a model swap holds ~600k rows); it waits for, and then briefly blocks, the scheduler's reads.
            st.execute("TRUNCATE event_embedding_pending");
            watch.step("resetting the targets and the fill's plan");
            st.execute("DELETE FROM event_embedding_pending_targets");
            st.execute("DELETE FROM event_embedding_pending_bootstrap");
        }
        for (String m : targets) {
            insertTarget(c, m);
        }
        if (stop.getAsBoolean()) {
            c.rollback();
            throw new OlderTransactions.WaitStoppedException((afterChangeSets ? "migrate's configure step" : "configure")
                    + " stopped (signal) before it committed; " + stoppedOutcome());
        }
        c.commit();
        LOG.info("configure: semantics changed to: {}; targets {} filling", wanted.describe(), labels(targets));
        return new Outcome("configure: semantics now " + wanted.describe() + "; pending table emptied; target(s) "
                + labels(targets) + " filling: run backfill");
    }

    /** {@link #addTarget(String, Confirmations)} with {@link Confirmations#EXPLICIT}. */
    public Outcome addTarget(String model) throws SQLException {
        return addTarget(model, Confirmations.EXPLICIT);
    }

    /**
     * Adds a target model, filling; run backfill next. Adding a target that exists changes nothing.
     * A model that no event_embeddings row uses is refused without {@code newModel}
     * ({@link NotConfirmedException}, the message names a model that differs only in case).
     */
    public Outcome addTarget(String model, Confirmations confirm) throws SQLException {
        try (Connection c = open(); LockWaitWatch watch = LockWaitWatch.start(connections, c, "targets add " + model, lockTimeout, stop)) {
            try {
                return addTarget(c, watch, model, confirm);
            } catch (SQLException e) {
                if (watch.stopped()) {
                    throw new OlderTransactions.WaitStoppedException("targets add " + model + " stopped (signal) while a statement waited for"
                            + " its lock or ran (cancelled); nothing was changed: run it again");
                }
                if (SqlErrors.isLockNotGranted(e)) {
                    // The check and the insert are one transaction: rolled back, nothing of it stays.
                    c.rollback();
                    throw watch.refused(e, LOCKED, "Nothing was changed (targets add's one transaction was rolled back; " + model
                            + " is not a target): run it again once that transaction has ended, or with a longer --lock-timeout");
                }
                throw e;
            }
        }
    }

    private Outcome addTarget(Connection c, LockWaitWatch watch, String model, Confirmations confirm) throws SQLException {
        watch.step("locking the installed question (event_embedding_pending_semantics)");
        Semantics s = lockSemantics(c).orElseThrow(() -> new io.ehe.design.DesignNotInstalledException(
                "the pending-table design's targets table is missing: run 'migrate --design pending-table' first"));
        if (!s.perModel() || model.isBlank()) {
            c.rollback();
            throw new IllegalArgumentException(s.perModel() ? "a target model needs a name"
                    : "no model column is configured, so there is one target, any model: run 'configure --model-column ...' first");
        }
        Optional<String> state = stateOf(c, model);
        if (state.isPresent()) {
            c.rollback();
            if (Target.REMOVING.equals(state.get())) {
                throw new IllegalStateException("target " + model + " is being removed: run 'targets remove " + model + "' to finish first");
            }
            return new Outcome("targets: " + model + " is already a target (" + state.get() + ")");
        }
        watch.step("looking for the model in event_embeddings");
        String unknown = unknownModels(c, s, List.of(model));
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
            throw new io.ehe.design.NotConfirmedException("targets add: " + unknown + ": pass --new-model if that is deliberate "
                    + "(a model not embedded yet); nothing was changed");
        }
        watch.step("recording the target (event_embedding_pending_targets, the triggers' bodies)");
        insertTarget(c, model);
        resetCompletePlan(c);
        c.commit();
        LOG.info("targets: added {} (filling)", model);
        return new Outcome("targets: added " + model + " (filling): run backfill to fill its pending rows");
    }

    /**
     * Removes a target model: marks it removing (the triggers stop adding its rows from their next
     * statement), waits for older transactions, deletes its rows in batches of {@value #REMOVE_BATCH},
     * then the target. Safe to run again after a kill: it resumes.
     */
    public Outcome removeTarget(String model) throws SQLException {
        return removeTarget(model, false);
    }

    /** {@link #removeTarget(String)}; with {@code dryRun}, says what it would stop and delete and changes nothing. */
    public Outcome removeTarget(String model, boolean dryRun) throws SQLException {
        String what = "targets remove " + Target.label(model);
        try (Connection c = open(); LockWaitWatch watch = LockWaitWatch.start(connections, c, what, lockTimeout, stop)) {
            Removal removal = new Removal();
            try {
                return removeTarget(c, watch, removal, model, dryRun);
            } catch (SQLException e) {
                if (e instanceof OlderTransactions.WaitStoppedException || e instanceof OlderTransactions.StillOpenException) {
                    throw e;
                }
                if (watch.stopped()) {
                    throw new OlderTransactions.WaitStoppedException(what + " stopped (signal) while a statement waited for its lock or ran"
                            + " (cancelled); " + removal.outcome(model, "run it again to finish"));
                }
                if (SqlErrors.isLockNotGranted(e)) {
                    c.rollback();
                    throw watch.refused(e, LOCKED, removal.outcome(model, "run it again once that transaction has ended, or with a longer"
                            + " --lock-timeout") + ".");
                }
                throw e;
            }
        }
    }

    /** How far a removal got: what a refusal or a stop may say stays. */
    private static final class Removal {
        private boolean marked;
        private long deleted;

        String outcome(String model, String todo) {
            if (!marked) {
                return "Nothing was changed (" + Target.label(model) + " is still a target, not marked removing): " + todo;
            }
            // Each batch commits on its own; the mark committed before the first: a rerun resumes from here.
            return String.format("%s stays marked removing (the triggers no longer add its rows) and the %,d pending rows deleted"
                    + " so far stay deleted; the rest and the target remain: %s (it resumes)", Target.label(model), deleted, todo);
        }
    }

    private Outcome removeTarget(Connection c, LockWaitWatch watch, Removal removal, String model, boolean dryRun) throws SQLException {
        watch.step("locking the installed question (event_embedding_pending_semantics)");
        lockSemantics(c).orElseThrow(() -> new io.ehe.design.DesignNotInstalledException(
                "the pending-table design's targets table is missing: run 'migrate --design pending-table' first"));
        Optional<String> state = stateOf(c, model);
        if (state.isEmpty()) {
            String hint = Target.caseHint(c, model);
            c.rollback();
            throw new IllegalArgumentException("'" + model + "' is not a target model (status lists the targets)" + hint);
        }
        if (dryRun) {
            long rows = pendingRows(c, model);
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
        removal.marked = true;
        // The mark committed above, before the wait: a stop during the wait leaves the target marked removing.
        OlderTransactions.waitFor(c, OlderTransactions.serverNow(c), olderTransactionsWait, "targets remove " + Target.label(model), stop,
                String.format("%s stays marked removing (committed before the wait): the triggers no longer keep its pending rows up to date"
                        + " and they will be deleted; status says it is being removed and targets add refuses it. Run 'targets remove %s'"
                        + " again to finish it", Target.label(model), model.isEmpty() ? "''" : model));
        while (true) {
            int n;
            watch.step(String.format("deleting its pending rows (a batch of up to %,d after %,d deleted)", REMOVE_BATCH, removal.deleted));
            setLockTimeout(c);
            try (PreparedStatement ps = c.prepareStatement("""
                    DELETE FROM event_embedding_pending p
                     WHERE (p.event_id, p.model) IN (SELECT q.event_id, q.model FROM event_embedding_pending q
                                                      WHERE q.model = ? LIMIT ?)""")) {
                ps.setString(1, model);
                ps.setInt(2, REMOVE_BATCH);
                n = ps.executeUpdate();
            }
            c.commit();
            removal.deleted += n;
            if (n < REMOVE_BATCH) {
                break;
            }
        }
        watch.step("deleting the target (event_embedding_pending_targets, the triggers' bodies)");
        setLockTimeout(c);
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM event_embedding_pending_targets WHERE model = ? AND state = 'removing'")) {
            ps.setString(1, model);
            ps.executeUpdate();
        }
        c.commit();
        if (removal.deleted > 0) {
            TableMaintenance.vacuumAnalyze(connections, PendingTableDesign.TABLE, lockTimeout);
        }
        LOG.info("targets: removed {} ({} pending rows deleted)", Target.label(model), removal.deleted);
        return new Outcome(String.format("targets: removed %s (%,d pending rows deleted)", Target.label(model), removal.deleted));
    }

    /**
     * What a change of question throws away: the pending rows (all answer the old question), the
     * targets and the fill's progress. Work is lost when a target is ready or a fill has progressed;
     * before that (right after install) the next fill re-derives everything anyway.
     */
    private record Impact(long pendingRows, List<String> targets, boolean anyReady, long progressRows) {

        static Impact read(Connection c) throws SQLException {
            long rows;
            long progress;
            try (Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT (SELECT count(*) FROM event_embedding_pending), "
                         + "(SELECT count(*) FROM event_embedding_pending_bootstrap)")) {
                rs.next();
                rows = rs.getLong(1);
                progress = rs.getLong(2);
            }
            List<String> targets = new ArrayList<>();
            boolean ready = false;
            for (Target t : Target.readAll(c)) {
                targets.add(t.label() + " (" + t.state() + ")");
                ready |= t.ready();
            }
            return new Impact(rows, targets, ready, progress);
        }

        boolean workToLose() {
            return anyReady || progressRows > 0;
        }

        String describe() {
            return "the pending table would be emptied (" + counted(pendingRows, "row") + ", TRUNCATE), "
                    + (targets.isEmpty() ? "no target" : (targets.size() == 1 ? "target " : "targets ") + String.join(", ", targets))
                    + " dropped, the fill's progress (" + counted(progressRows, "shard row") + ") cleared";
        }
    }

    /**
     * migrate's check before its first changeSet (a new-user trial: migrate applied every changeSet,
     * then its configure step refused a typo and said "nothing was changed"): a target model that is not
     * a target yet and that no event_embeddings row uses is refused here, unless {@code newModel}.
     * Throws NotConfirmedException (exit 13) naming it; reads only.
     */
    public static void requireKnownModels(ConnectionFactory connections, Semantics wanted, List<String> models, boolean newModel) throws Exception {
        if (newModel || models == null || models.isEmpty()) {
            return;
        }
        try (Connection c = connections.readOnly().open()) {
            boolean targetsTable;
            try (Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT to_regclass('event_embedding_pending_targets') IS NOT NULL")) {
                rs.next();
                targetsTable = rs.getBoolean(1);
            }
            List<String> fresh = new ArrayList<>();
            for (String m : models) {
                if (!targetsTable || stateOf(c, m).isEmpty()) {
                    fresh.add(m);
                }
            }
            String unknown = unknownModels(c, wanted, fresh);
            if (!unknown.isEmpty()) {
                throw new io.ehe.design.NotConfirmedException("migrate: " + unknown + ": pass --new-model if that is deliberate "
                        + "(a model not embedded yet); nothing was changed, no changeSet applied");
            }
        }
    }

    /**
     * Why the first of {@code models} that no event_embeddings row uses looks like a typo, or "" when
     * every one is used (or the semantics have no model column). The exact match may use an index on
     * the model column; only a miss reads for a name that differs in case.
     */
    private static String unknownModels(Connection c, Semantics s, List<String> models) throws SQLException {
        if (!s.perModel()) {
            return "";
        }
        for (String m : models) {
            if (m.isEmpty()) {
                continue;
            }
            // The column name passed Semantics' lower-case identifier check: safe to quote here.
            String col = "\"" + s.modelColumn() + "\"";
            try (PreparedStatement ps = c.prepareStatement("SELECT EXISTS (SELECT 1 FROM event_embeddings x WHERE x." + col + " = ?)")) {
                ps.setString(1, m);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    if (rs.getBoolean(1)) {
                        continue;
                    }
                }
            }
            String like = null;
            try (PreparedStatement ps = c.prepareStatement("SELECT x." + col + " FROM event_embeddings x WHERE lower(x." + col + ") = lower(?) LIMIT 1")) {
                ps.setString(1, m);
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        like = rs.getString(1);
                    }
                }
            }
            return "no event_embeddings row has " + s.modelColumn() + " = '" + m + "'"
                    + (like == null ? "" : " (the data says '" + like + "': model names are case-sensitive)");
        }
        return "";
    }

    /**
     * Refuses a configured column the tables do not have, before anything changes (the trigger
     * functions would fail at once), naming a column that differs only in case: PostgreSQL folds
     * unquoted names to lower case, so a column created quoted ("Deleted_By") is not deleted_by.
     */
    private static void checkColumnsExist(Connection c, Semantics s) throws SQLException {
        String[][] wanted = {{"event_embeddings", s.modelColumn(), "--model-column"}, {"event_embeddings", s.chunkColumn(), "--chunk-column"},
                {"events", s.supersededColumn(), "--superseded-column"}, {"events", s.createdColumn(), "--created-column"}};
        for (String[] w : wanted) {
            if (w[1] == null) {
                continue;
            }
            String exact = null;
            String folded = null;
            try (PreparedStatement ps = c.prepareStatement("""
                    SELECT attname FROM pg_attribute
                     WHERE attrelid = to_regclass(?) AND lower(attname) = lower(?) AND attnum > 0 AND NOT attisdropped
                     ORDER BY attname = ? DESC LIMIT 1""")) {
                ps.setString(1, w[0]);
                ps.setString(2, w[1]);
                ps.setString(3, w[1]);
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        String name = rs.getString(1);
                        if (name.equals(w[1])) {
                            exact = name;
                        } else {
                            folded = name;
                        }
                    }
                }
            }
            if (exact == null) {
                c.rollback();
                throw new IllegalArgumentException(w[0] + "." + w[1] + " (" + w[2] + ") does not exist"
                        + (folded == null ? "" : "; " + w[0] + " has \"" + folded + "\", which differs in case (column names are case-sensitive; "
                        + "this module reads lower-case columns only)") + "; nothing was changed");
            }
        }
    }

    private static long pendingRows(Connection c, String model) throws SQLException {
        return CatalogQuery.number(c, "SELECT count(*) FROM event_embedding_pending WHERE model = ?", model);
    }

    private Connection open() throws SQLException {
        Connection c = connections.open();
        c.setAutoCommit(false);
        setLockTimeout(c);
        return c;
    }

    private void setLockTimeout(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT set_config('lock_timeout', ?, true)")) {
            ps.setString(1, PgDuration.toSetting(lockTimeout));
            ps.execute();
        }
    }

    /** Serialises configuration changes: the semantics row, locked until commit. */
    private static Optional<Semantics> lockSemantics(Connection c) throws SQLException {
        Optional<Semantics> s = Semantics.read(c);
        if (s.isPresent()) {
            try (Statement st = c.createStatement()) {
                st.executeQuery("SELECT 1 FROM event_embedding_pending_semantics FOR UPDATE").close();
            }
        }
        return s;
    }

    private static Optional<String> stateOf(Connection c, String model) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT state FROM event_embedding_pending_targets WHERE model = ?")) {
            ps.setString(1, model);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
            }
        }
    }

    private static boolean insertTarget(Connection c, String model) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                INSERT INTO event_embedding_pending_targets (model, state) VALUES (?, 'filling')
                ON CONFLICT (model) DO NOTHING""")) {
            ps.setString(1, model);
            return ps.executeUpdate() == 1;
        }
    }

    /** The installed targets' models, in name order ("" for "any model"). */
    private static List<String> installedModels(Connection c) throws SQLException {
        List<String> out = new ArrayList<>();
        try (Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT model FROM event_embedding_pending_targets ORDER BY model")) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }

    /** A complete plan covers none of the new targets: the next backfill starts a new one. */
    private static void resetCompletePlan(Connection c) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.executeUpdate("""
                    DELETE FROM event_embedding_pending_bootstrap
                     WHERE EXISTS (SELECT 1 FROM event_embedding_pending_bootstrap
                                    GROUP BY shard_count HAVING bool_and(done) AND count(*) = max(shard_count))""");
        }
    }

    /** A new-user trial read "1 shard rows" and "target(s) (any model)": the counts and names decide the number. */
    private static String counted(long n, String noun) {
        return String.format("%,d %s%s", n, noun, n == 1 ? "" : "s");
    }

    private static String targetsNamed(List<String> models) {
        return (models.size() == 1 ? "target " : "targets ") + labels(models);
    }

    private static String labels(List<String> models) {
        return String.join(", ", models.stream().map(Target::label).toList());
    }
}
