package io.ehe.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Which exit codes each command can return, and what each means there: the one table every --help
 * renders ({@link #footer(String)}, installed by {@link Main#commandLine()}). A command's list is what
 * its code paths can reach through {@link Main}'s mapping: every command that connects can end in 0, 1,
 * 2, 3 and 10; the rest as each row says (docs/cli.md#exit-codes explains each code). HelpTextTest holds
 * every help to this table, to 80 columns, and to words and URLs kept whole.
 *
 * <p>Keys are command paths as typed ({@code "migrate"}, {@code "queue sweep"}); {@link #TOP} is the
 * program itself, which lists every code.
 */
public final class CommandExitCodes {

    /** The key of the top-level help. */
    public static final String TOP = "";

    /** Usage width of every help (picocli's default): the exit-code block is wrapped to it. */
    public static final int WIDTH = 80;

    /** What a Job controller does with a code (the chart's podFailurePolicy); 8 (verify) is neither. */
    static final List<Integer> RETRIED = List.of(1, 3, 4, 5, 7, 12);
    static final List<Integer> FAIL_AT_ONCE = List.of(2, 6, 9, 10, 11, 13, 14);

    private static final Map<Integer, String> GENERAL = new TreeMap<>(Map.ofEntries(
            Map.entry(ExitCodes.OK, "success (status: ready; backfill: the goal holds)"),
            Map.entry(ExitCodes.FAILURE, "failure (see the error line)"),
            Map.entry(ExitCodes.USAGE, "usage error: bad flag or value, nothing done"),
            Map.entry(ExitCodes.CONNECT, "could not connect or log in"),
            Map.entry(ExitCodes.LOCK_NOT_GRANTED, "lock not granted within lock_timeout after all retries (nothing "
                    + "half-applied; an INVALID index from a cancelled CONCURRENTLY build is rebuilt by the next run), or "
                    + "(pending-table fill, targets remove) an older transaction stayed open past the wait"),
            Map.entry(ExitCodes.NOT_READY, "status: not ready for the scheduler (column: index / NULL rows / triggers / "
                    + "another question configured; pending-table: a target filling or being removed / triggers / semantics "
                    + "no longer matching the tables; both: a subscription or rows that arrived without the triggers, a named "
                    + "reader or queue role lacking a privilege)"),
            Map.entry(ExitCodes.WRONG_DATABASE, "wrong database, schema or role (tables missing, module in another schema, "
                    + "role may not alter the tables); nothing changed"),
            Map.entry(ExitCodes.INTERRUPTED, "interrupted (SIGTERM/SIGINT, or a backfill limit): safe to resume"),
            Map.entry(ExitCodes.DRIFT, "verify: drift or NULL rows found"),
            Map.entry(ExitCodes.WRONG_DESIGN, "design not installed, or its install half-finished (or both installed and "
                    + "none named): nothing changed"),
            Map.entry(ExitCodes.UNSUITABLE_CONNECTION, "unsuitable connection (a transaction pooler, a hot standby, "
                    + "read-only sessions): nothing changed"),
            Map.entry(ExitCodes.HISTORY_PATH_MISMATCH, "changeSets of this module recorded under another file name (an "
                    + "app's root logicalFilePath): nothing changed; the error line gives the repair"),
            Map.entry(ExitCodes.MORE_TO_DO, "more to do: this run ended cleanly but the goal does not hold yet (backfill: "
                    + "a target still filling); run it again (a Job retries)"),
            Map.entry(ExitCodes.NOT_CONFIRMED, "not confirmed: the command would discard state or use a name no data uses; "
                    + "pass the option the error line names (--change-question, --new-model); nothing changed"),
            Map.entry(ExitCodes.MODULE_NOT_INSTALLED, "status: module not installed (neither design in this database): run "
                    + "migrate")));

    private static final Map<String, Map<Integer, String>> TABLE = new LinkedHashMap<>();

    static {
        TABLE.put(TOP, GENERAL);
        row("migrate", codes(0, 1, 2, 3, 4, 6, 7, 9, 10, 11, 13),
                ExitCodes.OK, "done (or --dry-run printed)",
                ExitCodes.LOCK_NOT_GRANTED, "lock not granted within lock_timeout after all retries, or the migration lock "
                        + "stayed with another runner (nothing half-applied; an INVALID index from a cancelled CONCURRENTLY "
                        + "build is rebuilt by the next run)",
                ExitCodes.INTERRUPTED, "interrupted (SIGTERM/SIGINT) during a lock wait: the changeSet in flight rolled "
                        + "back whole; run migrate again",
                ExitCodes.NOT_CONFIRMED, "not confirmed: a different question needs --change-question, a model no "
                        + "event_embeddings row uses needs --new-model; nothing changed");
        row("rollback", codes(0, 1, 2, 3, 4, 6, 7, 10, 11),
                ExitCodes.OK, "done (or --dry-run printed)",
                ExitCodes.USAGE, "usage error: bad flag or value, or an unknown tag or changeSet; nothing done",
                ExitCodes.LOCK_NOT_GRANTED, "lock not granted within lock_timeout after all retries, or the migration lock "
                        + "stayed with another runner",
                ExitCodes.WRONG_DATABASE, "wrong database or --module-schema (no changelog history there); nothing changed",
                ExitCodes.INTERRUPTED, "interrupted (SIGTERM/SIGINT) during a lock wait: the changeSet whose rollback was "
                        + "in flight stays applied and recorded whole; run what the error line names");
        row("status", codes(0, 1, 2, 3, 5, 6, 9, 10, 11, 14),
                ExitCodes.OK, "ready for the scheduler",
                ExitCodes.NOT_READY, "not ready for the scheduler: each \"not ready:\" line says why",
                ExitCodes.WRONG_DATABASE, "wrong database, --schema or --module-schema, or a role other than the module's "
                        + "owner (status reads the module's own tables): the error line names the role to run it as",
                ExitCodes.WRONG_DESIGN, "the design named is not installed, or both are and none was named",
                ExitCodes.MODULE_NOT_INSTALLED, "module not installed (the app's tables, neither design): run migrate");
        row("backfill", codes(0, 1, 2, 3, 4, 6, 7, 9, 10, 11, 12),
                ExitCodes.OK, "done (column: no NULL left; pending-table: every target ready, or this shard done while "
                        + "others walk)",
                ExitCodes.FAILURE, "failure (see the error line); safe to run again",
                ExitCodes.LOCK_NOT_GRANTED, "lock not granted after all retries, or (pending-table) a transaction older "
                        + "than the fill stayed open past 10 min",
                ExitCodes.WRONG_DATABASE, "wrong database, --schema or --module-schema (or, --then-migrate, role); nothing changed",
                ExitCodes.INTERRUPTED, "interrupted (SIGTERM/SIGINT, --max-rows, --max-duration, rows kept locked): safe "
                        + "to run again",
                ExitCodes.WRONG_DESIGN, "design not installed, or the one named is not, or its install half-finished (run "
                        + "migrate --design pending-table): nothing changed",
                ExitCodes.HISTORY_PATH_MISMATCH, "(--then-migrate) changeSets of this module recorded under another file "
                        + "name: the error line gives the repair",
                ExitCodes.MORE_TO_DO, "more to do: the plan ended but a target added after it started is still filling "
                        + "(the summary's left=): run again");
        row("verify", codes(0, 1, 2, 3, 4, 6, 8, 9, 10),
                ExitCodes.OK, "clean (or repaired clean)",
                ExitCodes.LOCK_NOT_GRANTED, "(--repair) a row lock not granted after all retries",
                ExitCodes.DRIFT, "drift or NULL rows found");
        row("configure", codes(0, 1, 2, 3, 4, 6, 7, 9, 10, 13),
                ExitCodes.OK, "done (or --dry-run printed)",
                ExitCodes.USAGE, "bad value (a column that does not exist): nothing changed",
                ExitCodes.LOCK_NOT_GRANTED, "a lock on events, event_embeddings or the pending table not granted within "
                        + "--lock-timeout (a transaction of the app holds it): nothing changed (its one transaction rolled back); "
                        + "run it again, or with a longer --lock-timeout",
                ExitCodes.INTERRUPTED, "interrupted (SIGTERM/SIGINT) while a statement waited for its lock or ran: "
                        + "cancelled, nothing changed; run it again",
                ExitCodes.WRONG_DESIGN, "pending-table design not installed: nothing changed",
                ExitCodes.NOT_CONFIRMED, "not confirmed: the change needs --change-question, or a model no "
                        + "event_embeddings row uses needs --new-model; nothing changed");
        row("targets", codes(0, 1, 2, 3, 4, 6, 7, 9, 10, 13),
                ExitCodes.OK, "done (or --dry-run printed)",
                ExitCodes.LOCK_NOT_GRANTED, "a lock not granted within --lock-timeout (a transaction of the app holds "
                        + "it; the error line says what stays: add changes nothing, remove keeps the mark and the rows "
                        + "already deleted and resumes when run again), or an older transaction stayed open past "
                        + "--older-transactions-wait",
                ExitCodes.INTERRUPTED, "interrupted (SIGTERM/SIGINT): run it again to finish",
                ExitCodes.WRONG_DESIGN, "pending-table design not installed: nothing changed",
                ExitCodes.NOT_CONFIRMED, "add: no event_embeddings row uses the model; pass --new-model if that is "
                        + "deliberate (nothing changed)");
        row("partitions", codes(0, 1, 2, 3, 4, 6, 9, 10),
                ExitCodes.OK, "done (or --dry-run printed)",
                ExitCodes.LOCK_NOT_GRANTED, "a lock not granted within --lock-timeout (the triggers of a partition, a "
                        + "repair batch after its retries, or recording the partition set): the new set is not recorded; "
                        + "run it again (trigger changes and repairs already committed stay)",
                ExitCodes.WRONG_DESIGN, "pending-table design not installed: nothing changed");
        Object[] queue = {
                ExitCodes.OK, "done",
                ExitCodes.USAGE, "bad value, or a model that is not a target: nothing done",
                ExitCodes.WRONG_DESIGN, "pending-table design or its work queue (changeSet 180) not installed"};
        row("queue", codes(0, 1, 2, 3, 6, 9, 10, 12), concat(queue,
                ExitCodes.USAGE, "no action named, a bad value, or a model that is not a target: nothing done",
                ExitCodes.MORE_TO_DO, "(sweep) rows left after --max-rounds: run again"));
        for (String action : List.of("failed", "retry", "pause", "resume")) {
            row("queue " + action, codes(0, 1, 2, 3, 6, 9, 10), action.equals("retry") || action.equals("pause")
                    ? concat(queue, ExitCodes.OK, "done (or --dry-run printed)") : queue);
        }
        row("queue sweep", codes(0, 1, 2, 3, 6, 9, 10, 12), concat(queue,
                ExitCodes.USAGE, "bad value (--batch, --max-rounds): nothing done",
                ExitCodes.MORE_TO_DO, "rows left after --max-rounds: run again"));
        row("help", codes(0, 2),
                ExitCodes.OK, "help printed",
                ExitCodes.USAGE, "no such command");
    }

    private CommandExitCodes() {
    }

    private static int[] codes(int... codes) {
        return codes;
    }

    private static Object[] concat(Object[] a, Object... b) {
        Object[] out = new Object[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    /** A command's codes, each with its general meaning unless {@code specific} (code, text, ...) gives its own. */
    private static void row(String command, int[] codes, Object... specific) {
        Map<Integer, String> own = new TreeMap<>();
        for (int code : codes) {
            own.put(code, GENERAL.get(code));
        }
        for (int i = 0; i < specific.length; i += 2) {
            int code = (Integer) specific[i];
            if (!own.containsKey(code)) {
                throw new IllegalStateException(command + ": a meaning for exit " + code + ", which it does not return");
            }
            own.put(code, (String) specific[i + 1]);
        }
        TABLE.put(command, own);
    }

    /** Every command path in the table, the top level first. */
    public static List<String> commands() {
        return List.copyOf(TABLE.keySet());
    }

    /** The codes {@code command} can return, ascending; throws IllegalArgumentException for a path not in the table. */
    public static List<Integer> codes(String command) {
        return List.copyOf(meanings(command).keySet());
    }

    private static Map<Integer, String> meanings(String command) {
        Map<Integer, String> own = TABLE.get(command);
        if (own == null) {
            throw new IllegalArgumentException("no exit codes recorded for command '" + command + "'");
        }
        return own;
    }

    /**
     * The exit-code block of {@code command}'s help: "Exit codes:", one entry per code (continuations
     * indented under the meaning), and what a Job controller does with them; every line at most
     * {@link #WIDTH} columns, broken only between words.
     */
    public static String footer(String command) {
        List<String> lines = new ArrayList<>();
        lines.add("Exit codes:");
        for (Map.Entry<Integer, String> e : meanings(command).entrySet()) {
            wrap(lines, String.format("%3d  ", e.getKey()), "     ", e.getValue());
        }
        List<Integer> codes = codes(command);
        List<String> job = new ArrayList<>();
        job.add("0 done");
        List<Integer> retried = codes.stream().filter(RETRIED::contains).toList();
        List<Integer> failed = codes.stream().filter(FAIL_AT_ONCE::contains).toList();
        if (!retried.isEmpty()) {
            job.add("retry " + join(retried));
        }
        if (!failed.isEmpty()) {
            job.add("fail at once on " + join(failed));
        }
        wrap(lines, "", "  ", "A Job controller: " + String.join("; ", job)
                + (command.equals(TOP) ? " (the chart's podFailurePolicy does so)." : "."));
        return String.join("\n", lines);
    }

    private static String join(List<Integer> codes) {
        return String.join(", ", codes.stream().map(String::valueOf).toList());
    }

    /** Greedy word wrap: {@code first} before the first line, {@code indent} before the others. */
    private static void wrap(List<String> out, String first, String indent, String text) {
        StringBuilder line = new StringBuilder(first);
        int start = line.length();
        for (String word : text.split(" ")) {
            if (line.length() > start && line.length() + 1 + word.length() > WIDTH) {
                out.add(line.toString());
                line = new StringBuilder(indent);
                start = line.length();
            }
            if (line.length() > start) {
                line.append(' ');
            }
            line.append(word);
        }
        out.add(line.toString());
    }
}
