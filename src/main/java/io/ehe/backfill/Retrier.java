package io.ehe.backfill;

import io.ehe.db.PgDuration;
import io.ehe.db.SqlErrors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;

/**
 * Runs one unit of work (a batch: its own transaction) and retries it after a transient error:
 * deadlock (40P01), serialization failure (40001), lock not granted within lock_timeout (55P03),
 * statement timeout (57014) and a lost connection (class 08, or the driver finding the connection
 * closed). The batch rolled back, so retrying is safe; the connection is replaced when it is the
 * problem. Backoff doubles from 100 ms up to 10 s. Anything else, or the last failure, is thrown.
 */
public final class Retrier {

    private static final Logger LOG = LoggerFactory.getLogger("backfill");

    public interface Work<T> {
        T run(Connection c) throws SQLException;
    }

    private final Session session;
    private final int maxRetries;
    private final StopSignal stop;
    private final Runnable onTimeout;
    private long retries;

    public Retrier(Session session, int maxRetries, StopSignal stop, Runnable onTimeout) {
        this.session = session;
        this.maxRetries = maxRetries;
        this.stop = stop;
        this.onTimeout = onTimeout;
    }

    long retries() {
        return retries;
    }

    /** The work's result, or null when a stop was requested while waiting to retry. */
    public <T> T run(String what, Work<T> work) throws SQLException {
        for (int attempt = 0; ; attempt++) {
            try {
                return work.run(session.get());
            } catch (SQLException e) {
                boolean lost = SqlErrors.isConnectionFailure(e) || connectionClosed();
                if (!(lost || isTransient(e)) || attempt >= maxRetries) {
                    throw e;
                }
                if (lost) {
                    session.discard();
                }
                if (SqlErrors.hasState(e, SqlErrors.QUERY_CANCELED)) {
                    onTimeout.run();
                }
                retries++;
                Duration pause = backoff(attempt);
                LOG.warn("{} failed ({}: {}); retry {}/{} in {}", what, SqlErrors.sqlCause(e).map(SQLException::getSQLState).orElse("?"),
                        oneLine(e.getMessage()), attempt + 1, maxRetries, PgDuration.human(pause));
                if (stop.sleep(pause)) {
                    return null;
                }
            }
        }
    }

    static boolean isTransient(Throwable e) {
        return SqlErrors.isTransient(e) || SqlErrors.isLockNotGranted(e) || SqlErrors.hasState(e, SqlErrors.QUERY_CANCELED);
    }

    static Duration backoff(int attempt) {
        return Duration.ofMillis(Math.min(10_000L, 100L << Math.min(attempt, 10)));
    }

    private boolean connectionClosed() {
        return !session.isOpen();
    }

    private static String oneLine(String s) {
        return s == null ? "" : s.replaceAll("\\s*\\R\\s*", " ").trim();
    }
}
