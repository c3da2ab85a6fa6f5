package io.ehe.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A report section between its own two markers in a markdown file: replaced when there, appended when not. */
final class Splice {

    private Splice() {
    }

    static void section(Path file, String begin, String end, String section) throws IOException {
        String text = Files.exists(file) ? Files.readString(file) : "";
        int b = text.indexOf(begin);
        int e = text.indexOf(end);
        String out = b >= 0 && e > b ? text.substring(0, b) + section + text.substring(e + end.length() + 1)
                : text + (text.endsWith("\n") || text.isEmpty() ? "" : "\n") + "\n" + section;
        Files.writeString(file, out);
    }
}
