package io.ehe.testing;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The command line as it ships, in a separate JVM started the way the image starts it.
 *
 * <p>With {@code -Dehe.jar=target/events-has-embedding.jar} it is {@code java -jar} on that jar: in
 * {@code mvn verify}, maven-failsafe runs the *IT classes after {@code package} with that property set.
 * Without it (a test run by hand from an IDE), it is what the jar is made of: target/classes and the
 * libraries, on a class path without target/test-classes, so the shipped logback.xml is the one in
 * force, not the tests' logback-test.xml.
 */
public final class ShippedCli {

    public static final String JAR_PROPERTY = "ehe.jar";

    public record Result(int exit, String out, String err) {

        public List<String> errLines() {
            return Arrays.stream(err.split("\\R")).filter(l -> !l.isBlank()).toList();
        }

        @Override
        public String toString() {
            return "exit " + exit + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    private ShippedCli() {
    }

    /** Which form {@link #run} uses, for a test's report. */
    public static String form() {
        String jar = System.getProperty(JAR_PROPERTY, "");
        return jar.isBlank() ? "target/classes + libraries (no test classes)" : "java -jar " + jar;
    }

    public static Result run(Map<String, String> env, Duration timeout, String... args) throws Exception {
        Path out = Files.createTempFile("ehe-out", ".txt");
        Path err = Files.createTempFile("ehe-err", ".txt");
        try {
            // Run where a Job's container runs: not in the repository.
            Process process = ChildJvm.builder(command(List.of(args)), env).directory(out.getParent().toFile())
                    .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly().waitFor();
                throw new AssertionError("no exit within " + timeout + "; stderr:\n" + Files.readString(err));
            }
            return new Result(process.exitValue(), Files.readString(out), Files.readString(err));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    private static List<String> command(List<String> args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        // As the image's ENTRYPOINT has it.
        cmd.add("-Dliquibase.analytics.enabled=false");
        String jar = System.getProperty(JAR_PROPERTY, "");
        if (!jar.isBlank()) {
            Path path = Path.of(jar).toAbsolutePath();
            if (!Files.isRegularFile(path)) {
                throw new IOException("-D" + JAR_PROPERTY + "=" + jar + ": no such file (run mvn package first)");
            }
            cmd.add("-jar");
            cmd.add(path.toString());
        } else {
            cmd.add("-cp");
            cmd.add(String.join(File.pathSeparator, Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                    .filter(e -> !e.isBlank() && !Path.of(e).endsWith(Path.of("target", "test-classes"))).toList()));
            cmd.add("io.ehe.cli.Main");
        }
        cmd.addAll(args);
        return cmd;
    }
}
