package io.ehe.testing;

import io.ehe.db.ConnectionFactory;
import io.ehe.db.DatabaseUrl;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/** One database of the test server, owned by one test class. */
public record TestDatabase(String name, String jdbcUrl, String user, String password) {

    public DatabaseUrl url() {
        return DatabaseUrl.parse(jdbcUrl).withCredentials(user, password);
    }

    /** The URL with credentials as query parameters, for a child process or the CLI's --url. */
    public String urlWithCredentials() {
        // The embedded server's URL already names the user; say it once.
        String withUser = jdbcUrl.matches(".*[?&]user=.*") ? jdbcUrl : jdbcUrl + (jdbcUrl.contains("?") ? "&" : "?") + "user=" + user;
        return password == null ? withUser : withUser + "&password=" + password;
    }

    public ConnectionFactory connections() {
        return new ConnectionFactory(url(), "ehe-test");
    }

    public Connection open() throws SQLException {
        return connections().open();
    }

    /** A transaction left open (autocommit off) after {@code sql}: it holds what those statements locked until the caller ends it. */
    public Connection begin(String... sql) throws SQLException {
        Connection c = open();
        try {
            c.setAutoCommit(false);
            try (Statement st = c.createStatement()) {
                for (String s : sql) {
                    st.execute(s);
                }
            }
            return c;
        } catch (SQLException | RuntimeException e) {
            c.close();
            throw e;
        }
    }

    public void execute(String... sql) {
        try (Connection c = open(); Statement st = c.createStatement()) {
            for (String s : sql) {
                st.execute(s);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    public long queryLong(String sql) {
        try (Connection c = open(); Statement st = c.createStatement(); var rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    public String queryString(String sql) {
        try (Connection c = open(); Statement st = c.createStatement(); var rs = st.executeQuery(sql)) {
            return rs.next() ? rs.getString(1) : null;
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The first column of every row, as text (null where NULL), in the query's order. */
    public List<String> queryStrings(String sql) {
        return queryList(sql, rs -> {
            try {
                return rs.getString(1);
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    public <T> List<T> queryList(String sql, Function<java.sql.ResultSet, T> row) {
        try (Connection c = open(); Statement st = c.createStatement(); var rs = st.executeQuery(sql)) {
            List<T> out = new ArrayList<>();
            while (rs.next()) {
                out.add(row.apply(rs));
            }
            return out;
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
