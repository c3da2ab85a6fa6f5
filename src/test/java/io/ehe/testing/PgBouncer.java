package io.ehe.testing;

import org.junit.jupiter.api.Assumptions;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A PgBouncer of this test's own, in front of a test database, on a free loopback port. Installs
 * the Debian package when the binary is missing and the machine allows it; when it cannot, the
 * calling test is skipped with the reason. One server connection per pool, so what one client
 * leaves on it the next client meets.
 */
public record PgBouncer(Process process, Path dir, int port) implements AutoCloseable {

    private static final Path BINARY = Path.of("/usr/sbin/pgbouncer");

    /**
     * Starts one in transaction mode. {@code ignoreOptions}: accept and drop the startup parameter
     * {@code options} (what poolers are configured to do so that JDBC clients can log in at all).
     */
    public static PgBouncer transactionMode(TestDatabase db, boolean ignoreOptions) throws Exception {
        ensureInstalled();
        Matcher m = Pattern.compile("^jdbc:postgresql://([^:/]+):(\\d+)/").matcher(db.jdbcUrl());
        Assumptions.assumeTrue(m.find(), "test database URL has no host:port: " + db.jdbcUrl());
        Path dir = Files.createTempDirectory("pgbouncer");
        int port = LocalPort.free();
        Files.writeString(dir.resolve("users.txt"), "\"" + db.user() + "\" \"\"\n");
        Files.writeString(dir.resolve("pgbouncer.ini"), String.join("\n",
                "[databases]",
                "* = host=" + ("localhost".equals(m.group(1)) ? "127.0.0.1" : m.group(1)) + " port=" + m.group(2),
                "[pgbouncer]",
                "listen_addr = 127.0.0.1",
                "listen_port = " + port,
                "unix_socket_dir =",
                "auth_type = trust",
                "auth_file = " + dir.resolve("users.txt"),
                "pool_mode = transaction",
                "default_pool_size = 1",
                "min_pool_size = 0",
                ignoreOptions ? "ignore_startup_parameters = options,extra_float_digits" : "ignore_startup_parameters = extra_float_digits",
                "logfile = " + dir.resolve("pgbouncer.log"),
                ""));
        List<String> cmd = new ArrayList<>(List.of(BINARY.toString()));
        if ("root".equals(System.getProperty("user.name"))) {
            // PgBouncer refuses to run as root.
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
            for (String f : List.of("users.txt", "pgbouncer.ini")) {
                Files.setPosixFilePermissions(dir.resolve(f), PosixFilePermissions.fromString("rw-r--r--"));
            }
            cmd.addAll(List.of("-u", "nobody"));
        }
        cmd.add(dir.resolve("pgbouncer.ini").toString());
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("stdout").toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!LocalPort.accepts(port)) {
            if (!p.isAlive() || System.nanoTime() > deadline) {
                p.destroy();
                throw new IllegalStateException("pgbouncer did not start: " + Files.readString(dir.resolve("stdout"))
                        + (Files.exists(dir.resolve("pgbouncer.log")) ? Files.readString(dir.resolve("pgbouncer.log")) : ""));
            }
            Thread.sleep(100);
        }
        return new PgBouncer(p, dir, port);
    }

    private static void ensureInstalled() throws Exception {
        Path binary = DebianPackage.installed("install-pgbouncer.sh", "PgBouncer");
        Assumptions.assumeTrue(binary.equals(BINARY) && Files.isExecutable(BINARY), "PgBouncer is not at " + BINARY + ": " + binary);
    }


    /** A JDBC URL through this PgBouncer, as an app behind it would use one (no prepared statements). */
    public String jdbcUrl(TestDatabase db) {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + db.name() + "?prepareThreshold=0&user=" + db.user()
                + (db.password() == null ? "" : "&password=" + db.password());
    }

    @Override
    public void close() throws Exception {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }
}
