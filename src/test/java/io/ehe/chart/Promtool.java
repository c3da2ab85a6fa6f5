package io.ehe.chart;

import io.ehe.testing.DebianPackage;


import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Prometheus' own rule checker, {@code promtool} from Debian's {@code prometheus} package, which
 * {@code scripts/install-promtool.sh} installs when it is missing. Where it cannot be installed the calling
 * test is skipped, with the script's reason.
 */
final class Promtool {

    private static Path binary;

    private Promtool() {
    }

    /** The output (stdout and stderr together) and exit code of one promtool run. */
    record Result(int exitCode, String output) {
        boolean ok() {
            return exitCode == 0;
        }
    }

    /** The promtool binary, installed by the script if needed; skips the calling test when it cannot be. */
    static synchronized Path binary() throws IOException, InterruptedException {
        if (binary == null) {
            binary = DebianPackage.installed("install-promtool.sh", "promtool");
        }
        return binary;
    }

    /** promtool with these arguments, in {@code dir} (rule files in a test file are relative to it). */
    static Result run(Path dir, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(binary().toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(5, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new IllegalStateException("promtool " + String.join(" ", args) + " did not end in 5 minutes:\n" + out);
        }
        return new Result(p.exitValue(), out);
    }

    static Path write(Path file, String text) throws IOException {
        Files.createDirectories(file.getParent());
        return Files.writeString(file, text);
    }
}
