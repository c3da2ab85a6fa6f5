package io.ehe.backfill;

import io.ehe.cli.Main;

/**
 * The backfill's own entry point (the one-off Kubernetes Job runs this class): exactly the CLI's
 * {@code backfill} command, so flags, environment, output and exit codes are the same either way.
 * {@code java -cp events-has-embedding.jar io.ehe.backfill.BackfillMain --shards 4 ...}
 */
public final class BackfillMain {

    private BackfillMain() {
    }

    public static void main(String[] args) {
        String[] withCommand = new String[args.length + 1];
        withCommand[0] = "backfill";
        System.arraycopy(args, 0, withCommand, 1, args.length);
        System.exit(io.ehe.cli.EarlySignal.guarded("backfill", () -> Main.run(withCommand)));
    }
}
