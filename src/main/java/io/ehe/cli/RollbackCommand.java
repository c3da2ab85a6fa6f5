package io.ehe.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.util.concurrent.Callable;

/** Placeholder: replaced by the issue that builds 'rollback'. */
@Command(name = "rollback", description = "not built yet")
public final class RollbackCommand implements Callable<Integer> {

    @Mixin
    ConnectionOptions connection;

    @Override
    public Integer call() {
        throw new UnsupportedOperationException("rollback is not built yet");
    }
}
