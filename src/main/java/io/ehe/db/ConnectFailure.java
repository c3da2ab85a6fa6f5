package io.ehe.db;

import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A connection that never reached the server, as one line naming where it went and why: "could not
 * connect to db.example:5432: unknown host (the name does not resolve)". The driver says "The
 * connection attempt failed." for an unknown host, naming neither the host nor the cause, which left
 * a new-user trial guessing (issue 28). The host and port come from the URL without its credentials,
 * and the causes are worded here, so no part of a password can reach the line. Failures the driver
 * already describes (TLS, authentication, a missing database) are left as the driver words them.
 */
public final class ConnectFailure extends SQLException {

    private ConnectFailure(String line, SQLException cause) {
        super(line, cause.getSQLState(), cause);
    }

    /**
     * {@code failure} as a ConnectFailure when its cause is one of those named here (unknown host,
     * refused, no route, timed out), else empty.
     */
    static Optional<SQLException> of(DatabaseUrl url, SQLException failure, Duration connectTimeout, Duration loginTimeout) {
        return cause(failure, connectTimeout, loginTimeout)
                .map(why -> new ConnectFailure("could not connect to " + String.join(",", hostsAndPorts(url)) + ": " + why, failure));
    }

    private static Optional<String> cause(SQLException failure, Duration connectTimeout, Duration loginTimeout) {
        for (Throwable c = failure; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof UnknownHostException) {
                return Optional.of("unknown host (the name does not resolve)");
            }
            if (c instanceof ConnectException) {
                return Optional.of("connection refused (nothing accepts connections on that port)");
            }
            if (c instanceof NoRouteToHostException) {
                return Optional.of("no route to host");
            }
            if (c instanceof SocketTimeoutException) {
                return Optional.of("timed out (no answer within " + connectTimeout.toSeconds() + " s)");
            }
        }
        // pgjdbc's own login timeout (loginTimeout) carries no cause, only this message.
        if ("Connection attempt timed out.".equals(failure.getMessage())) {
            return Optional.of("timed out (the server did not answer the login within " + loginTimeout.toSeconds() + " s)");
        }
        return Optional.empty();
    }

    /** Each host of the URL with its port, the driver's default 5432 where the URL gives none. */
    static List<String> hostsAndPorts(DatabaseUrl url) {
        String rest = url.jdbcUrl().substring("jdbc:postgresql://".length());
        int slash = rest.indexOf('/');
        List<String> out = new ArrayList<>();
        for (String host : (slash < 0 ? rest : rest.substring(0, slash)).split(",")) {
            boolean hasPort = host.lastIndexOf(':') > host.lastIndexOf(']');
            out.add(hasPort ? host : host + ":5432");
        }
        return out;
    }
}
