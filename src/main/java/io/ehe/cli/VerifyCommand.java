package io.ehe.cli;

import io.ehe.db.ConnectionFactory;
import io.ehe.catalog.DesignCheck;
import io.ehe.design.select.DesignChoice;
import io.ehe.design.DesignOperations;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.time.Duration;
import java.util.concurrent.Callable;

/** verify: thin over the installed design's check and repair. */
@Command(name = "verify", mixinStandardHelpOptions = true,
        description = {"Checks the installed design's invariant in one snapshot.",
                "Column: events whose has_embedding disagrees with event_embeddings, and NULL rows.",
                "Pending-table: (event, target model) pairs missing from event_embedding_pending, stale rows, rows with the wrong organization."})
public final class VerifyCommand implements Callable<Integer> {

    @Mixin
    ConnectionOptions connection;

    @Option(names = "--sample", paramLabel = "N", description = "check about N events from a block sample instead of all")
    Long sample;

    @Option(names = "--repair", description = "fix every wrong row (whole table), in batches, race-free; then check again")
    boolean repair;

    @Option(names = "--batch-size", paramLabel = "N", description = "rows per repair transaction (default 1000)")
    Integer batchSize;

    @Option(names = "--design", paramLabel = "DESIGN", defaultValue = "${env:EHE_DESIGN}",
            description = "column | pending-table; default: the design installed in the database (env EHE_DESIGN)")
    String design;

    @Override
    public Integer call() throws Exception {
        if (sample != null && (sample < 1 || sample > 100_000_000L)) {
            throw new IllegalArgumentException("--sample must be between 1 and 100000000 (got " + sample + ")");
        }
        if (batchSize != null && (batchSize < 1 || batchSize > 100_000)) {
            throw new IllegalArgumentException("--batch-size must be between 1 and 100000 (got " + batchSize + ")");
        }
        long n = sample == null ? 0 : sample;
        ConnectionFactory connections = connection.connections();
        DesignOperations ops = DesignChoice.operations(DesignChoice.installed(connections, design));
        DesignCheck result = ops.verify(connections, n);
        if (repair && !result.clean()) {
            System.out.println(result.line());
            long repaired = ops.repair(connections, batchSize == null ? 1000 : batchSize, Duration.ofSeconds(2), 10);
            result = ops.verify(connections, n).withRepaired(repaired);
        }
        System.out.println(result.line());
        return result.clean() ? ExitCodes.OK : ExitCodes.DRIFT;
    }
}
