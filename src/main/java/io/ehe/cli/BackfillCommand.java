package io.ehe.cli;

import io.ehe.backfill.BackfillFlags;
import io.ehe.backfill.BackfillSettings;
import io.ehe.backfill.BackfillSummary;
import io.ehe.backfill.GracefulShutdown;
import io.ehe.backfill.Shard;
import io.ehe.db.ConnectionFactory;
import io.ehe.design.select.DesignChoice;
import io.ehe.design.DesignOperations;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;

/** backfill: thin over the installed design's fill; every value is checked before any connection is made. */
@Command(name = "backfill", mixinStandardHelpOptions = true,
        description = {"Fills what the installed design's triggers did not see: has_embedding of rows still NULL (column design) "
                        + "or the pending rows of every filling target model (pending-table design).",
                "Column design: fills events.has_embedding for rows still NULL, in short batches, race-free with the triggers.",
                "Pending-table design: the fill, which adds the pending rows of every filling target model for the events that existed before (after install, targets add, configure).",
                "Resumable: progress is kept per shard in the database. Also runnable as io.ehe.backfill.BackfillMain."},
        footer = {"", "Durations: an integer and a unit, ms|s|min|h (e.g. 500ms, 5s, 2min)."})
public final class BackfillCommand implements Callable<Integer> {

    @Mixin
    ConnectionOptions connection;

    @Option(names = "--batch-size", paramLabel = "N",
            description = "rows per batch; alone: fixed size; with adaptive sizing: the reference size, the first batch walks a tenth of it (default 10000)")
    Integer batchSize;

    @Option(names = "--target-batch-ms", paramLabel = "MS",
            description = "adapt the batch size so a batch holds its row locks about this long (default 150; on unless --batch-size is given alone)")
    Integer targetBatchMs;

    @Option(names = "--sleep", paramLabel = "DURATION", description = "pause after each batch (default 0ms)")
    String sleep;

    @Option(names = "--max-rows", paramLabel = "N", description = "stop after walking N rows in this run (exit 7)")
    Long maxRows;

    @Option(names = "--max-duration", paramLabel = "DURATION", description = "stop after this long (exit 7)")
    String maxDuration;

    @Option(names = "--lock-timeout", paramLabel = "DURATION", description = "lock_timeout per batch (default 2s)")
    String lockTimeout;

    @Option(names = "--statement-timeout", paramLabel = "DURATION", description = "statement_timeout per batch (default 30s)")
    String statementTimeout;

    @Option(names = "--max-retries", paramLabel = "N", description = "retries of one batch after a transient error (default 10)")
    Integer maxRetries;

    @Option(names = "--shard", paramLabel = "I/N", description = "walk shard I (0-based) of N")
    String shard;

    @Option(names = "--shards", paramLabel = "N", description = "N shards, this one from $JOB_COMPLETION_INDEX (Kubernetes Indexed Job)")
    Integer shards;

    @Option(names = "--then-migrate", description = "when no NULL is left, apply the deferred changeSets (index, NOT NULL)")
    boolean thenMigrate;

    @Option(names = "--progress-interval", paramLabel = "DURATION", description = "progress line interval (default 5s)")
    String progressInterval;

    @Option(names = "--design", paramLabel = "DESIGN", defaultValue = "${env:EHE_DESIGN}",
            description = "column | pending-table; default: the design installed in the database (env EHE_DESIGN). "
                    + "On the pending-table design this is the fill, which writes nothing but event_embedding_pending")
    String design;

    @Override
    public Integer call() throws Exception {
        BackfillSettings settings = new BackfillFlags(batchSize, targetBatchMs, sleep, maxRows, maxDuration, lockTimeout,
                statementTimeout, maxRetries, shard, shards, System.getenv(Shard.INDEX_ENV), thenMigrate,
                progressInterval).toSettings();
        ConnectionFactory connections = connection.connections();
        DesignOperations ops = DesignChoice.operations(DesignChoice.installed(connections, design));
        Duration grace = settings.statementTimeout().plus(settings.lockTimeout()).plusSeconds(5);
        try (GracefulShutdown shutdown = new GracefulShutdown(grace, ExitCodes.INTERRUPTED)) {
            BackfillSummary summary;
            try {
                summary = ops.fill(connections, settings, null, shutdown.stopSignal());
            } catch (io.ehe.db.OlderTransactions.WaitStoppedException stopped) {
                // The fill's wait for older transactions ended by SIGTERM/SIGINT: nothing was walked yet.
                Main.interruptedLine(stopped);
                shutdown.finished(ExitCodes.INTERRUPTED);
                return ExitCodes.INTERRUPTED;
            }
            int code = summary.complete() ? ExitCodes.OK : ExitCodes.INTERRUPTED;
            List<String> left = List.of();
            if (summary.complete() && summary.allShardsDone()) {
                // The plan this run finished may not cover a target added after it started (issue 28, 2):
                // a Job must not show Completed while a target is still filling.
                left = ops.leftAfterFill(connections);
                if (!left.isEmpty()) {
                    code = ExitCodes.MORE_TO_DO;
                }
            }
            System.out.println(summary.line() + (left.isEmpty() ? "" : " left=" + String.join(",", left) + " (run backfill again)"));
            System.out.flush();
            shutdown.finished(code);
            return code;
        }
    }
}
