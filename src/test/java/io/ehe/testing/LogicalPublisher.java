package io.ehe.testing;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * A second embedded PostgreSQL of the tested major with wal_level=logical: a publisher whose rows a
 * test database can subscribe to. The shared test server cannot be restarted into logical mode.
 */
public final class LogicalPublisher implements AutoCloseable {

    private final EmbeddedPostgres pg;

    private LogicalPublisher(EmbeddedPostgres pg) {
        this.pg = pg;
    }

    public static LogicalPublisher start() throws Exception {
        EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder();
        PostgresVersion.requested().ifPresent(m -> builder.setPgBinaryResolver(ZonkyBinaries.forMajor(m)));
        return new LogicalPublisher(builder
                .setServerConfig("wal_level", "logical")
                .setServerConfig("fsync", "off")
                .setServerConfig("max_connections", "30")
                .start());
    }

    /** Its database "postgres" as a TestDatabase (user postgres, no password). */
    public TestDatabase database() {
        return new TestDatabase("postgres", pg.getJdbcUrl("postgres", "postgres"), "postgres", null);
    }

    /** A libpq connection string a subscriber on this machine can use. */
    public String conninfo() {
        return "host=127.0.0.1 port=" + pg.getPort() + " dbname=postgres user=postgres";
    }

    @Override
    public void close() throws Exception {
        pg.close();
    }
}
