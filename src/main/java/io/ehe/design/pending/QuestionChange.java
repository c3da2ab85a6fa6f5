package io.ehe.design.pending;

import io.ehe.catalog.Semantics;
import io.ehe.db.LockWaitWatch;
import io.ehe.db.OlderTransactions;
import io.ehe.design.DesignNotInstalledException;
import io.ehe.design.NotConfirmedException;
import io.ehe.design.pending.PendingConfiguration.Confirmations;
import io.ehe.design.pending.PendingConfiguration.Outcome;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.UnaryOperator;

/** {@code configure}: the question the pending table answers kept (new targets added) or changed (table emptied), in one transaction. */
final class QuestionChange implements WatchedChange {

    private static final Logger LOG = LoggerFactory.getLogger("configure");

    private final UnaryOperator<Semantics> wantedOf;
    private final List<String> models;
    private final boolean keepTargets;
    private final Confirmations confirm;
    private final boolean afterChangeSets;
    private final BooleanSupplier stop;

    /**
     * @param wantedOf        turns the installed question into the requested one
     * @param models          the targets asked for; null or empty: none added (the same question) or, with
     *                        {@code keepTargets}, the installed ones (a different question)
     * @param afterChangeSets migrate's last step: its words say the changeSets stay applied
     * @param stop            checked once more before the commit
     */
    QuestionChange(UnaryOperator<Semantics> wantedOf, List<String> models, boolean keepTargets, Confirmations confirm,
                   boolean afterChangeSets, BooleanSupplier stop) {
        this.wantedOf = wantedOf;
        this.models = models;
        this.keepTargets = keepTargets;
        this.confirm = confirm;
        this.afterChangeSets = afterChangeSets;
        this.stop = stop;
    }

    @Override
    public String what() {
        return afterChangeSets ? "migrate's configure step" : "configure";
    }

    /** What a stop leaves: configure's one transaction rolls back, and migrate's changeSets committed before it. */
    @Override
    public String afterStop() {
        return afterChangeSets
                ? "the configure step changed nothing (its one transaction was rolled back); the changeSets applied stay applied: run migrate again"
                : "nothing was changed: run it again";
    }

    @Override
    public String afterRefusal() {
        // Every change so far is in this one transaction: rolled back, the refusal may say nothing was changed.
        return afterChangeSets
                ? "The configure step changed nothing (its one transaction was rolled back); the changeSets applied stay applied: "
                + "run migrate again once that transaction has ended, or with a longer --lock-timeout"
                : "Nothing was changed (configure's one transaction was rolled back): run configure again once that "
                + "transaction has ended, or with a longer --lock-timeout";
    }

    @Override
    public Outcome run(Connection c, LockWaitWatch watch) throws SQLException {
        watch.step("locking the installed question (event_embedding_pending_semantics)");
        Optional<Semantics> current = ConfigurationRows.lockSemantics(c);
        watch.step("reading the app's tables");
        if (current.isEmpty()) {
            c.rollback();
            throw new DesignNotInstalledException("the pending-table design's semantics table is missing: run 'migrate --design pending-table' first; nothing was changed");
        }
        Semantics wanted = wantedOf.apply(current.get());
        boolean same = current.get().sameQuestion(wanted);
        List<String> targets = same && (models == null || models.isEmpty()) ? List.of()
                : PendingConfiguration.checkedTargets(wanted, keepTargets ? installedModels(c) : models);
        if (!same) {
            AppTableChecks.checkColumnsExist(c, wanted);
        }
        List<String> newTargets = new ArrayList<>();
        for (String m : targets) {
            if (!same || ConfigurationRows.stateOf(c, m).isEmpty()) {
                newTargets.add(m);
            }
        }
        // Targets kept from the installed configuration were accepted when they were added.
        String unknown = keepTargets ? "" : AppTableChecks.unknownModels(c, wanted, newTargets);
        if (!unknown.isEmpty() && !confirm.newModel() && !confirm.dryRun()) {
            c.rollback();
            throw new NotConfirmedException("configure: " + unknown + ": pass --new-model if that is deliberate "
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
            return keep(c, watch, wanted, targets, newTargets, seen, unknownNote);
        }
        return change(c, watch, current.get(), wanted, targets, seen, unknownNote);
    }

    /** The same question: records the columns seen now and adds the targets not there yet. */
    private Outcome keep(Connection c, LockWaitWatch watch, Semantics wanted, List<String> targets, List<String> newTargets,
                         List<String> seen, String unknownNote) throws SQLException {
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
            if (ConfigurationRows.insertTarget(c, m)) {
                added.add(Target.label(m));
            }
        }
        if (!added.isEmpty()) {
            ConfigurationRows.resetCompletePlan(c);
        }
        c.commit();
        return new Outcome("configure: semantics unchanged (" + wanted.describe() + ")"
                + (added.isEmpty() ? "" : "; target(s) added, filling: " + String.join(", ", added) + " (run backfill)"));
    }

    /** A different question: new triggers, the pending table and the fill's plan emptied, {@code targets} filling. */
    private Outcome change(Connection c, LockWaitWatch watch, Semantics current, Semantics wanted, List<String> targets,
                           List<String> seen, String unknownNote) throws SQLException {
        Impact impact = Impact.read(c);
        String described = "the question would change from (" + current.describe() + ") to (" + wanted.describe() + "): "
                + impact.describe() + "; " + targetsNamed(targets) + " would be filling" + unknownNote
                + "; the " + PendingTableDesign.TRIGGERS.size() + " triggers of changeSet 140 answer the new question from their next statement";
        if (confirm.dryRun()) {
            c.rollback();
            if (impact.workToLose() && !confirm.changeQuestion()) {
                // The dry run reports what the same command would do with the options given: refuse (a new-user trial saw exit 0, no word of it).
                return new Outcome("configure --dry-run: would refuse (exit 13): " + described + "; that discards the fill's work, so it needs"
                        + " --change-question; nothing was changed");
            }
            return new Outcome("configure --dry-run: " + described + "; nothing was changed");
        }
        if (impact.workToLose() && !confirm.changeQuestion()) {
            c.rollback();
            throw new NotConfirmedException("configure: " + described + ". Pass --change-question to do it "
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
            ConfigurationRows.insertTarget(c, m);
        }
        if (stop.getAsBoolean()) {
            c.rollback();
            throw new OlderTransactions.WaitStoppedException(what() + " stopped (signal) before it committed; " + afterStop());
        }
        c.commit();
        LOG.info("configure: semantics changed to: {}; targets {} filling", wanted.describe(), labels(targets));
        return new Outcome("configure: semantics now " + wanted.describe() + "; pending table emptied; target(s) "
                + labels(targets) + " filling: run backfill");
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
