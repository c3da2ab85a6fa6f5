package io.ehe.testing;

import io.ehe.db.DatabaseUrl;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.PostgreSQLContainer;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.OptionalInt;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The one PostgreSQL server of a test JVM, chosen once:
 * 1. PG_TEST_URL when set (any reachable server, of whatever version it is; a database is created per test class on it);
 * 2. else Testcontainers' PostgreSQL when a Docker engine answers: image postgres:PG_TEST_VERSION (default 17);
 * 3. else an embedded PostgreSQL (zonky), which also runs as root: the binaries on the class path (17), or
 *    those of PG_TEST_VERSION from the jars the build copies aside (see {@link ZonkyBinaries}).
 */
public final class PostgresServer {

    private static final AtomicInteger COUNTER = new AtomicInteger();
    private static PostgresServer instance;

    private final String adminUrl;
    private final String user;
    private final String password;
    private final String kind;

    private PostgresServer(String adminUrl, String user, String password, String kind) {
        this.adminUrl = adminUrl;
        this.user = user;
        this.password = password;
        this.kind = kind;
    }

    public static synchronized PostgresServer get() {
        if (instance == null) {
            instance = start();
            System.err.println("[test fixture] PostgreSQL " + instance.serverVersion() + " from " + instance.kind + ": " + instance.adminUrl);
        }
        return instance;
    }

    private static PostgresServer start() {
        String fromEnv = System.getenv("PG_TEST_URL");
        if (fromEnv != null && !fromEnv.isBlank()) {
            DatabaseUrl url = DatabaseUrl.parse(fromEnv);
            return new PostgresServer(url.jdbcUrl(), url.user().orElse(System.getenv().getOrDefault("PGUSER", "postgres")),
                    url.password().orElse(System.getenv("PGPASSWORD")), "PG_TEST_URL");
        }
        OptionalInt major = PostgresVersion.requested();
        if (dockerAnswers()) {
            PostgreSQLContainer<?> container = new PostgreSQLContainer<>("postgres:" + major.orElse(PostgresVersion.DEFAULT_MAJOR))
                    .withCommand("postgres", "-c", "fsync=off", "-c", "max_connections=300");
            container.start();
            Runtime.getRuntime().addShutdownHook(new Thread(container::stop));
            return new PostgresServer(container.getJdbcUrl(), container.getUsername(), container.getPassword(), "Testcontainers");
        }
        try {
            EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder();
            major.ifPresent(m -> builder.setPgBinaryResolver(ZonkyBinaries.forMajor(m)));
            EmbeddedPostgres pg = builder
                    .setServerConfig("fsync", "off")
                    .setServerConfig("synchronous_commit", "off")
                    .setServerConfig("full_page_writes", "off")
                    .setServerConfig("max_connections", "300")
                    .setServerConfig("shared_buffers", "256MB")
                    .start();
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    pg.close();
                } catch (Exception ignored) {
                    // the JVM is going away
                }
            }));
            return new PostgresServer(pg.getJdbcUrl("postgres", "postgres"), "postgres", null, "embedded PostgreSQL (zonky)");
        } catch (Exception e) {
            throw new IllegalStateException("could not start an embedded PostgreSQL", e);
        }
    }

    private String serverVersion() {
        try (Connection c = admin(); Statement st = c.createStatement(); var rs = st.executeQuery("SHOW server_version")) {
            rs.next();
            return rs.getString(1);
        } catch (SQLException e) {
            throw new IllegalStateException("could not ask the test server for its version", e);
        }
    }

    private static boolean dockerAnswers() {
        if ("false".equals(System.getenv("EHE_TRY_DOCKER"))) {
            return false;
        }
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (Throwable t) {
            return false;
        }
    }

    /** A new, empty database on this server. */
    public TestDatabase createDatabase(String hint) {
        String name = ("ehe_" + hint.replaceAll("[^A-Za-z0-9]", "_") + "_" + COUNTER.incrementAndGet()).toLowerCase();
        if (name.length() > 60) {
            name = name.substring(0, 50) + "_" + COUNTER.get();
        }
        try (Connection c = admin(); Statement st = c.createStatement()) {
            st.execute("DROP DATABASE IF EXISTS " + name);
            st.execute("CREATE DATABASE " + name);
        } catch (SQLException e) {
            throw new IllegalStateException("could not create test database " + name, e);
        }
        String url = adminUrl.replaceFirst("(jdbc:postgresql://[^/]+/)[^?]*", "$1" + name);
        return new TestDatabase(name, url, user, password);
    }

    private Connection admin() throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", user);
        if (password != null) {
            p.setProperty("password", password);
        }
        return DriverManager.getConnection(adminUrl, p);
    }
}
