package io.ehe.testing;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Two transactions whose statements run alternately, one statement of each in turn, on two
 * connections: a statement that waits for a lock stays waiting on its session's thread while the
 * other transaction goes on, so two transactions can each hold what the other wants, and a
 * deadlock, if the locks allow one, really happens (PostgreSQL detects it after deadlock_timeout and
 * rolls one back with 40P01). Used to count the deadlocks of the app's own transactions with and
 * without the module's triggers.
 */
public final class Interleaving implements AutoCloseable {

    /**
     * How one run ended: how many transactions a deadlock rolled back; the SQLSTATE of every other
     * error that ended a transaction (the app's own conflicts, such as a duplicate key); anything
     * that was not an SQL error.
     */
    public record Outcome(int deadlocks, List<String> sqlStates, List<String> otherErrors) {
    }

    private final Connection[] sessions = new Connection[2];
    private final ExecutorService[] threads = {Executors.newSingleThreadExecutor(), Executors.newSingleThreadExecutor()};

    public Interleaving(TestDatabase db) throws SQLException {
        for (int i = 0; i < 2; i++) {
            sessions[i] = db.open();
            sessions[i].setAutoCommit(false);
            try (Statement st = sessions[i].createStatement()) {
                st.execute("SET deadlock_timeout = '200ms'");
            }
            sessions[i].commit();
        }
    }

    /**
     * Runs {@code a} and {@code b} alternately, starting with {@code a}'s first statement, then
     * commits both; a step waits at most {@code stepMillis} before the other side's next step runs.
     */
    public Outcome run(List<String> a, List<String> b, long stepMillis) throws Exception {
        List<List<Future<?>>> steps = List.of(new ArrayList<>(), new ArrayList<>());
        List<List<String>> scripts = List.of(a, b);
        int n = Math.max(a.size(), b.size());
        for (int i = 0; i < n; i++) {
            for (int s = 0; s < 2; s++) {
                if (i < scripts.get(s).size()) {
                    Future<?> f = submit(s, scripts.get(s).get(i));
                    steps.get(s).add(f);
                    waitQuietly(f, stepMillis);
                }
            }
        }
        for (int s = 0; s < 2; s++) {
            int session = s;
            steps.get(s).add(threads[s].submit(() -> {
                sessions[session].commit();
                return null;
            }));
        }
        int deadlocks = 0;
        List<String> states = new ArrayList<>();
        List<String> other = new ArrayList<>();
        for (int s = 0; s < 2; s++) {
            boolean failed = false;
            for (Future<?> f : steps.get(s)) {
                try {
                    f.get(30, TimeUnit.SECONDS);
                } catch (ExecutionException e) {
                    if (failed) {
                        continue; // "current transaction is aborted" after the first error
                    }
                    failed = true;
                    if (e.getCause() instanceof SQLException sql && "40P01".equals(sql.getSQLState())) {
                        deadlocks++;
                    } else if (e.getCause() instanceof SQLException sql) {
                        states.add(sql.getSQLState());
                    } else {
                        other.add(String.valueOf(e.getCause()));
                    }
                }
            }
            if (failed) {
                sessions[s].rollback();
            }
        }
        return new Outcome(deadlocks, states, other);
    }

    private Future<?> submit(int session, String sql) {
        return threads[session].submit(() -> {
            try (Statement st = sessions[session].createStatement()) {
                st.execute(sql);
            }
            return null;
        });
    }

    private static void waitQuietly(Future<?> f, long millis) throws InterruptedException {
        try {
            f.get(millis, TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            // waiting for a lock, or failed: either way the other transaction's turn
        }
    }

    @Override
    public void close() throws SQLException {
        for (ExecutorService t : threads) {
            t.shutdownNow();
        }
        for (Connection c : sessions) {
            c.close();
        }
    }
}
