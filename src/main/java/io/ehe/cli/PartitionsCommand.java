package io.ehe.cli;

import io.ehe.catalog.Design;
import io.ehe.db.ConnectionFactory;
import io.ehe.design.pending.PartitionSync;
import io.ehe.design.select.DesignChoice;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.concurrent.Callable;

/** partitions sync: thin over {@link PartitionSync} (pending-table design; docs/partitioning.md has the runbook). */
@Command(name = "partitions", mixinStandardHelpOptions = true,
        description = {"Keeps the pending-table design exact across partition changes: run 'partitions sync' after ATTACH, DETACH, "
                        + "DROP or CREATE of a partition of events or event_embeddings (they fire no trigger).",
                "sync fixes the pending table for exactly the partitions that changed, gives new partitions the module's TRUNCATE "
                        + "trigger, and records the partition set, so status is ready again. Safe under live writes; run it again "
                        + "after a failure.",
                "--dry-run says all of that first and changes nothing."})
public final class PartitionsCommand implements Callable<Integer> {

    @Mixin
    ConnectionOptions connection;

    @Parameters(index = "0", paramLabel = "ACTION", description = "sync")
    String action;

    @Mixin
    LockTimeoutOption lock;

    @Option(names = "--dry-run", description = "print the partitions it would fix, the events whose pending rows it would repair, "
            + "the triggers it would change and the partitions it would record; changes nothing (read-only session)")
    boolean dryRun;

    @Option(names = "--batch-size", paramLabel = "N", description = "events per repair transaction (default 1000)")
    Integer batchSize;

    @Override
    public Integer call() throws Exception {
        if (!action.equals("sync")) {
            throw new IllegalArgumentException("partitions: ACTION must be sync");
        }
        if (batchSize != null && (batchSize < 1 || batchSize > 100_000)) {
            throw new IllegalArgumentException("--batch-size must be between 1 and 100000 (got " + batchSize + ")");
        }
        ConnectionFactory connections = connection.connections();
        DesignChoice.installed(connections, Design.PENDING_TABLE.id());
        PartitionSync sync = new PartitionSync(connections, lock.lockTimeout(), batchSize == null ? 1000 : batchSize, 10);
        System.out.println(dryRun ? sync.dryRun() : sync.run().line());
        return ExitCodes.OK;
    }
}
