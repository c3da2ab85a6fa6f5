package io.ehe.cli;

import io.ehe.catalog.Design;
import io.ehe.catalog.Semantics;
import io.ehe.db.ConnectionFactory;
import io.ehe.design.pending.PendingConfiguration;
import io.ehe.design.select.DesignChoice;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.UnaryOperator;

/** configure: thin over the pending-table design's semantics. */
@Command(name = "configure", mixinStandardHelpOptions = true,
        description = {"Sets what \"pending\" means (pending-table design): the semantics and the target models.",
                "Without --semantics or a column option it keeps the installed question: it records the tables' current columns "
                        + "(status stops reporting them) and adds the --target-model(s) not yet targets. "
                        + "A column option without --semantics changes only that column of the installed question (and its targets stay "
                        + "unless --target-model names others).",
                "A different question empties the pending table and marks the targets filling: run backfill next. "
                        + "Once a target is ready or a fill has progressed, that needs --change-question; --dry-run says what would happen."},
        footer = {"", "The app's question: configure --semantics app --target-model <model>"})
public final class ConfigureCommand implements Callable<Integer> {

    @Mixin
    ConnectionOptions connection;

    @Mixin
    SemanticsOptions semantics;

    @Mixin
    LockTimeoutOption lock;

    @Option(names = "--dry-run", description = "say what would change (rows deleted, targets dropped or added, triggers); change nothing")
    boolean dryRun;

    @Option(names = "--change-question", description = "confirm a different question although it discards the fill's work "
            + "(ready targets, fill progress): the pending table is emptied and every target filled again")
    boolean changeQuestion;

    @Option(names = "--new-model", description = "confirm target models that no event_embeddings row uses yet (else refused as a likely typo)")
    boolean newModel;

    @Override
    public Integer call() throws Exception {
        // A bare configure (no question given) keeps the installed question: it never resets it to the seed's.
        // A column option without --semantics changes that column of the installed question, nothing else.
        Semantics requested = semantics.presetGiven() ? semantics.semantics() : null;
        List<String> targets = requested == null ? semantics.targetModels()
                : PendingConfiguration.checkedTargets(requested, semantics.targetModels());
        UnaryOperator<Semantics> adjustment = semantics.adjustment();
        ConnectionFactory connections = connection.connections();
        DesignChoice.installed(connections, Design.PENDING_TABLE.id());
        // SIGTERM/SIGINT cancel the statement in flight (a lock wait ends at once): one line, exit 7, nothing changed.
        return InterruptibleRun.run(stop -> {
            PendingConfiguration configuration = new PendingConfiguration(connections, lock.lockTimeout(), Duration.ofMinutes(10))
                    .stoppedBy(stop::requested);
            PendingConfiguration.Confirmations confirm = new PendingConfiguration.Confirmations(dryRun, changeQuestion, newModel);
            PendingConfiguration.Outcome outcome = requested == null && semantics.questionGiven()
                    ? configuration.adjust(adjustment, targets, confirm)
                    : configuration.configure(requested, targets, confirm);
            System.out.println(outcome.line());
        });
    }
}
