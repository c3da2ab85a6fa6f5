package io.ehe.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.util.concurrent.Callable;

/** Placeholder: replaced by the issue that builds 'status'. */
@Command(name = "status", description = "not built yet")
public final class StatusCommand implements Callable<Integer> {

    @Mixin
    ConnectionOptions connection;

    @Override
    public Integer call() {
        throw new UnsupportedOperationException("status is not built yet");
    }
}
