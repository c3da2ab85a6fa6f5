package io.ehe.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.util.concurrent.Callable;

/** Placeholder: replaced by the issue that builds 'verify'. */
@Command(name = "verify", description = "not built yet")
public final class VerifyCommand implements Callable<Integer> {

    @Mixin
    ConnectionOptions connection;

    @Override
    public Integer call() {
        throw new UnsupportedOperationException("verify is not built yet");
    }
}
