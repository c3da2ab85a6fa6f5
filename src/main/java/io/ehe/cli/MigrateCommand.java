package io.ehe.cli;

import io.ehe.catalog.Design;
import io.ehe.catalog.Semantics;
import io.ehe.design.pending.PendingConfiguration;
import io.ehe.design.select.DesignChoice;
import io.ehe.migration.Interruption;
import io.ehe.migration.Migrator;
import io.ehe.migration.QueueRoles;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;

/** migrate: apply the changelog, never queueing production traffic behind a DDL lock. */
@Command(name = "migrate", mixinStandardHelpOptions = true,
        description = {
                "Applies the changelog (Liquibase update). Every DDL statement runs under a short lock_timeout; "
                        + "a refused lock is retried with doubling backoff, logging the blocking session, then the command exits 4.",
                "The index and NOT NULL changeSets are deferred (skipped, not recorded) until the backfill is complete: run migrate again after it.",
                "The migration lock is a session-level advisory lock: it ends with the process, even after SIGKILL.",
                "SIGINT/SIGTERM end a lock wait at once (exit 7): the changeSet in flight rolls back whole; run migrate again."})
public final class MigrateCommand implements Callable<Integer> {

    @Mixin
    ConnectionOptions connection;

    @Mixin
    LockOptions locks;

    @Option(names = "--tag", paramLabel = "TAG", description = "tag the database after the update (a target for rollback --to-tag)")
    String tag;

    @Option(names = "--count", paramLabel = "N", converter = PositiveIntConverter.class,
            description = "apply only the next N pending changeSets")
    Integer count;

    @Option(names = "--dry-run", description = "print what would run and its SQL; changes nothing (read-only session)")
    boolean dryRun;

    @Option(names = "--with-baseline", description = "development, tests and demo only: create events and event_embeddings when neither exists (ehe.baseline=true)")
    boolean withBaseline;

    @Option(names = "--design", paramLabel = "DESIGN", defaultValue = "${env:EHE_DESIGN}",
            description = "which design to install: column (events.has_embedding) or pending-table (event_embedding_pending, "
                    + "never writes events); default (env EHE_DESIGN unset): the one installed in the database, column on a database with neither "
                    + "or with both (a move: name it then)")
    String design;

    @Mixin
    SemanticsOptions semantics;

    @Option(names = "--reader-role", paramLabel = "ROLE", split = ",", defaultValue = "${env:EHE_READER_ROLES}",
            description = "a role that reads the answer (the scheduler): granted SELECT on what the documented queries read, nothing more;"
                    + " repeatable or a comma list; the list replaces the recorded one (roles dropped from it lose what the module granted);"
                    + " 'none' names none; default: keep the recorded list; on a design's first install beside the other, the other's (env EHE_READER_ROLES). An unknown role: exit 2, nothing changed")
    List<String> readerRoles;

    @Option(names = "--queue-role", paramLabel = "ROLE", split = ",", defaultValue = "${env:EHE_QUEUE_ROLES}",
            description = "pending-table: a role that works the queue (the embedding workers): granted EXECUTE on ehe_queue_claim, _extend,"
                    + " _fail, _release and _pause, nothing more; repeatable or a comma list; the list replaces the recorded one;"
                    + " 'none' names none; default: keep the recorded list (env EHE_QUEUE_ROLES). An unknown role: exit 2, nothing changed")
    List<String> queueRoles;

    @Option(names = "--change-question", description = "pending-table: confirm that --semantics/--*-column change the installed "
            + "question although that discards the fill's work (see configure --help)")
    boolean changeQuestion;

