package io.ehe.testing;

import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Runs one of the scripts that make a Debian package available to a test (scripts/install-*.sh, each on
 * scripts/lib/apt-install.sh) and returns the path it prints on its last stdout line. Where the script
 * cannot install the package (exit 3: not root, no apt-get, no network, no such package) or does not end
 * in 15 minutes, the calling test is skipped with the script's last stderr line as the reason.
 */
public final class DebianPackage {

    private DebianPackage() {
    }

    /**
     * @param script the script under scripts/, e.g. {@code install-promtool.sh}
     * @param what   what it provides, for the skip reason (e.g. "promtool")
     * @return the path the script printed last, which exists
     */
    public static Path installed(String script, String what) throws IOException, InterruptedException {
        Path path = Path.of("scripts", script).toAbsolutePath();
        Process p = new ProcessBuilder("bash", path.toString()).start();
        // stderr drained beside stdout, so that neither pipe can fill and stall the script.
        StringBuilder stderr = new StringBuilder();
        Thread drain = new Thread(() -> {
            try {
                stderr.append(new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                stderr.append(e.getMessage());
            }
        });
        drain.start();
        String stdout = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        boolean ended = p.waitFor(15, TimeUnit.MINUTES);
        drain.join(10_000);
        String why = stderr.toString().strip().lines().reduce((a, b) -> b).orElse("no reason given");
        Assumptions.assumeTrue(ended && p.exitValue() == 0 && !stdout.isEmpty(),
                what + " cannot be installed here (" + script + ": " + why + ")");
        Path out = Path.of(stdout.lines().reduce((a, b) -> b).orElseThrow());
        Assumptions.assumeTrue(Files.exists(out), script + " named a path that does not exist: " + out);
        return out;
    }
}
