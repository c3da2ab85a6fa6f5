package io.ehe.testing;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * An embedded PostgreSQL of its own (PG_TEST_VERSION's major, else 17) with ssl=on and a server
 * certificate made by the test, which accepts TCP connections over TLS only (pg_hba: hostssl trust,
 * hostnossl reject). Its own server, not {@link PostgresServer}'s: the key and certificate must be
 * files the server reads, and switching TLS on for the shared server would change every other test's
 * connections.
 */
public final class TlsPostgres implements AutoCloseable {

    private final EmbeddedPostgres pg;

    private TlsPostgres(EmbeddedPostgres pg) {
        this.pg = pg;
    }

    /** Starts it with {@code server}'s certificate and key, written into {@code dir}. */
    public static TlsPostgres start(TestCertificates.Server server, Path dir) throws Exception {
        Path certificate = dir.resolve("server.crt");
        Path key = dir.resolve("server.key");
        server.write(certificate, key);
        EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder();
        PostgresVersion.requested().ifPresent(m -> builder.setPgBinaryResolver(ZonkyBinaries.forMajor(m)));
        Path log = dir.resolve("postgres.log");
        builder.setOutputRedirector(ProcessBuilder.Redirect.appendTo(log.toFile()));
        builder.setErrorRedirector(ProcessBuilder.Redirect.appendTo(log.toFile()));
        EmbeddedPostgres pg;
        try {
            pg = builder
                .setServerConfig("fsync", "off")
                .setServerConfig("ssl", "on")
                .setServerConfig("ssl_cert_file", certificate.toAbsolutePath().toString())
                .setServerConfig("ssl_key_file", key.toAbsolutePath().toString())
                .start();
        } catch (IOException e) {
            throw new IOException(e.getMessage() + "; server log:\n" + (Files.exists(log) ? Files.readString(log) : "(none)"), e);
        }
        TlsPostgres tls = new TlsPostgres(pg);
        tls.requireTls();
        return tls;
    }

    public int port() {
        return pg.getPort();
    }

    /** Only the Unix socket (which the tests' own set-up uses) stays without TLS. */
    private void requireTls() throws SQLException, IOException {
        // zonky's DataSource connects over TCP without TLS: read the hba path before closing that door.
        try (Connection c = pg.getPostgresDatabase().getConnection(); Statement st = c.createStatement()) {
            var rs = st.executeQuery("SHOW hba_file");
            rs.next();
            Path hba = Path.of(rs.getString(1));
            Files.writeString(hba, """
                    local     all all              trust
                    hostssl   all all 127.0.0.1/32 trust
                    hostssl   all all ::1/128      trust
                    hostnossl all all all          reject
                    """);
            st.execute("SELECT pg_reload_conf()");
        }
    }

    @Override
    public void close() throws IOException {
        pg.close();
    }
}
