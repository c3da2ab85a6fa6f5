package io.ehe.design.pending;

import io.ehe.catalog.Semantics;
import io.ehe.db.ConnectionFactory;
import io.ehe.db.LockWaitWatch;
import io.ehe.db.OlderTransactions;
import io.ehe.db.PgDuration;
import io.ehe.design.NotConfirmedException;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.UnaryOperator;

/**
 * Changes what the pending table answers: the semantics and the target models (changeSet 130's
 * rows). Every change commits first and is then picked up by writers from their next statement;
 * whatever must not race the writers that had not seen it (a fill, the deletion of a removed
 * target's rows) waits for transactions older than the change ({@link OlderTransactions}).
 * Each transaction sets lock_timeout locally; nothing here writes events.
 *
 * <p>This class is the face the CLI uses: it checks what it can before a connection and runs each change
 * ({@link QuestionChange}, {@link TargetAddition}, {@link TargetRemoval}) on a watched session of its own.
 */
public final class PendingConfiguration {

    /** What the changes' statements take locks on: where to look for the holder when one got none. */
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

    private BooleanSupplier stop = () -> false;
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
    public PendingConfiguration stoppedBy(BooleanSupplier stop) {
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
        return watched(new QuestionChange(installed -> requested == null ? installed : requested, models, false, confirm,
                afterChangeSets, stop));
    }

    /**
     * As {@link #configure(Semantics, List, Confirmations)}, for options that name only part of the
     * question (a column, no preset): {@code adjustment} turns the installed question into the requested
     * one, so what the options do not name stays as installed. Without {@code models} the installed
     * target models stay the targets (all filling again when the question changes; a target that is
     * "any model" cannot stay under a question with a model column: IllegalArgumentException, name one).
     */
    public Outcome adjust(UnaryOperator<Semantics> adjustment, List<String> models, Confirmations confirm) throws SQLException {
        return watched(new QuestionChange(adjustment, models, models == null || models.isEmpty(), confirm, afterChangeSets, stop));
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
        return watched(new TargetAddition(model, confirm));
    }

    /**
     * Removes a target model: marks it removing (the triggers stop adding its rows from their next
     * statement), waits for older transactions, deletes its rows in batches of {@value TargetRemoval#REMOVE_BATCH},
     * then the target. Safe to run again after a kill: it resumes.
     */
    public Outcome removeTarget(String model) throws SQLException {
        return removeTarget(model, false);
    }

    /** {@link #removeTarget(String)}; with {@code dryRun}, says what it would stop and delete and changes nothing. */
    public Outcome removeTarget(String model, boolean dryRun) throws SQLException {
        return watched(new TargetRemoval(connections, lockTimeout, olderTransactionsWait, stop, model, dryRun));
    }

    /**
     * migrate's check before its first changeSet (a new-user trial: migrate applied every changeSet,
     * then its configure step refused a typo and said "nothing was changed"): a target model that is not
     * a target yet and that no event_embeddings row uses is refused here, unless {@code newModel}.
     * Throws NotConfirmedException (exit 13) naming it; reads only.
     */
    public static void requireKnownModels(ConnectionFactory connections, Semantics wanted, List<String> models, boolean newModel) throws Exception {
        AppTableChecks.requireKnownModels(connections, wanted, models, newModel);
    }

    /**
     * Runs {@code change} on a session of its own, its lock waits watched, and words its early end: a stop
     * (the watch cancelled a statement) as WaitStoppedException, a lock refusal as the watch's one line
     * naming the step and whom it waited for (SQLSTATE 55P03).
     */
    private Outcome watched(WatchedChange change) throws SQLException {
        try (Connection c = open(); LockWaitWatch watch = LockWaitWatch.start(connections, c, change.what(), lockTimeout, stop)) {
            try {
                return change.run(c, watch);
            } catch (SQLException e) {
                if (change.waitsForOlderTransactions()
                        && (e instanceof OlderTransactions.WaitStoppedException || e instanceof OlderTransactions.StillOpenException)) {
                    throw e;
                }
                if (watch.stopped()) {
                    throw new OlderTransactions.WaitStoppedException(change.what() + " stopped (signal) while a statement waited for its lock"
                            + " or ran (cancelled); " + change.afterStop());
                }
                // Only the open transaction rolls back: the change's words say what committed before it.
                throw watch.refusedOrAsIs(c, e, LOCKED, change::afterRefusal);
            }
        }
    }

    private Connection open() throws SQLException {
        Connection c = connections.open();
        c.setAutoCommit(false);
        setLockTimeout(c, lockTimeout);
        return c;
    }

    /** lock_timeout for the rest of {@code c}'s transaction: each transaction of a change sets it again. */
    static void setLockTimeout(Connection c, Duration lockTimeout) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT set_config('lock_timeout', ?, true)")) {
            ps.setString(1, PgDuration.toSetting(lockTimeout));
            ps.execute();
        }
    }
}
