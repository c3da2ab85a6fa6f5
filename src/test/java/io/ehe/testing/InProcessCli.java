package io.ehe.testing;

import io.ehe.cli.Main;

/** The command line in this JVM against a test database: {@code args} then {@code --url} with its credentials; returns the exit code. */
public final class InProcessCli {

    private InProcessCli() {
    }

    public static int run(TestDatabase db, String... args) {
        String[] all = new String[args.length + 2];
        System.arraycopy(args, 0, all, 0, args.length);
        all[args.length] = "--url";
        all[args.length + 1] = db.urlWithCredentials();
        return Main.run(all);
    }
}
