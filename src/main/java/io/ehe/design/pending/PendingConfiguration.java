package io.ehe.design.pending;

import io.ehe.catalog.Semantics;
import io.ehe.db.ConnectionFactory;
import io.ehe.db.OlderTransactions;
import io.ehe.db.PgDuration;
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

    /** What a configure or targets command did, in one line for the terminal. */
    public record Outcome(String line) {
    }

    private final ConnectionFactory connections;
    private final Duration lockTimeout;
    private final Duration olderTransactionsWait;

    public PendingConfiguration(ConnectionFactory connections, Duration lockTimeout, Duration olderTransactionsWait) {
        this.connections = connections;
        this.lockTimeout = lockTimeout;
        this.olderTransactionsWait = olderTransactionsWait;
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

    /**
     * ChangeSet 170: the row-trigger bodies are generated for the tables as they are (a foreign key from
     * event_embeddings to events, or none); the same question configured again rewrites them, without
     * any lock on the app's tables, so a key added or dropped since is taken into account. Nothing on a
     * database that predates 170.
     */
    private static void rewriteTriggerBodies(Connection c) throws SQLException {
        try (Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT to_regprocedure('public.ehe_pending_write_bodies()') IS NOT NULL")) {
            rs.next();
            if (rs.getBoolean(1)) {
                st.execute("SELECT public.ehe_pending_write_bodies()");
            }
        }
    }

    /**
     * Sets the semantics. A different question (any column differs) empties the pending table and
     * the fill's plan and makes {@code models} the targets, all filling: run backfill next. The same
     * question only records which of the app's optional columns exist now (so status stops
     * reporting them) and adds any of {@code models} that is not a target yet.
     *
     * @throws SQLException with the database's message when a configured column does not exist
     *                      (nothing is changed) or a lock is not granted within lock_timeout
     */
    public Outcome configure(Semantics requested, List<String> models) throws SQLException {
        List<String> targets = checkedTargets(requested, models);
        try (Connection c = open()) {
            Optional<Semantics> current = lockSemantics(c);
            if (current.isEmpty()) {
                c.rollback();
                throw new io.ehe.design.DesignNotInstalledException("the pending-table design's semantics table is missing: run 'migrate --design pending-table' first; nothing was changed");
            }
            List<String> seen = Semantics.appColumnsPresent(c);
            if (current.get().sameQuestion(requested)) {
                try (PreparedStatement ps = c.prepareStatement("UPDATE public.event_embedding_pending_semantics SET columns_seen = ?")) {
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
                return new Outcome("configure: semantics unchanged (" + requested.describe() + ")"
                        + (added.isEmpty() ? "" : "; target(s) added, filling: " + String.join(", ", added) + " (run backfill)"));
            }
            try (PreparedStatement ps = c.prepareStatement("""
                    UPDATE public.event_embedding_pending_semantics
                       SET model_column = ?, chunk_column = ?, superseded_column = ?, created_column = ?,
                           columns_seen = ?, configured_at = now()""")) {
                ps.setString(1, requested.modelColumn());
                ps.setString(2, requested.chunkColumn());
                ps.setString(3, requested.supersededColumn());
                ps.setString(4, requested.createdColumn());
                ps.setArray(5, c.createArrayOf("text", seen.toArray()));
                ps.executeUpdate();
            }
            try (Statement st = c.createStatement()) {
                // Regenerates the semantics functions and the five row-level triggers (fails if a column is missing).
                st.execute("SELECT public.ehe_pending_apply_semantics()");
                // Every row answered the old question. TRUNCATE, not DELETE: instant whatever the size
                // (a model swap holds ~600k rows); it waits for, and then briefly blocks, the scheduler's reads.
                st.execute("TRUNCATE public.event_embedding_pending");
                st.execute("DELETE FROM public.event_embedding_pending_targets");
                st.execute("DELETE FROM public.event_embedding_pending_bootstrap");
            }
            for (String m : targets) {
                insertTarget(c, m);
            }
            c.commit();
            LOG.info("configure: semantics changed to: {}; targets {} filling", requested.describe(), labels(targets));
            return new Outcome("configure: semantics now " + requested.describe() + "; pending table emptied; target(s) "
                    + labels(targets) + " filling: run backfill");
        }
    }

    /** Adds a target model, filling; run backfill next. Adding a target that exists changes nothing. */
    public Outcome addTarget(String model) throws SQLException {
        try (Connection c = open()) {
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
            insertTarget(c, model);
            resetCompletePlan(c);
            c.commit();
            LOG.info("targets: added {} (filling)", model);
            return new Outcome("targets: added " + model + " (filling): run backfill to fill its pending rows");
        }
    }

    /**
     * Removes a target model: marks it removing (the triggers stop adding its rows from their next
     * statement), waits for older transactions, deletes its rows in batches of {@value #REMOVE_BATCH},
     * then the target. Safe to run again after a kill: it resumes.
     */
    public Outcome removeTarget(String model) throws SQLException {
        try (Connection c = open()) {
            lockSemantics(c).orElseThrow(() -> new io.ehe.design.DesignNotInstalledException(
                    "the pending-table design's targets table is missing: run 'migrate --design pending-table' first"));
            if (stateOf(c, model).isEmpty()) {
                c.rollback();
                throw new IllegalArgumentException("'" + model + "' is not a target model (status lists the targets)");
            }
            try (PreparedStatement ps = c.prepareStatement("UPDATE public.event_embedding_pending_targets SET state = 'removing' WHERE model = ?")) {
                ps.setString(1, model);
                ps.executeUpdate();
            }
            c.commit();
            OlderTransactions.waitFor(c, OlderTransactions.serverNow(c), olderTransactionsWait, "targets remove");
            long deleted = 0;
            while (true) {
                int n;
                setLockTimeout(c);
                try (PreparedStatement ps = c.prepareStatement("""
                        DELETE FROM public.event_embedding_pending p
                         WHERE (p.event_id, p.model) IN (SELECT q.event_id, q.model FROM public.event_embedding_pending q
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
            setLockTimeout(c);
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM public.event_embedding_pending_targets WHERE model = ? AND state = 'removing'")) {
                ps.setString(1, model);
                ps.executeUpdate();
            }
            c.commit();
            LOG.info("targets: removed {} ({} pending rows deleted)", Target.label(model), deleted);
            return new Outcome(String.format("targets: removed %s (%,d pending rows deleted)", Target.label(model), deleted));
        }
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
                st.executeQuery("SELECT 1 FROM public.event_embedding_pending_semantics FOR UPDATE").close();
            }
        }
        return s;
    }

    private static Optional<String> stateOf(Connection c, String model) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT state FROM public.event_embedding_pending_targets WHERE model = ?")) {
            ps.setString(1, model);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
            }
        }
    }

    private static boolean insertTarget(Connection c, String model) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                INSERT INTO public.event_embedding_pending_targets (model, state) VALUES (?, 'filling')
                ON CONFLICT (model) DO NOTHING""")) {
            ps.setString(1, model);
            return ps.executeUpdate() == 1;
        }
    }

    /** A complete plan covers none of the new targets: the next backfill starts a new one. */
    private static void resetCompletePlan(Connection c) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.executeUpdate("""
                    DELETE FROM public.event_embedding_pending_bootstrap
                     WHERE EXISTS (SELECT 1 FROM public.event_embedding_pending_bootstrap
                                    GROUP BY shard_count HAVING bool_and(done) AND count(*) = max(shard_count))""");
        }
    }

    private static String labels(List<String> models) {
        return String.join(", ", models.stream().map(Target::label).toList());
    }
}
