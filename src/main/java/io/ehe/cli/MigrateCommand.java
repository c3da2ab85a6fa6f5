package io.ehe.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.util.concurrent.Callable;

/** Placeholder: replaced by the issue that builds 'migrate'. */
@Command(name = "migrate", description = "not built yet")
public final class MigrateCommand implements Callable<Integer> {

    @Mixin
    ConnectionOptions connection;

    @Override
    public Integer call() {
        throw new UnsupportedOperationException("migrate is not built yet");
    }
}
