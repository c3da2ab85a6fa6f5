package io.ehe.cli;

import io.ehe.testing.PostgresVersion;
import io.ehe.testing.ShippedCli;
import io.ehe.testing.TestCertificates;
import io.ehe.testing.TlsPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The chart's CA bundle use case end to end: a PostgreSQL that takes TCP connections over TLS only, with a
 * server certificate for "localhost" signed by a CA made here; the shipped CLI (a separate JVM, as the
 * image runs it) given {@code sslmode=verify-full&sslrootcert=<the CA file>} in DATABASE_URL, as a pod
 * with the chart's extraVolumes/extraVolumeMounts has it.
 */
class VerifyFullTlsTest {

    /** Trust auth ignores it; it is there to prove that no output ever carries it. */
    private static final String PASSWORD = "Tq8-tls-s3cret-Zw";
    private static final Duration TIMEOUT = Duration.ofMinutes(3);

    @TempDir
    static Path dir;
    private static TlsPostgres server;
    private static Path rightCa;
    private static Path otherCa;

    @BeforeAll
    static void start() throws Exception {
        TestCertificates.Authority ca = TestCertificates.authority("ehe test CA");
        rightCa = ca.writeCertificate(dir.resolve("root.crt"));
        otherCa = TestCertificates.authority("some other CA").writeCertificate(dir.resolve("other-root.crt"));
        server = TlsPostgres.start(TestCertificates.server(ca, "localhost"), dir);
    }

    @AfterAll
    static void stop() throws Exception {
        if (server != null) {
            server.close();
        }
    }

    private static String url(String host, String params) {
        return "postgres://postgres:" + PASSWORD + "@" + host + ":" + server.port() + "/postgres?" + params;
    }

    private static ShippedCli.Result run(String url, String... args) throws Exception {
        ShippedCli.Result r = ShippedCli.run(Map.of("DATABASE_URL", url, "LOG_FORMAT", "text"), TIMEOUT, args);
        assertThat(r.out() + r.err()).as("no secret in any output:\n" + r).doesNotContain(PASSWORD).doesNotContain("s3cret");
        return r;
    }

    @Test
    void verifyFullWithTheServersCaMigratesAndReportsReady() throws Exception {
        String url = url("localhost", "sslmode=verify-full&sslrootcert=" + rightCa);
        // The connection really is TLS, verified: the same URL through the driver, asked of the server.
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://localhost:" + server.port()
                + "/postgres?user=postgres&sslmode=verify-full&sslrootcert=" + rightCa);
             Statement st = c.createStatement()) {
            ResultSet rs = st.executeQuery("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()");
            rs.next();
            assertThat(rs.getBoolean(1)).isTrue();
            // The major make test asks for (17, then 14 in the postgres-oldest pass).
            PostgresVersion.requested().ifPresent(major -> {
                try {
                    assertThat(c.getMetaData().getDatabaseMajorVersion()).isEqualTo(major);
                } catch (java.sql.SQLException e) {
                    throw new AssertionError(e);
                }
            });
        }
        ShippedCli.Result migrate = run(url, "migrate", "--with-baseline");
        assertThat(migrate.exit()).as(migrate.toString()).isEqualTo(ExitCodes.OK);
        ShippedCli.Result status = run(url, "status");
        assertThat(status.exit()).as(status.toString()).isEqualTo(ExitCodes.OK);
        // What every Argo CD sync (self-heal included) does once it is applied: nothing.
        ShippedCli.Result again = run(url, "migrate", "--with-baseline");
        assertThat(again.exit()).as(again.toString()).isEqualTo(ExitCodes.OK);
        assertThat(again.out()).contains("nothing new applied");
    }

    @Test
    void anotherCaIsRefusedWithOneLineAndTheConnectExitCode() throws Exception {
        ShippedCli.Result r = run(url("localhost", "sslmode=verify-full&sslrootcert=" + otherCa), "status");
        assertThat(r.exit()).as(r.toString()).isEqualTo(ExitCodes.CONNECT);
        assertThat(r.errLines()).as(r.toString()).singleElement().asString().startsWith("error: could not connect: SSL error:");
    }

    @Test
    void verifyFullAlsoChecksTheHostName() throws Exception {
        // The right CA, but the certificate names localhost, not 127.0.0.1: verify-ca would pass, verify-full must not.
        ShippedCli.Result r = run(url("127.0.0.1", "sslmode=verify-full&sslrootcert=" + rightCa), "status");
        assertThat(r.exit()).as(r.toString()).isEqualTo(ExitCodes.CONNECT);
        assertThat(r.errLines()).as(r.toString()).singleElement().asString().startsWith("error: could not connect");
        ShippedCli.Result verifyCa = run(url("127.0.0.1", "sslmode=verify-ca&sslrootcert=" + rightCa), "status");
        assertThat(verifyCa.exit()).as("the same CA without the host name check connects: " + verifyCa).isNotEqualTo(ExitCodes.CONNECT);
    }

    @Test
    void theServerTakesNoConnectionWithoutTls() throws Exception {
        ShippedCli.Result r = run(url("localhost", "sslmode=disable"), "status");
        assertThat(r.exit()).as(r.toString()).isEqualTo(ExitCodes.CONNECT);
        assertThat(r.errLines()).singleElement().asString().contains("no encryption");
    }
}
