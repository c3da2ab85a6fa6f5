package io.ehe.cli;

import picocli.CommandLine;
import picocli.CommandLine.IHelpSectionRenderer;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Every --help wrapped at {@link CommandExitCodes#WIDTH} columns between words only. picocli breaks a
 * line wherever {@link java.text.BreakIterator} allows, which includes inside a URL ("postgres:" then
 * "//user@host..." on the next line: a new-user trial), after the dot of "events.has_embedding" and
 * inside "[--password[=PASSWORD]]". So each help section is laid out on unbounded lines and each line
 * is wrapped here at its spaces, continuation lines indented as picocli indents them: a synopsis under
 * its first option, an option's or a command's description two columns in from where it starts.
 */
final class WordWrappedHelp {

    /** Wide enough that picocli itself never wraps a line. */
    static final int UNBOUNDED = 10_000;

    /**
     * A name column and its description: two spaces or more between them, or, for an option whose name
     * fills picocli's option column exactly ("      --module-schema=SCHEMA the schema ..."), the one
     * space picocli leaves; without the second form that description continued at column 8.
     */
    private static final Pattern LABEL = Pattern.compile("^( *\\S.*?) {2,}(?=\\S)|^ {2}(?:-\\S+, | {4})-\\S+ (?=\\S)");
    private static final Pattern COMMAND_WORD = Pattern.compile("[a-z][a-z-]*");

    private WordWrappedHelp() {
    }

    /** Installs the wrapping on {@code root} and every subcommand it has now. */
    static void install(CommandLine root) {
        root.setUsageHelpWidth(UNBOUNDED);
        Map<String, IHelpSectionRenderer> sections = new LinkedHashMap<>();
        root.getHelpSectionMap().forEach((key, renderer) -> sections.put(key, help -> wrap(renderer.render(help))));
        // The synopsis is wrapped with its heading ("Usage: "), which shares its first line.
        IHelpSectionRenderer heading = root.getHelpSectionMap().get(CommandLine.Model.UsageMessageSpec.SECTION_KEY_SYNOPSIS_HEADING);
        IHelpSectionRenderer synopsis = root.getHelpSectionMap().get(CommandLine.Model.UsageMessageSpec.SECTION_KEY_SYNOPSIS);
        sections.put(CommandLine.Model.UsageMessageSpec.SECTION_KEY_SYNOPSIS, help -> {
            String head = heading.render(help);
            return wrap(head + synopsis.render(help)).substring(head.length());
        });
        root.setHelpSectionMap(sections);
    }

    /** {@code text} with each line longer than the width broken at spaces; line ends kept as they were. */
    static String wrap(String text) {
        String[] lines = text.split("\n", -1);
        StringBuilder out = new StringBuilder(text.length());
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            String cr = line.endsWith("\r") ? "\r" : "";
            out.append(wrapLine(line.substring(0, line.length() - cr.length()), cr + "\n")).append(cr);
            if (i < lines.length - 1) {
                out.append('\n');
            }
        }
        return out.toString();
    }

    private static String wrapLine(String line, String newline) {
        int width = CommandExitCodes.WIDTH;
        if (line.length() <= width) {
            return line;
        }
        int[] start = textStart(line);
        String indent = " ".repeat(start[1]);
        StringBuilder out = new StringBuilder();
        StringBuilder current = new StringBuilder(line.substring(0, start[0]));
        int fresh = current.length();
        for (String word : line.substring(start[0]).split(" ")) {
            if (word.isEmpty()) {
                continue;
            }
            if (current.length() > fresh && current.length() + 1 + word.length() > width) {
                out.append(current).append(newline);
                current = new StringBuilder(indent);
                fresh = current.length();
            }
            if (current.length() > fresh) {
                current.append(' ');
            }
            current.append(word);
        }
        return out.append(current).toString();
    }

    /**
     * Where the wrappable text of a line starts, and how far its continuation lines are indented: a
     * synopsis after "Usage: " and the command path, continued under its first option; an option's or
     * a command's description after the name column, continued two columns further in (picocli's
     * layout); any other line after its indentation, continued two columns further in unless it starts
     * at column 0 (a description paragraph).
     */
    private static int[] textStart(String line) {
        if (line.startsWith("Usage: ")) {
            int at = "Usage: ".length();
            while (true) {
                int end = line.indexOf(' ', at);
                if (end < 0 || !COMMAND_WORD.matcher(line.substring(at, end)).matches()) {
                    return new int[]{at, at};
                }
                at = end + 1;
            }
        }
        Matcher label = LABEL.matcher(line);
        if (label.find()) {
            return new int[]{label.end(), label.end() + 2};
        }
        int lead = 0;
        while (lead < line.length() && line.charAt(lead) == ' ') {
            lead++;
        }
        return new int[]{lead, lead == 0 ? 0 : lead + 2};
    }
}
