package io.ehe.testing;

import io.ehe.cli.Main;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

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

    /** An in-process run's exit code and what it printed on stdout. */
    public static final class Captured {
        public int code;
        public String out;
    }

    /** {@link #run} with System.out captured (not thread-safe: System.out is swapped for the run). */
    public static Captured capture(TestDatabase db, String... args) {
        PrintStream out = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        Captured c = new Captured();
        try {
            System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
            c.code = run(db, args);
        } finally {
            System.setOut(out);
        }
        c.out = captured.toString(StandardCharsets.UTF_8);
        return c;
    }
    /** An in-process run's exit code and everything it printed, stdout and stderr interleaved. */
    public record Run(int exit, String output) {
    }

    /**
     * {@link #run} with System.out and System.err both captured into one text (as an operator sees them);
     * echoes a one-line account to the real stderr for the test's log. Serialised: the streams are swapped.
     */
    public static synchronized Run both(TestDatabase db, String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int exit;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8)) {
            System.setOut(o);
            System.setErr(o);
            exit = run(db, args);
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
        Run r = new Run(exit, out.toString(StandardCharsets.UTF_8));
        oldErr.println("[cli] " + String.join(" ", args) + " -> " + r);
        return r;
    }
}
