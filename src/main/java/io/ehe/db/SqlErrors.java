package io.ehe.db;

import java.sql.SQLException;
import java.util.Optional;

/** Classifies what went wrong from the SQLSTATE anywhere in an exception's cause chain. */
public final class SqlErrors {

    public static final String LOCK_NOT_AVAILABLE = "55P03";
    public static final String QUERY_CANCELED = "57014";
    public static final String DEADLOCK = "40P01";
    public static final String SERIALIZATION_FAILURE = "40001";

    private SqlErrors() {
    }

    public static Optional<SQLException> sqlCause(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof SQLException sql && sql.getSQLState() != null) {
                return Optional.of(sql);
            }
        }
        return Optional.empty();
    }

    public static boolean hasState(Throwable t, String state) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof SQLException sql) {
                for (SQLException s = sql; s != null; s = s.getNextException()) {
                    if (state.equals(s.getSQLState())) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    public static boolean isLockNotGranted(Throwable t) {
        return hasState(t, LOCK_NOT_AVAILABLE);
    }

    /** Could not reach or log in to the server: class 08 (connection), 28 (authorization), 3D000 (no such database). */
    public static boolean isConnectionFailure(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof SQLException sql && sql.getSQLState() != null) {
                String s = sql.getSQLState();
                if (s.startsWith("08") || s.startsWith("28") || s.equals("3D000")) {
                    return true;
                }
            }
        }
        return false;
    }

    /** Worth retrying as is: deadlock, serialization failure, lost connection. */
    public static boolean isTransient(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof SQLException sql && sql.getSQLState() != null) {
                String s = sql.getSQLState();
                if (s.equals(DEADLOCK) || s.equals(SERIALIZATION_FAILURE) || s.startsWith("08")) {
                    return true;
                }
            }
        }
        return false;
    }
}
