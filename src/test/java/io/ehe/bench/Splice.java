package io.ehe.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A report section between its own two markers in a markdown file: replaced when there, added when not.
 * A partial run (--app-semantics-only, --high-watermark-only, --partitioned-index-only, --queue-only,
 * --metrics-only) writes only its sections this way, so the file's other sections keep the run that wrote
 * them, each naming its own run.
 */
final class Splice {

    private Splice() {
    }

    /** Replaces the section, or appends it at the end of the file. */
    static void section(Path file, String begin, String end, String section) throws IOException {
        section(file, begin, end, section, false);
    }

    /** Replaces the section; when absent, appends it, or puts it right before the first second-level heading when {@code top}. */
    static void section(Path file, String begin, String end, String section, boolean top) throws IOException {
        String text = Files.exists(file) ? Files.readString(file) : "";
        int b = text.indexOf(begin);
        int e = text.indexOf(end);
        String out;
        if (b >= 0 && e > b) {
            out = text.substring(0, b) + section + text.substring(e + end.length() + 1);
        } else if (top && text.contains("\n## ")) {
            int at = text.indexOf("\n## ") + 1;
            out = text.substring(0, at) + section + "\n" + text.substring(at);
        } else {
            out = text + (text.endsWith("\n") || text.isEmpty() ? "" : "\n") + "\n" + section;
        }
        Files.writeString(file, out);
    }
}
