package io.ehe.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.util.concurrent.Callable;

/** Placeholder: replaced by the issue that builds 'backfill'. */
@Command(name = "backfill", description = "not built yet")
public final class BackfillCommand implements Callable<Integer> {

    @Mixin
    ConnectionOptions connection;

    @Override
    public Integer call() {
        throw new UnsupportedOperationException("backfill is not built yet");
    }
}
