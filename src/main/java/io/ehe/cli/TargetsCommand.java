package io.ehe.cli;

import io.ehe.catalog.Design;
import io.ehe.db.ConnectionFactory;
import io.ehe.backfill.GracefulShutdown;
import io.ehe.db.OlderTransactions;
import io.ehe.db.PgDuration;
import io.ehe.design.pending.PendingConfiguration;
import io.ehe.design.select.DesignChoice;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.time.Duration;
import java.util.concurrent.Callable;

/** targets add / remove: thin over the pending-table design's target models ('status' lists them). */
@Command(name = "targets", mixinStandardHelpOptions = true,
        description = {"Adds or removes a target model of the pending-table design ('status' lists them with their backlog).",
                "add: the model's pending rows are filled by the next backfill (resumable, sharded); the triggers keep it exact meanwhile.",
                "remove: the triggers stop keeping it at once; its rows are deleted in batches (run again after a kill to finish)."})
public final class TargetsCommand implements Callable<Integer> {

    @Mixin
    ConnectionOptions connection;

    @Parameters(index = "0", paramLabel = "ACTION", description = "add | remove")
    String action;

    @Parameters(index = "1", paramLabel = "MODEL", description = "the model, as event_embeddings stores it")
    String model;

    @Mixin
    LockTimeoutOption lock;

    @Option(names = "--older-transactions-wait", paramLabel = "DURATION", converter = DurationConverter.class,
            defaultValue = "10min",
            description = "remove: how long to wait for transactions older than the removal before deleting rows (default: ${DEFAULT-VALUE})")
    PgDuration olderWait;

    @Option(names = "--dry-run", description = "say what would happen (the target's state, pending rows deleted, triggers); change nothing")
    boolean dryRun;

    @Option(names = "--new-model", description = "add: confirm a model that no event_embeddings row uses yet (else refused as a likely typo)")
    boolean newModel;

    @Override
    public Integer call() throws Exception {
        if (!action.equals("add") && !action.equals("remove")) {
            throw new IllegalArgumentException("targets: ACTION must be add or remove");
        }
        ConnectionFactory connections = connection.connections();
        DesignChoice.installed(connections, Design.PENDING_TABLE.id());
        // SIGTERM/SIGINT end the wait for older transactions within a poll (200 ms), exit 7; a batch of
        // deletes in flight commits or rolls back first (each is one short statement).
        try (GracefulShutdown shutdown = new GracefulShutdown(lock.lockTimeout().plusSeconds(5), ExitCodes.INTERRUPTED)) {
            PendingConfiguration config = new PendingConfiguration(connections, lock.lockTimeout(), olderWait.toDuration())
                    .stoppedBy(shutdown.stopSignal()::requested);
            try {
                PendingConfiguration.Outcome outcome = action.equals("add")
                        ? config.addTarget(model, new PendingConfiguration.Confirmations(dryRun, false, newModel))
                        : config.removeTarget(model, dryRun);
                System.out.println(outcome.line());
            } catch (OlderTransactions.WaitStoppedException stopped) {
                Main.interruptedLine(stopped);
                shutdown.finished(ExitCodes.INTERRUPTED);
                return ExitCodes.INTERRUPTED;
            }
            shutdown.finished(ExitCodes.OK);
            return ExitCodes.OK;
        }
    }
}
