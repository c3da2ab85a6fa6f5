package io.ehe.db;

import java.sql.SQLException;

/**
 * The connection works but cannot be relied on: it does not reach a server session of its own (a
 * transaction or statement pooler), or the server cannot take writes (a hot standby, sessions that
 * start read-only). Thrown before anything is written; the message says what to connect to instead.
 */
public class UnsuitableConnectionException extends SQLException {
    public UnsuitableConnectionException(String message) {
        super(message);
    }

    public UnsuitableConnectionException(String message, Throwable cause) {
        super(message, cause);
    }
}
