package io.ehe.db;

import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HexFormat;
import java.util.Locale;

/**
 * Reads back, right after connecting, what every session of the runner relies on, and refuses the
 * connection (with {@link UnsuitableConnectionException}) before anything is written when it does not
 * hold:
 * <ul>
 * <li>a marker sent as a startup option comes back: the startup options (lock_timeout, the read-only
 *     state, ...) reached a server session that is this connection's own. A transaction or statement
 *     pooler drops them (PgBouncer's {@code ignore_startup_parameters=options}) or refuses them;
 *     there, session settings and the session-level advisory lock would mean nothing;</li>
 * <li>the server is not in recovery (a hot standby takes no writes);</li>
 * <li>the session's read-only state is the one asked for: read-only sessions start read-only, and
 *     writing sessions are not read-only by a role or database default.</li>
 * </ul>
 */
public final class SessionCheck {

    /** The custom setting that carries the marker. */
    public static final String MARKER = "ehe.session_check";

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final String DIRECT = "connect the runner to PostgreSQL itself (the primary's host and port, not the pooler's),"
            + " or to a session-mode pool that passes startup parameters";

    private SessionCheck() {
    }

    /** A fresh marker value (16 hex digits) for one connection. */
    public static String newToken() {
        byte[] b = new byte[8];
        RANDOM.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    /** Throws UnsuitableConnectionException when the session is not one the runner can rely on. */
    public static void verify(Connection connection, String token, boolean readOnly) throws SQLException {
        String marker;
        boolean recovery;
        boolean defaultReadOnly;
        try (PreparedStatement ps = connection.prepareStatement(
                "SELECT current_setting('" + MARKER + "', true), pg_is_in_recovery(), current_setting('default_transaction_read_only')");
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            marker = rs.getString(1);
            recovery = rs.getBoolean(2);
            defaultReadOnly = "on".equals(rs.getString(3));
        }
        if (!token.equals(marker)) {
            throw new UnsuitableConnectionException("the connection's startup options did not reach a server session of its own:"
                    + " a transaction or statement pooler (e.g. PgBouncer) is in between, where session settings and locks do not hold;"
                    + " " + DIRECT);
        }
        if (recovery) {
            throw new UnsuitableConnectionException("the server is a hot standby (in recovery) and takes no writes:"
                    + " point --url at the primary (with several hosts, add target_session_attrs=read-write)");
        }
        if (readOnly && !defaultReadOnly) {
            throw new UnsuitableConnectionException("the read-only startup option did not take effect although the marker did:"
                    + " something between the runner and PostgreSQL rewrites settings; " + DIRECT);
        }
        if (!readOnly && defaultReadOnly) {
            throw new UnsuitableConnectionException("sessions of this role or database start read-only (default_transaction_read_only=on,"
                    + " from ALTER ROLE/DATABASE or the server's configuration): connect as a role whose sessions can write");
        }
    }

    /** PgBouncer (without ignore_startup_parameters) refuses the options at login. */
    public static boolean isStartupOptionRefused(SQLException e) {
        for (Throwable c = e; c != null; c = c.getCause() == c ? null : c.getCause()) {
            String m = c.getMessage();
            if (m != null && m.toLowerCase(Locale.ROOT).contains("unsupported startup parameter")) {
                return true;
            }
        }
        return false;
    }

    public static UnsuitableConnectionException refusedStartupOptions(SQLException cause) {
        return new UnsuitableConnectionException("the server refused the connection's startup options (\"unsupported startup parameter\"):"
                + " a pooler such as PgBouncer is in between; " + DIRECT, cause);
    }
}
