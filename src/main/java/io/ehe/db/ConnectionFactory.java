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

    private final DatabaseUrl url;
    private final String applicationName;

    public ConnectionFactory(DatabaseUrl url, String applicationName) {
        this.url = url;
        this.applicationName = applicationName;
        url.password().ifPresent(Secrets::register);
    }

    public DatabaseUrl url() {
        return url;
    }

    public Connection open() throws SQLException {
        Properties props = new Properties();
        url.user().ifPresent(u -> props.setProperty("user", u));
        url.password().ifPresent(p -> props.setProperty("password", p));
        props.setProperty("ApplicationName", applicationName);
        props.setProperty("connectTimeout", "10");
        props.setProperty("loginTimeout", "15");
        props.setProperty("tcpKeepAlive", "true");
        Connection connection = DriverManager.getConnection(url.jdbcUrl(), props);
        try {
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
