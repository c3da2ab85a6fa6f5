package io.ehe.cli;

import io.ehe.status.Status;
import io.ehe.status.StatusReader;
import io.ehe.status.StatusRenderer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

/** status: the rollout on one screen, and the one answer the app needs (exit 0 ready, 5 not ready). */
@Command(name = "status", mixinStandardHelpOptions = true,
        description = {"Shows changeSets, column, triggers, backfill progress, the partial index, and whether the pending-embedding index is ready.",
                "Read-only. Exit 0 when ready (triggers enabled, index valid, no NULL row proven), 5 when not."},
        footer = {"", ExitCodes.HELP_TEXT})
public final class StatusCommand implements Callable<Integer> {

    @Mixin
    ConnectionOptions connection;

    @Option(names = "--json", description = "print JSON for machines")
    boolean json;

    @Option(names = "--exact", description = "count NULL rows exactly even on a large table (a full scan) instead of estimating")
    boolean exact;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Status status = new StatusReader(connection.connections()).read(exact);
        PrintWriter out = spec.commandLine().getOut();
        out.print(json ? StatusRenderer.json(status) : StatusRenderer.text(status));
        out.flush();
        return status.ready() ? ExitCodes.OK : ExitCodes.NOT_READY;
    }
}
