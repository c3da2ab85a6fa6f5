package io.ehe.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 28 (9) and the new-user trial's finding 4: every --help, of every command and subcommand, is
 * complete and wrapped by words. Each lists exactly the exit codes {@link CommandExitCodes} records for
 * it, fits 80 columns, splits no word or URL across lines (its words are those of the same help
 * rendered without wrapping), and ends no description mid-sentence (the command lists show a
 * description's first paragraph only).
 */
class HelpTextTest {

    private static final Pattern CODE_LINE = Pattern.compile("^ {1,2}(\\d{1,2})  \\S");
    private static final List<String> DANGLING = List.of("and", "or", "the", "a", "an", "of", "to", "with", "for", "in", "on", "by");

    /** Every command path of the real command line, the top level ("") first. */
    private static Map<String, CommandLine> commands() {
        Map<String, CommandLine> out = new LinkedHashMap<>();
        walk(Main.commandLine(), "", out);
        return out;
    }

    private static void walk(CommandLine command, String path, Map<String, CommandLine> out) {
        out.put(path, command);
        for (CommandLine sub : command.getSubcommands().values()) {
            walk(sub, path.isEmpty() ? sub.getCommandName() : path + " " + sub.getCommandName(), out);
        }
    }

    private static String help(String path) {
        List<String> args = new ArrayList<>(path.isEmpty() ? List.of() : Arrays.asList(path.split(" ")));
        args.add("--help");
        Cli.Result r = Cli.run(args.toArray(new String[0]));
        assertThat(r.exit()).as(path + " --help\n" + r).isZero();
        return r.out();
    }

    /** The same help as picocli lays it out on lines so wide that it wraps nothing. */
    private static String unwrapped(String path) {
        CommandLine raw = new CommandLine(new Main());
        Main.exitCodeFooters(raw, CommandExitCodes.TOP);
        raw.setUsageHelpWidth(WordWrappedHelp.UNBOUNDED);
        CommandLine command = raw;
        for (String name : path.isEmpty() ? new String[0] : path.split(" ")) {
            command = command.getSubcommands().get(name);
        }
        return command.getUsageMessage();
    }

    private static List<String> words(String text) {
        return Arrays.stream(text.split("\\s+")).filter(w -> !w.isEmpty()).toList();
    }

    @Test
    void theTableHasARowForExactlyTheCommandsThereAre() {
        assertThat(CommandExitCodes.commands()).containsExactlyInAnyOrderElementsOf(commands().keySet());
    }

    @Test
    void everyHelpListsExactlyItsCommandsExitCodes() {
        for (String path : commands().keySet()) {
            String help = help(path);
            List<String> lines = help.lines().toList();
            int from = lines.indexOf("Exit codes:");
            assertThat(from).as("'" + path + "' --help has no exit-code block:\n" + help).isNotNegative();
            List<Integer> listed = new ArrayList<>();
            for (String line : lines.subList(from + 1, lines.size())) {
                Matcher m = CODE_LINE.matcher(line);
                if (m.find()) {
                    listed.add(Integer.parseInt(m.group(1)));
                }
            }
            assertThat(listed).as("'" + path + "' --help:\n" + help).isEqualTo(CommandExitCodes.codes(path));
            assertThat(help).as(path).contains("A Job controller: 0 done");
        }
        assertThat(CommandExitCodes.codes("")).as("the top level lists every code")
                .containsExactly(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14);
        // What the trial found missing: 6 (configure names it only where it can happen), backfill's 6, queue's codes.
        assertThat(CommandExitCodes.codes("backfill")).contains(ExitCodes.WRONG_DATABASE, ExitCodes.MORE_TO_DO);
        assertThat(CommandExitCodes.codes("queue sweep")).contains(ExitCodes.MORE_TO_DO);
        assertThat(CommandExitCodes.codes("targets")).contains(ExitCodes.UNSUITABLE_CONNECTION, ExitCodes.NOT_CONFIRMED);
        assertThat(help("backfill").replaceAll("\\s+", " ")).contains("12 more to do").contains("pending-table design");
        assertThat(help("configure").replaceAll("\\s+", " ")).contains("--dry-run").contains("--change-question").contains("--new-model");
    }

    @Test
    void everyHelpFitsEightyColumnsAndSplitsNoWordOrUrl() {
        for (String path : commands().keySet()) {
            String help = help(path);
            for (String line : help.lines().toList()) {
                assertThat(line.length()).as("'" + path + "' --help line wider than 80:\n" + line).isLessThanOrEqualTo(80);
            }
            List<String> wrapped = words(help);
            List<String> whole = words(unwrapped(path));
            for (int i = 0; i < Math.min(wrapped.size(), whole.size()); i++) {
                if (!wrapped.get(i).equals(whole.get(i))) {
                    throw new AssertionError("'" + path + "' --help splits '" + whole.get(i) + "' across lines (printed '"
                            + wrapped.get(i) + "'):\n" + help);
                }
            }
            assertThat(wrapped).as(path).hasSameSizeAs(whole);
        }
    }

    private static final Pattern OPTION_ENTRY = Pattern.compile("^( {2}(?:-\\S+, | {4})-\\S+)(?: +(\\S))?");
    private static final Pattern ANY_ENTRY = Pattern.compile("^ *\\S.*? {2,}\\S");

    /**
     * The trial's finding: --module-schema, whose name fills the option column to one space before its
     * description, had its description's further lines at column 8, under the option names. Every
     * line that continues an option's description starts at or right of where that description starts.
     */
    @Test
    void everyOptionDescriptionContinuesUnderItself() {
        for (String path : commands().keySet()) {
            String help = help(path);
            int descriptionStart = -1;
            String entry = null;
            for (String line : help.lines().toList()) {
                if (line.isBlank() || line.equals("Commands:") || line.equals("Exit codes:")) {
                    descriptionStart = -1;
                    continue;
                }
                Matcher option = OPTION_ENTRY.matcher(line);
                if (option.find()) {
                    entry = option.group(1).strip();
                    descriptionStart = option.group(2) == null ? 0 : option.start(2);
                    continue;
                }
                if (descriptionStart < 0) {
                    continue;
                }
                int indent = line.length() - line.stripLeading().length();
                if (descriptionStart == 0) {
                    descriptionStart = indent;
                } else if (!ANY_ENTRY.matcher(line).find()) {
                    assertThat(indent).as("'" + path + "' --help: " + entry + "'s description continues at column " + indent
                            + ", left of where it starts (" + descriptionStart + "):\n" + help).isGreaterThanOrEqualTo(descriptionStart);
                }
            }
        }
    }

    /**
     * The trial's finding: configure (4, 7), partitions (4) and queue sweep (2) described these codes
     * in other commands' words: an older transaction configure never waits for, a backfill limit, an
     * INVALID index from a CONCURRENTLY build, a model sweep takes none of.
     */
    @Test
    void eachCodeSaysWhatHappensInItsOwnCommand() {
        assertThat(meaning("configure", 4)).contains("--lock-timeout").contains("nothing changed")
                .doesNotContain("older").doesNotContain("transaction older");
        assertThat(meaning("configure", 7)).contains("SIGTERM/SIGINT").contains("nothing changed").doesNotContain("backfill");
        assertThat(meaning("partitions", 4)).contains("--lock-timeout").contains("partition")
                .doesNotContain("CONCURRENTLY").doesNotContain("INVALID").doesNotContain("changeSet").doesNotContain("older transaction");
        assertThat(meaning("queue sweep", 2)).contains("--batch").contains("--max-rounds").doesNotContain("model");
    }

    /** The exit-code entry {@code code} of {@code path}'s help, its lines joined. */
    private static String meaning(String path, int code) {
        List<String> lines = help(path).lines().toList();
        List<String> block = lines.subList(lines.indexOf("Exit codes:") + 1, lines.size());
        StringBuilder out = null;
        for (String line : block) {
            Matcher m = CODE_LINE.matcher(line);
            if (m.find()) {
                if (out != null) {
                    break;
                }
                if (Integer.parseInt(m.group(1)) == code) {
                    out = new StringBuilder(line.strip());
                }
            } else if (out != null && line.startsWith("     ")) {
                out.append(' ').append(line.strip());
            } else if (out != null) {
                break;
            }
        }
        assertThat(out).as(path + " --help has no exit " + code).isNotNull();
        return out.toString().replaceFirst("^\\d+ +", "");
    }

    @Test
    void noDescriptionEndsMidSentence() {
        for (Map.Entry<String, CommandLine> e : commands().entrySet()) {
            CommandLine.Model.CommandSpec spec = e.getValue().getCommandSpec();
            for (String paragraph : spec.usageMessage().description()) {
                // The command lists of the top level and of queue print the first paragraph alone.
                assertThat(paragraph.replace("%n", "").strip()).as("'" + e.getKey() + "' description paragraph").endsWith(".");
            }
            for (CommandLine.Model.OptionSpec option : spec.options()) {
                assertWhole(e.getKey() + " " + option.longestName(), option.description());
            }
            for (CommandLine.Model.PositionalParamSpec parameter : spec.positionalParameters()) {
                assertWhole(e.getKey() + " " + parameter.paramLabel(), parameter.description());
            }
        }
    }

    private static void assertWhole(String what, String[] description) {
        String text = String.join(" ", description).strip();
        assertThat(text).as(what).isNotEmpty().doesNotEndWith(",").doesNotEndWith(";").doesNotEndWith(":");
        String last = text.substring(text.lastIndexOf(' ') + 1);
        assertThat(DANGLING).as(what + ": '" + text + "'").doesNotContain(last.toLowerCase(java.util.Locale.ROOT));
    }

    @Test
    void theCommandListsShowWholeSentences() {
        for (String path : List.of("", "queue")) {
            String help = help(path);
            String list = help.substring(help.indexOf("Commands:"), help.indexOf("Exit codes:"));
            // An entry: "  name  text", continued on lines indented deeper; each ends a sentence.
            List<String> entries = new ArrayList<>();
            for (String line : list.lines().skip(1).toList()) {
                if (line.matches("^  \\S.*")) {
                    entries.add(line.strip());
                } else if (!line.isBlank() && !entries.isEmpty()) {
                    entries.set(entries.size() - 1, entries.get(entries.size() - 1) + " " + line.strip());
                }
            }
            assertThat(entries).as(help).isNotEmpty().allSatisfy(entry -> assertThat(entry).endsWith("."));
        }
    }
}
