package io.ehe.migration;

import io.ehe.catalog.Design;
import io.ehe.catalog.Partitioning;
import liquibase.Liquibase;
import liquibase.changelog.ChangeSet;
import liquibase.changelog.RanChangeSet;
import liquibase.database.jvm.JdbcConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The one planning step of a run (issue 26): every changeSet of the parsed changelog and what this
 * database and this run make of it, decided once and read by migrate, its dry run, rollback and status.
 *
 * 1. Read once, on the run's own session: the history (DATABASECHANGELOG, with each row's EXECTYPE) and
 *    the partitioning of the two upstream tables ({@link Partitioning}).
 * 2. Each changeSet is one of: a check (the preflight, the design guard, the deferred notice: never
 *    recorded, no step of the rollout); recorded (run, or recorded without running: MARK_RAN); left out
 *    of this run (175's reader grants while no reader is named, 185's queue grants while no queue role is:
 *    they skip themselves); not applicable on this partitioning ({@link PartitionedReplacements}: 040
 *    refused by PostgreSQL on a partitioned events, 045 and 060 only for partitioned tables); else pending.
 * 3. From that one classification: the list migrate and status print ({@link #states}), the changeSets
 *    PostgreSQL refuses left out of the update ({@link #leaveOutRefused}: Liquibase's ignore flag, so they
 *    are neither run nor recorded), the count Liquibase needs for "the next N steps" ({@link #liquibaseCount}:
 *    checks and the dev-only baseline of a run without it take no step), and the changeSets a dry run judges
 *    ({@link #toWalk}). No second reading of the history or the catalog can disagree with the first.
 */
final class RolloutPlan {

    private static final Logger LOG = LoggerFactory.getLogger(RolloutPlan.class);

    /**
     * One changeSet of the changelog.
     *
     * @param ran           its history row, null when not recorded
     * @param own           the design it belongs to (its label), null for the baseline and the checks
     * @param check         one of the checks, never recorded
     * @param notThisRun    a grants changeSet that skips itself in this run (no role named)
     * @param notApplicable why it has no work on this partitioning, null when it has
     */
    record Step(ChangeSet changeSet, RanChangeSet ran, Design own, boolean check, boolean notThisRun, String notApplicable) {

        String id() {
            return changeSet.getId();
        }
    }

    private final List<Step> steps;
    private final MigrationSettings settings;

    private RolloutPlan(List<Step> steps, MigrationSettings settings) {
        this.steps = steps;
        this.settings = settings;
    }

    /**
     * The plan of a run of {@code settings}, on {@code liquibase}'s session (read queries only).
     *
     * @param readersNamed    this run passes reader roles (named, or carried from the other design)
     * @param queueRolesNamed this run names queue roles
     */
    static RolloutPlan read(Liquibase liquibase, MigrationSettings settings, boolean readersNamed, boolean queueRolesNamed)
            throws Exception {
        Partitioning partitioned = Partitioning.of(((JdbcConnection) liquibase.getDatabase().getConnection()).getUnderlyingConnection());
        Map<String, RanChangeSet> byKey = new HashMap<>();
        for (RanChangeSet r : liquibase.getDatabase().getRanChangeSetList()) {
            byKey.put(r.getId() + "::" + r.getAuthor() + "::" + r.getChangeLog(), r);
        }
        List<Step> steps = new ArrayList<>();
        for (ChangeSet cs : liquibase.getDatabaseChangeLog().getChangeSets()) {
            RanChangeSet r = byKey.get(cs.getId() + "::" + cs.getAuthor() + "::" + cs.getFilePath());
            boolean notThisRun = r == null && ((ReaderRoles.isReaderGrants(cs.getId()) && !readersNamed)
                    || (QueueRoles.isQueueGrants(cs.getId()) && !queueRolesNamed));
            String notApplicable = PartitionedReplacements.applies(cs.getId(), partitioned) ? null
                    : PartitionedReplacements.whyNot(cs.getId(), partitioned);
            steps.add(new Step(cs, r, ChangelogRunner.designOf(cs), ChangelogRunner.isPreflight(cs), notThisRun, notApplicable));
        }
        return new RolloutPlan(steps, settings);
    }

    /** Every changeSet but the checks, in changelog order, with its state here (every design's). */
    List<ChangeSetState> states() {
        List<ChangeSetState> out = new ArrayList<>();
        for (Step s : steps) {
            if (s.check() || s.notThisRun()) {
                continue;
            }
            ChangeSet cs = s.changeSet();
            boolean deferrable = cs.getLabels() != null && cs.getLabels().getLabels().contains(ChangelogRunner.DEFERRED_LABEL);
            out.add(new ChangeSetState(cs.getId(), cs.getAuthor(), cs.getFilePath(), cs.getComments() == null ? "" : cs.getComments(),
                    s.ran() != null, s.ran() == null ? null : s.ran().getTag(), deferrable, s.own(),
                    s.ran() != null && s.ran().getExecType() == ChangeSet.ExecType.MARK_RAN, s.notApplicable()));
        }
        return out;
    }

    /**
     * Leaves out of this run the pending changeSets of its design that PostgreSQL refuses here (040 on a
     * partitioned events): ignored in the parsed changelog that the update then walks, so Liquibase neither
     * runs nor records them. The others that do not apply skip themselves by their precondition.
     */
    void leaveOutRefused() {
        for (Step s : steps) {
            if (s.ran() == null && s.notApplicable() != null && PartitionedReplacements.REPLACED_BY.containsKey(s.id())
                    && s.own() == settings.design() && !s.changeSet().isIgnore()) {
                s.changeSet().setIgnore(true);
                LOG.info("changeSet {} left out: events is partitioned and PostgreSQL refuses it there; {} does its work",
                        s.id(), PartitionedReplacements.REPLACED_BY.get(s.id()));
            }
        }
    }

    /**
     * The count to give Liquibase's update for the next {@code count} steps of the rollout: Liquibase counts
     * every pending changeSet its label filter lets through, the checks included (never recorded, so always
     * pending), and the dev-only baseline of a run without --with-baseline, which it only records (MARK_RAN).
     */
    int liquibaseCount(int count) {
        int total = 0;
        int taken = 0;
        for (Step s : steps) {
            if (taken >= count) {
                break;
            }
            if (!ofThisRun(s) || (!s.check() && s.ran() != null)) {
                continue;
            }
            total++;
            if (!s.check() && !skippedBaseline(s)) {
                taken++;
            }
        }
        return total;
    }

    /** The checks, in order: a dry run judges them so that its SQL leaves them out. */
    List<ChangeSet> checks() {
        return steps.stream().filter(Step::check).map(Step::changeSet).toList();
    }

    /** The pending changeSets the update walks, in order (of this run's design or none, not left out). */
    List<ChangeSet> toWalk() {
        return steps.stream().filter(s -> !s.check() && s.ran() == null && ofThisRun(s) && !s.changeSet().isIgnore())
                .map(Step::changeSet).toList();
    }

    /** The dev-only baseline of a run without --with-baseline: recorded without running, no step of the rollout. */
    boolean skippedBaseline(ChangeSet cs) {
        return ChangelogRunner.BASELINE_ID.equals(cs.getId()) && !settings.withBaseline();
    }

    private boolean skippedBaseline(Step s) {
        return skippedBaseline(s.changeSet());
    }

    /** The update's label filter lets it through: it carries this run's design's label, or none. */
    private boolean ofThisRun(Step s) {
        return s.own() == null || s.own() == settings.design();
    }
}
