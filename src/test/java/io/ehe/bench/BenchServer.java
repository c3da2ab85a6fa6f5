package io.ehe.bench;

import io.ehe.db.DatabaseUrl;
import io.ehe.testing.TestDatabase;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;

/**
 * The server the benchmark runs on: PG_BENCH_URL, else an embedded PostgreSQL 17 tuned like a small
 * production primary (durable commits: fsync and synchronous_commit stay on, so per-batch commits
 * cost what they cost in production).
 */
final class BenchServer implements AutoCloseable {

    private final String adminUrl;
    private final String user;
    private final String password;
    private final EmbeddedPostgres embedded;
    final String description;

    private BenchServer(String adminUrl, String user, String password, EmbeddedPostgres embedded, String description) {
        this.adminUrl = adminUrl;
        this.user = user;
        this.password = password;
        this.embedded = embedded;
        this.description = description;
    }

    static BenchServer start() throws Exception {
        String url = System.getenv("PG_BENCH_URL");
        if (url != null && !url.isBlank()) {
            DatabaseUrl parsed = DatabaseUrl.parse(url);
            return new BenchServer(parsed.jdbcUrl(), parsed.user().orElse("postgres"), parsed.password().orElse(null), null, "PG_BENCH_URL");
        }
        EmbeddedPostgres pg = EmbeddedPostgres.builder()
                // zonky's builder starts the server with fsync=off and synchronous_commit=off on the command
                // line unless told otherwise (checked with pg_settings: source "command line"); a backfill
                // commits per batch and the app per insert, so both must cost what they cost in production.
                .setServerConfig("fsync", "on")
                .setServerConfig("synchronous_commit", "on")
                .setServerConfig("shared_buffers", "2GB")
                .setServerConfig("work_mem", "64MB")
                .setServerConfig("maintenance_work_mem", "512MB")
                .setServerConfig("max_wal_size", "16GB")
                .setServerConfig("checkpoint_timeout", "30min")
                .setServerConfig("max_connections", "100")
                .setServerConfig("max_parallel_workers_per_gather", "2")
                .setServerConfig("effective_cache_size", "8GB")
                .setServerConfig("random_page_cost", "1.1")
                .start();
        return new BenchServer(pg.getJdbcUrl("postgres", "postgres"), "postgres", null, pg, "embedded PostgreSQL (zonky)");
    }

    Connection admin() throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", user);
        if (password != null) {
            p.setProperty("password", password);
        }
        return DriverManager.getConnection(adminUrl, p);
    }

    TestDatabase create(String name, String template) throws SQLException {
        try (Connection c = admin(); Statement st = c.createStatement()) {
            st.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
            // FILE_COPY: a checkpoint and a file copy. The default (WAL_LOG, PostgreSQL 15+) would write a
            // 2 GB production-weight copy through WAL and shared buffers, slower and evicting the cache.
            st.execute("CREATE DATABASE " + name + (template == null ? "" : " TEMPLATE " + template + fileCopy(c)));
        }
        return new TestDatabase(name, adminUrl.replaceFirst("(jdbc:postgresql://[^/]+/)[^?]*", "$1" + name), user, password);
    }

    private static String fileCopy(Connection c) throws SQLException {
        try (Statement st = c.createStatement(); var rs = st.executeQuery("SHOW server_version_num")) {
            rs.next();
            return Integer.parseInt(rs.getString(1)) >= 150000 ? " STRATEGY FILE_COPY" : "";
        }
    }

    void drop(String name) throws SQLException {
        try (Connection c = admin(); Statement st = c.createStatement()) {
            st.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
        }
    }

    /** The settings that decide what a commit costs, as the server reports them (not as configured here). */
    String durability() throws SQLException {
        try (Connection c = admin(); Statement st = c.createStatement(); var rs = st.executeQuery(
                "SELECT string_agg(name || '=' || setting, ', ' ORDER BY name) FROM pg_settings "
                        + "WHERE name IN ('fsync', 'synchronous_commit', 'full_page_writes', 'shared_buffers', 'wal_level')")) {
            rs.next();
            return rs.getString(1);
        }
    }

    /**
     * The server's version and whether it can JIT-compile: the embedded binaries have no JIT provider,
     * while most servers in production do, which changes what a query whose estimate passes
     * jit_above_cost costs (docs/benchmark-notes.md, "JIT").
     */
    String version() throws SQLException {
        try (Connection c = admin(); Statement st = c.createStatement(); var rs = st.executeQuery(
                "SELECT current_setting('server_version') || CASE WHEN pg_jit_available() THEN ' (JIT provider loaded)'"
                        + " ELSE ' (no JIT provider: no statement is JIT-compiled)' END")) {
            rs.next();
            return rs.getString(1);
        }
    }

    @Override
    public void close() throws Exception {
        if (embedded != null) {
            embedded.close();
        }
    }
}
