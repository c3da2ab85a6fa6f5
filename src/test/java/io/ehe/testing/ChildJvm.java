package io.ehe.testing;

import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * A separate JVM on this test's class path, for what only a real process shows: exit codes, signals,
 * a kill mid-batch. Its environment carries no connection setting or shard index from the machine
 * running the tests, only what the test gives it.
 */
public final class ChildJvm {

    private ChildJvm() {
    }

    /** {@code java [jvmOptions] -cp <test class path> mainClass args}. */
    public static List<String> command(List<String> jvmOptions, String mainClass, List<String> args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmOptions);
        cmd.add("-Dliquibase.analytics.enabled=false");
        cmd.add("-cp");
        // Surefire's class path ends with an empty entry, which a child JVM reads as "the current
        // directory": the repository root, whose changelog/ would then be found twice.
        cmd.add(String.join(File.pathSeparator, Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(e -> !e.isBlank()).toList()));
        cmd.add(mainClass);
        cmd.addAll(args);
        return cmd;
    }

    /** A process builder for {@code command} with a clean environment plus {@code env}. */
    public static ProcessBuilder builder(List<String> command, Map<String, String> env) {
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().remove("DATABASE_URL");
        pb.environment().remove("PGPASSWORD");
        pb.environment().remove("JOB_COMPLETION_INDEX");
        pb.environment().putAll(env);
        return pb;
    }
}
