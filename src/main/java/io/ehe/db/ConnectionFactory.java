package io.ehe.db;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;

/**
 * Opens JDBC connections for one {@link DatabaseUrl}. Every session is tagged with an
 * application_name (so an operator sees it in pg_stat_activity) and, on PostgreSQL 14+, asks the
 * server to notice a vanished client within seconds, so a SIGKILLed runner releases its locks
 * instead of leaving a backend waiting on a lock for a client that is gone.
 */
public final class ConnectionFactory {

    private static final java.time.Duration CONNECT_TIMEOUT = java.time.Duration.ofSeconds(10);
    private static final java.time.Duration LOGIN_TIMEOUT = java.time.Duration.ofSeconds(15);

    private final DatabaseUrl url;
    private final String applicationName;
    private final boolean readOnly;
    private final Schemas schemas;

    public ConnectionFactory(DatabaseUrl url, String applicationName) {
        this(url, applicationName, Schemas.DEFAULT);
    }

    /** Sessions whose search_path is {@link Schemas#searchPath()}: the module's SQL finds its objects there. */
    public ConnectionFactory(DatabaseUrl url, String applicationName, Schemas schemas) {
        this(url, applicationName, false, schemas);
    }

    private ConnectionFactory(DatabaseUrl url, String applicationName, boolean readOnly, Schemas schemas) {
        this.url = url;
        this.applicationName = applicationName;
        this.readOnly = readOnly;
        this.schemas = schemas;
        url.password().ifPresent(Secrets::register);
    }

    /**
     * The same database on sessions that start read-only ({@code default_transaction_read_only} as a
     * startup option, so it ends with the session): the server refuses whatever they might try to write.
     */
    public ConnectionFactory readOnly() {
        return new ConnectionFactory(url, applicationName, true, schemas);
    }

    /** The same schemas on another URL (such as one with more startup options). */
    public ConnectionFactory at(DatabaseUrl other) {
        return new ConnectionFactory(other, applicationName, readOnly, schemas);
    }

    public DatabaseUrl url() {
        return url;
    }

    public Schemas schemas() {
        return schemas;
    }

    /**
     * A new session, checked by {@link SessionCheck} before it is handed out. Throws
     * UnsuitableConnectionException for a pooler, a hot standby or a read-only default, and the
     * driver's SQLException when the server cannot be reached or refuses the login.
     */
    public Connection open() throws SQLException {
        String token = SessionCheck.newToken();
        DatabaseUrl session = StartupOptions.with(url, SessionCheck.MARKER, token);
        session = StartupOptions.with(session, "search_path", schemas.searchPath());
        if (readOnly) {
            session = StartupOptions.with(session, "default_transaction_read_only", "on");
        }
        Properties props = new Properties();
        url.user().ifPresent(u -> props.setProperty("user", u));
        url.password().ifPresent(p -> props.setProperty("password", p));
        props.setProperty("ApplicationName", applicationName);
        props.setProperty("connectTimeout", Long.toString(CONNECT_TIMEOUT.toSeconds()));
        props.setProperty("loginTimeout", Long.toString(LOGIN_TIMEOUT.toSeconds()));
        props.setProperty("tcpKeepAlive", "true");
        Connection connection;
        try {
            connection = DriverManager.getConnection(session.jdbcUrl(), props);
        } catch (SQLException e) {
            if (SessionCheck.isStartupOptionRefused(e)) {
                throw SessionCheck.refusedStartupOptions(e);
            }
            throw ConnectFailure.of(url, e, CONNECT_TIMEOUT, LOGIN_TIMEOUT).orElse(e);
        }
        try {
            SessionCheck.verify(connection, token, readOnly);
            // A plain SET is safe from here on: the check proved this server session is ours alone
            // and ends with the connection. Not a startup option, which would fail before 14.
            if (connection.getMetaData().getDatabaseMajorVersion() >= 14) {
                try (Statement st = connection.createStatement()) {
                    st.execute("SET client_connection_check_interval = '2s'");
                }
            }
        } catch (SQLException e) {
            connection.close();
            throw e;
        }
        return connection;
    }
}
