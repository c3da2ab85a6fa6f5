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

/** configure: thin over the pending-table design's semantics. */
@Command(name = "configure", mixinStandardHelpOptions = true,
        description = {"Sets what \"pending\" means (pending-table design): the semantics and the target models.",
                "A different question empties the pending table and marks the targets filling: run backfill next.",
                "The same question records the tables' current columns (status stops reporting them) and adds new targets."},
        footer = {"", "The app's question: configure --semantics app --target-model <model>",
                "Exit codes: 0 done; 1 failed (a configured column is missing: nothing changed); 2 bad value; 3 cannot connect;",
                "4 lock not granted; 9 pending-table design not installed."})
public final class ConfigureCommand implements Callable<Integer> {

    @Mixin
    ConnectionOptions connection;

    @Mixin
    SemanticsOptions semantics;

    @Mixin
    TransactionLockOptions lock;

    @Override
    public Integer call() throws Exception {
        Semantics requested = semantics.semantics();
        List<String> targets = PendingConfiguration.checkedTargets(requested, semantics.targetModels());
        ConnectionFactory connections = connection.connections();
        DesignChoice.installed(connections, Design.PENDING_TABLE.id());
        PendingConfiguration.Outcome outcome = new PendingConfiguration(connections, lock.lockTimeout(), Duration.ofMinutes(10))
                .configure(requested, targets);
        System.out.println(outcome.line());
        return ExitCodes.OK;
    }
}
