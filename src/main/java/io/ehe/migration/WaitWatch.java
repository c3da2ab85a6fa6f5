package io.ehe.migration;

import io.ehe.db.Blocker;
import io.ehe.db.ConnectionFactory;
import io.ehe.db.PgDuration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Says, while migrate or rollback waits for a lock, which changeSet waits, for whom and how long it may
 * still wait (issue 28: every wait named). A statement waiting under a long lock_timeout, or an index
 * build waiting for older transactions under the index lock timeout, is otherwise silent until it gives
 * up. From its own session it looks once a second at the run's writing session (pg_blocking_pids) and
 * logs one line at least every {@link MigrationSettings#waitLogEvery()} while the statement waits or the
 * run pauses between attempts ({@link LockRetry}). Blockers are worded as {@link Blocker}: never by
 * their query text, which may carry customer data or secrets. The last blocker
 * seen is kept for the final error line. The migration (advisory) lock's own wait is logged by
 * {@link AdvisoryLockService}.
 */
final class WaitWatch {

    private static final Logger LOG = LoggerFactory.getLogger(WaitWatch.class);
    private static final Duration LOOK_EVERY = Duration.ofSeconds(1);

    private final ConnectionFactory connections;
    private final MigrationSettings settings;
    private volatile int sessionPid;
    private volatile String changeSet;
    private volatile int attempt = 1;
    private volatile long pausedUntilNanos;
    private volatile String lastBlockers;

    WaitWatch(ConnectionFactory connections, MigrationSettings settings) {
        this.connections = connections;
        this.settings = settings;
    }

    /** The backend pid of the run's writing session now in use (0: none). */
    void session(int pid) {
        this.sessionPid = pid;
    }

    /** The changeSet whose statements (or rollback) run now. */
    void changeSet(String id) {
        this.changeSet = id;
    }

    /** The changeSet in flight when last told, or null before the first. */
    String changeSet() {
        return changeSet;
    }

    /** A refusal's blockers, when its look found any, become the last seen: a wait shorter than a look was never seen by the watch itself. */
    void refused(RefusalBlockers blockers) {
        if (!blockers.found().isEmpty()) {
            lastBlockers = String.join("; ", blockers.found());
        }
    }

    /** The blockers the last look during a wait, or the last refusal's look, saw (no query text), or null when none saw one. */
    String lastBlockers() {
        return lastBlockers;
    }

    void attempt(int n) {
        this.attempt = n;
    }

    /** The run pauses {@code pause} before its next attempt (zero: it runs). */
    void pausing(Duration pause) {
        this.pausedUntilNanos = pause.isZero() ? 0 : System.nanoTime() + pause.toNanos();
    }

    /** Starts looking for {@code command} (migrate, rollback); close the result when the run ends. */
    AutoCloseable start(String command) {
        ScheduledExecutorService looker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "ehe-wait-watch");
            t.setDaemon(true);
            return t;
        });
        Looker job = new Looker(command);
        long every = Math.min(LOOK_EVERY.toMillis(), settings.waitLogEvery().toMillis());
        looker.scheduleWithFixedDelay(job, every, every, TimeUnit.MILLISECONDS);
        return () -> {
            looker.shutdownNow();
            looker.awaitTermination(5, TimeUnit.SECONDS);
            job.close();
        };
    }

    /** One look, on a session of its own, kept for the run. */
    private final class Looker implements Runnable {
        private final String command;
        private Connection connection;
        private long lastLogNanos;

        Looker(String command) {
            this.command = command;
        }

        @Override
        public void run() {
            try {
                look();
            } catch (Exception e) {
                close();
                LOG.debug("could not look at the lock wait", e);
            }
        }

        private void look() throws SQLException {
            long now = System.nanoTime();
            long pausedUntil = pausedUntilNanos;
            if (pausedUntil != 0 && pausedUntil > now) {
                // As with a wait: a pause shorter than a look is no news (the next attempt's own lines follow).
                if (pausedUntil - now >= LOOK_EVERY.toNanos() && due(now)) {
                    Duration pause = Duration.ofNanos(pausedUntil - now);
                    LOG.warn("{}: changeSet {} did not get its lock (attempt {}/{}); next attempt in {}, blocked last by {}; {}",
                            command, name(), attempt, settings.maxAttempts(), human(pause),
                            lastBlockers == null ? "a session neither seen while it waited nor found after the refusal" : lastBlockers,
                            givesUp(pause.plus(timeout(false)), attempt + 2));
                }
                return;
            }
            int pid = sessionPid;
            Wait wait = pid == 0 ? null : waitOf(pid);
            // A wait shorter than a look is no news; one that lasts gets its first line at once.
            if (wait == null || wait.waited().compareTo(LOOK_EVERY) < 0) {
                return;
            }
            if (!wait.blockers().isEmpty()) {
                lastBlockers = String.join("; ", wait.blockers());
            }
            if (due(now)) {
                Duration left = timeout(wait.indexBuild()).minus(wait.waited());
                LOG.warn("{}: changeSet {} waits for {} (attempt {}/{}, {} {}, waited {}): blocked by {}; {}",
                        command, name(), wait.indexBuild() ? "older transactions to end (index build, CONCURRENTLY)" : "a lock",
                        attempt, settings.maxAttempts(), wait.indexBuild() ? "index lock timeout" : "lock_timeout",
                        wait.indexBuild() ? settings.indexLockTimeout() : settings.lockTimeout(), human(wait.waited()),
                        wait.blockers().isEmpty() ? "a session no longer seen" : String.join("; ", wait.blockers()),
                        givesUp(left.isNegative() ? Duration.ZERO : left, attempt + 1));
            }
        }

        /** One line per interval at most, so a wait (its pauses between attempts included) logs one every interval. */
        private boolean due(long now) {
            if (lastLogNanos == 0 || now - lastLogNanos >= settings.waitLogEvery().toNanos() - TimeUnit.MILLISECONDS.toNanos(100)) {
                lastLogNanos = now;
                return true;
            }
            return false;
        }

        private Wait waitOf(int pid) throws SQLException {
            if (connection == null || connection.isClosed()) {
                connection = connections.open();
                connection.setAutoCommit(true);
            }
            try (PreparedStatement ps = connection.prepareStatement("""
                    SELECT coalesce(extract(epoch FROM now() - w.query_start), 0)::float8,
                           coalesce(w.query ILIKE '%%INDEX CONCURRENTLY%%', false),
                           %s
                      FROM pg_stat_activity w
                      LEFT JOIN LATERAL unnest(pg_blocking_pids(w.pid)) AS bp(pid) ON true
                      LEFT JOIN pg_stat_activity b ON b.pid = bp.pid
                     WHERE w.pid = ? AND w.wait_event_type = 'Lock'
                     ORDER BY bp.pid""".formatted(Blocker.columns("bp.pid", "b")))) {
                ps.setInt(1, pid);
                try (ResultSet rs = ps.executeQuery()) {
                    Wait wait = null;
                    List<String> blockers = new ArrayList<>();
                    while (rs.next()) {
                        if (wait == null) {
                            wait = new Wait(Duration.ofMillis((long) (rs.getDouble(1) * 1000)), rs.getBoolean(2), blockers);
                        }
                        if (rs.getObject(3) != null) {
                            blockers.add(Blocker.read(rs, 3).describe());
                        }
                    }
                    return wait;
                }
            }
        }

        void close() {
            try {
                if (connection != null) {
                    connection.close();
                }
            } catch (SQLException ignored) {
                // the look's own session: nothing of the run depends on it
            }
            connection = null;
        }
    }

    private record Wait(Duration waited, boolean indexBuild, List<String> blockers) {
    }

    private String name() {
        String c = changeSet;
        return c == null ? "(before the first)" : c;
    }

    private Duration timeout(boolean indexBuild) {
        return PgDuration.parse(indexBuild ? settings.indexLockTimeout() : settings.lockTimeout()).toDuration();
    }

    /**
     * How long the run may still wait if the blocker stays: {@code leftNow}, then for each attempt still
     * allowed from {@code next} on its pause and one wait of lock_timeout (an upper bound when one
     * statement waits per attempt).
     */
    private String givesUp(Duration leftNow, int next) {
        Duration total = leftNow;
        for (int a = next; a <= settings.maxAttempts(); a++) {
            total = total.plus(settings.backoff(a - 1)).plus(timeout(false));
        }
        return "gives up in about " + human(total) + " if the blocker stays";
    }

    private static String human(Duration d) {
        long s = Math.max(0, (d.toMillis() + 500) / 1000);
        return s < 120 ? s + " s" : (s / 60) + " min " + (s % 60) + " s";
    }
}
