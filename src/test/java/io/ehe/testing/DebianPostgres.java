package io.ehe.testing;

import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A server of Debian's PostgreSQL package (15 on bookworm), of a test's own: initdb in a temporary
 * directory, trust authentication, listening on 127.0.0.1 on a free port, stopped and deleted by
 * {@link #close()}. For what the embedded binaries cannot show: they are built without LLVM, so no
 * statement on them is ever JIT-compiled, while Debian's build (like most managed services') JIT-compiles
 * by default. scripts/install-debian-postgres.sh installs the package when missing; where it cannot,
 * the calling test is skipped with its reason. Running as root, the server's commands run as the
 * package's {@code postgres} user (initdb refuses root).
 *
 * @param bin  the package's bin directory (initdb, pg_ctl)
 * @param data the cluster's directory, deleted on close
 * @param port the loopback port it listens on
 */
public record DebianPostgres(Path bin, Path data, int port) implements AutoCloseable {

    /** Installs the package if needed (or skips the test), then initdb and start; up to 2 minutes. */
    public static DebianPostgres start() throws Exception {
        Path bin = install();
        Path data = Files.createTempDirectory("debian-postgres");
        int port = LocalPort.free();
        if (root()) {
            run(List.of("chown", "-R", "postgres:postgres", data.toString()));
        }
        run(asServerUser(List.of(bin.resolve("initdb").toString(), "-D", data.resolve("pgdata").toString(),
                "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync")));
        run(asServerUser(List.of(bin.resolve("pg_ctl").toString(), "-D", data.resolve("pgdata").toString(), "-w", "-t", "60",
                "-l", data.resolve("server.log").toString(),
                "-o", "-c port=" + port + " -c listen_addresses=127.0.0.1 -c unix_socket_directories=" + data
                        + " -c fsync=off -c jit=on",
                "start")));
        return new DebianPostgres(bin, data, port);
    }

    /** A new database on this server, as its superuser {@code postgres} (no password: trust). */
    public TestDatabase createDatabase(String name) throws SQLException {
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/postgres?user=postgres");
             Statement st = c.createStatement()) {
            st.execute("CREATE DATABASE " + name);
        }
        return new TestDatabase(name, "jdbc:postgresql://127.0.0.1:" + port + "/" + name + "?user=postgres", "postgres", null);
    }

    @Override
    public void close() throws Exception {
        try {
            run(asServerUser(List.of(bin.resolve("pg_ctl").toString(), "-D", data.resolve("pgdata").toString(), "-m", "immediate", "-w", "stop")));
        } finally {
            try (Stream<Path> paths = Files.walk(data)) {
                paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static Path install() throws Exception {
        Path bin = DebianPackage.installed("install-debian-postgres.sh", "Debian's PostgreSQL");
        Assumptions.assumeTrue(Files.isExecutable(bin.resolve("pg_ctl")), "install script named no bin directory: " + bin);
        return bin;
    }

    private static boolean root() {
        return "root".equals(System.getProperty("user.name"));
    }

    private static List<String> asServerUser(List<String> command) {
        if (!root()) {
            return command;
        }
        List<String> all = new ArrayList<>(List.of("runuser", "-u", "postgres", "--"));
        all.addAll(command);
        return all;
    }

    private static void run(List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(2, TimeUnit.MINUTES) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IllegalStateException(String.join(" ", command) + " failed: " + out.strip());
        }
    }
}