    @Option(names = "--new-model", description = "pending-table: confirm --target-model(s) that no event_embeddings row uses yet")
    boolean newModel;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        // Without --design (or EHE_DESIGN) an update keeps the design installed first: it never installs the
        // other beside it (issue 28, 5); moving between designs names the design explicitly (docs/runbooks.md).
        Design chosen = design == null || design.isBlank() ? DesignChoice.forUpdate(connection.connections()) : DesignChoice.forMigrate(design);
        Semantics requested = semantics.semantics();
        List<String> targets = null;
        boolean keepTargets = false;
        if (semantics.given()) {
            if (chosen == Design.COLUMN && (!requested.isSeed() || !semantics.targetModels().isEmpty())) {
                // The column design keeps one flag per event: it cannot hold a question per model,
                // and its index predicate knows no liveness column. Refuse before connecting.
                throw new IllegalArgumentException("the column design answers only the seed's question (any event_embeddings row; "
                        + "no model, chunk or superseded column): use --design pending-table for these semantics");
            }
            if (chosen == Design.PENDING_TABLE && count != null) {
                // The configure step runs after the last changeSet and needs them all; after a part of the
                // rollout it would fail having applied some (a new-user trial: exit 9 "nothing was changed").
                throw new IllegalArgumentException("--count applies part of the changelog and the configure step (--semantics, "
                        + "--*-column, --target-model) needs all of it: run migrate --count N without them, then migrate with them; "
                        + "nothing was changed");
            }
            if (chosen == Design.PENDING_TABLE) {
                java.util.Optional<Semantics> installed = semantics.presetGiven() ? java.util.Optional.empty() : installedQuestion();
                if (installed.isPresent()) {
                    // Options without --semantics adjust the installed question, as configure's do: a column option
                    // changes that column only (a new-user trial saw --chunk-column none reset the rest to the
                    // seed's), --target-model alone adds to it, and the targets stay unless named.
                    requested = semantics.adjustment().apply(installed.get());
                    keepTargets = semantics.targetModels().isEmpty();
                }
                targets = keepTargets ? List.of() : PendingConfiguration.checkedTargets(requested, semantics.targetModels());
            }
        }
        if (chosen == Design.COLUMN && QueueRoles.namesAny(queueRoles)) {
            // The column design has no queue (docs/scheduler-on-claims.md): nothing to grant.
            throw new IllegalArgumentException("--queue-role: the column design has no work queue; use --design pending-table");
        }
        if (chosen == Design.COLUMN && !dryRun) {
            refuseColumnForAnotherQuestion();
        }
        Migrator migrator = new Migrator(connection.connections(), locks.settings(withBaseline).withDesign(chosen));
        migrator.runner().readerRoles(readerRoles).queueRoles(queueRoles);
        MigrateReport report = new MigrateReport(spec.commandLine().getOut());
        if (targets != null) {
            try {
                // A typo in a target model is refused before the first changeSet, not after the last; its dry run says so.
                PendingConfiguration.requireKnownModels(connection.connections(), requested, targets, newModel);
            } catch (io.ehe.design.NotConfirmedException refused) {
                if (!dryRun) {
                    throw refused;
                }
                spec.commandLine().getOut().println("migrate --dry-run: would refuse (exit " + ExitCodes.NOT_CONFIRMED + "): "
                        + refused.getMessage().replaceFirst("^migrate: ", ""));
                return ExitCodes.OK;
            }
        }
        if (!dryRun) {
            return interruptible(migrator, report, requested, targets, keepTargets);
        }
        report.dryRun(migrator.dryRun(count), tag);
        if (targets != null) {
            spec.commandLine().getOut().println(configureStep(requested, targets, keepTargets));
        }
        return ExitCodes.OK;
    }

    /**
     * The update under SIGINT/SIGTERM ({@link InterruptibleRun}): one error line and exit 7 once the run
     * has stopped, nothing of the changeSet in flight recorded; the configure step's lock waits (its statement
     * in flight cancelled) end on the same signal.
     */
    private int interruptible(Migrator migrator, MigrateReport report, Semantics requested, List<String> targets, boolean keepTargets)
            throws Exception {
        Interruption interruption = new Interruption();
        migrator.interruptibleBy(interruption);
        return InterruptibleRun.run(interruption, stop -> {
            report.applied(migrator.migrate(tag, count), tag);
            if (targets != null) {
                PendingConfiguration.Outcome outcome = configure(new PendingConfiguration(connection.connections(),
                        locks.lockTimeout(), Duration.ofMinutes(10)).afterMigrate().stoppedBy(stop::requested), requested, targets, keepTargets,
                        new PendingConfiguration.Confirmations(false, changeQuestion, newModel));
                spec.commandLine().getOut().println(outcome.line());
            }
        });
    }

    /**
     * The column design answers only the seed's question: on a database the pending-table design was
     * configured for another one, installing it would backfill every events row for a status that can
     * never be ready (a new-user trial). A new install is refused before the first changeSet, exit 2.
     */
    private void refuseColumnForAnotherQuestion() throws Exception {
        try (java.sql.Connection c = connection.connections().readOnly().open()) {
            boolean columnInstalled;
            try (java.sql.Statement st = c.createStatement(); java.sql.ResultSet rs = st.executeQuery(
                    "SELECT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = to_regclass('events') AND attname = 'has_embedding' AND NOT attisdropped)")) {
                rs.next();
                columnInstalled = rs.getBoolean(1);
            }
            // Only a new install is refused: where the column design is there already (a move under way),
            // its own later steps (the deferred index, NOT NULL) still apply.
            java.util.Optional<io.ehe.catalog.Semantics> configured = io.ehe.catalog.Semantics.read(c);
            if (!columnInstalled && configured.isPresent() && !configured.get().isSeed()) {
                throw new IllegalArgumentException("--design column: this database is configured for another question ("
                        + configured.get().describe() + ") and the column design answers only the seed's; nothing was changed");
            }
        }
    }

    /** The configure step: the question adjusted with the installed targets kept, or set with the targets given. */
    private static PendingConfiguration.Outcome configure(PendingConfiguration configuration, Semantics requested, List<String> targets,
                                                          boolean keepTargets, PendingConfiguration.Confirmations confirm) throws Exception {
        return keepTargets ? configuration.adjust(installed -> requested, List.of(), confirm) : configuration.configure(requested, targets, confirm);
    }

    /** The question the pending-table design has configured here, if it is installed (read-only). */
    private java.util.Optional<Semantics> installedQuestion() throws Exception {
        try (java.sql.Connection c = connection.connections().readOnly().open()) {
            return Semantics.read(c);
        }
    }

    /** migrate --dry-run: the configure step that follows the changeSets, as configure --dry-run would say it. */
    private String configureStep(Semantics requested, List<String> targets, boolean keepTargets) throws Exception {
        try {
            return "then configure: " + configure(new PendingConfiguration(connection.connections(), locks.lockTimeout(), Duration.ofMinutes(10)),
                    requested, targets, keepTargets, new PendingConfiguration.Confirmations(true, changeQuestion, newModel)).line();
        } catch (io.ehe.design.DesignNotInstalledException notYet) {
            return "then configure: the question (" + requested.describe() + "), target(s) " + String.join(", ", targets)
                    + " filling (installed by the changeSets above; run backfill next)";
        }
    }
}
