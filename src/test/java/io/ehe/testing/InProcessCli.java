package io.ehe.testing;

import io.ehe.cli.ExitCodes;
import io.ehe.cli.Main;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

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
    /**
     * A role that lost a privilege, as status shows it: text and {@code --json} both not ready (exit
     * {@link ExitCodes#NOT_READY}), both naming "{@code lacking} lacks", the JSON holding {@code jsonHas};
     * then the GRANTs on the text's line for it, after "fix: ", run as {@code owner}, make status ready
     * again. Returns the not-ready text.
     */
    public static String notReadyUntilItsFix(TestDatabase owner, String lacking, String... jsonHas) {
        Captured text = capture(owner, "status");
        assertThat(text.code).as(text.out).isEqualTo(ExitCodes.NOT_READY);
        assertThat(text.out).contains(lacking + " lacks ").contains("fix: GRANT ");
        Captured json = capture(owner, "status", "--json");
        assertThat(json.code).isEqualTo(ExitCodes.NOT_READY);
        assertThat(json.out).contains(jsonHas).contains("\"ready\" : false").contains(lacking + " lacks");
        String fix = text.out.lines().filter(l -> l.contains(lacking + " lacks")).findFirst().orElseThrow();
        for (String grant : fix.substring(fix.indexOf("fix: ") + 5).split("; ")) {
            owner.execute(grant);
        }
        assertThat(capture(owner, "status").code).isEqualTo(ExitCodes.OK);
        return text.out;
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
