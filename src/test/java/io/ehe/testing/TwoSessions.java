package io.ehe.testing;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Two transactions on one database, for the trigger race tests of either design: the first runs its
 * statement and stays open; the second runs on a thread, may wait for the first's locks, and the
 * test decides when the first ends.
 */
public final class TwoSessions implements AutoCloseable {

    private final TestDatabase db;
    private final Connection one;
    private final Connection two;
    private final ExecutorService thread = Executors.newSingleThreadExecutor();

    public TwoSessions(TestDatabase db) throws SQLException {
        this.db = db;
        this.one = db.open();
        this.two = db.open();
        one.setAutoCommit(false);
        two.setAutoCommit(false);
    }

    public Connection one() {
        return one;
    }

    public Connection two() {
        return two;
    }

    /** A new event with {@code chunks} embedding rows (chunk 0..n-1, the default model), committed; returns its id. */
    public long eventWithChunks(int chunks) {
        long id = eventWithText("text");
        for (int c = 0; c < chunks; c++) {
            db.execute(insertChunk(id, c));
        }
        return id;
    }

    /** {@code n} events of {@code chunks} embedding rows each, as {@link #eventWithChunks}. */
    public List<Long> eventsWithChunks(int n, int chunks) {
        List<Long> events = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            events.add(eventWithChunks(chunks));
        }
        return events;
    }

    /** A new event with payload text {@code text} and no embedding, committed; returns its id. */
    public long eventWithText(String text) {
        return db.queryLong("INSERT INTO events (organization_id, payload_text) VALUES ('org', '" + text + "') RETURNING id");
    }

    public static String insertChunk(long event, int chunk) {
        return "INSERT INTO event_embeddings (event_id, chunk_index) VALUES (" + event + ", " + chunk + ")";
    }

    public static String deleteChunk(long event, int chunk) {
        return "DELETE FROM event_embeddings WHERE event_id = " + event + " AND chunk_index = " + chunk;
    }

    public static String deleteEmbeddings(long event) {
        return "DELETE FROM event_embeddings WHERE event_id = " + event;
    }

    public static void exec(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }

    /** Runs sql on c in the background; the caller then lets the other transaction finish. */
    public Future<?> inBackground(Connection c, String sql) {
        return thread.submit(() -> {
            exec(c, sql);
            return null;
        });
    }

    /** Returns once some session of the database waits for a lock, or {@code f} finished, or 5 s passed. */
    public void waitUntilBlocked(Future<?> f) throws Exception {
        long deadline = System.currentTimeMillis() + 5000;
        while (!f.isDone() && System.currentTimeMillis() < deadline) {
            if (db.queryLong("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'") > 0) {
                return;
            }
            Thread.sleep(5);
        }
    }

    /**
     * {@code first} on one, {@code second} on two (which may wait for one's locks); then one commits
     * (with {@code firstCommits} false, rolls back), then two commits. Unlike {@link #race}, one's end
     * must not itself wait for two.
     */
    public void inTurn(String first, String second, boolean firstCommits) throws Exception {
        Future<?> f = secondWaiting(first, second);
        if (firstCommits) {
            one.commit();
        } else {
            one.rollback();
        }
        f.get(10, TimeUnit.SECONDS);
        two.commit();
    }

    /** {@code first} on one; {@code second} on two in the background; returns once two waits for a lock (or is done). */
    private Future<?> secondWaiting(String first, String second) throws Exception {
        exec(one, first);
        Future<?> f = inBackground(two, second);
        waitUntilBlocked(f);
        return f;
    }

    /**
     * {@code rounds} rounds of two writers, each on its own connection and thread: each runs the
     * statement {@code statement} draws from {@code random}, pauses 0-2 ms, then commits (four times in
     * five) or rolls back. An SQL error (a deadlock, a duplicate key: the app's to retry) rolls that
     * writer back; it must not leave drift.
     */
    public static void randomWriters(TestDatabase db, Random random, int rounds, Function<Random, String> statement) throws Exception {
        ExecutorService writers = Executors.newFixedThreadPool(2);
        try (Connection a = db.open(); Connection b = db.open()) {
            a.setAutoCommit(false);
            b.setAutoCommit(false);
            for (int round = 0; round < rounds; round++) {
                List<Future<?>> done = new ArrayList<>();
                for (Connection c : List.of(a, b)) {
                    String sql = statement.apply(random);
                    boolean commit = random.nextInt(5) > 0;
                    int pause = random.nextInt(3);
                    done.add(writers.submit(() -> {
                        try {
                            exec(c, sql);
                            Thread.sleep(pause);
                            if (commit) {
                                c.commit();
                            } else {
                                c.rollback();
                            }
                        } catch (SQLException ex) {
                            c.rollback();
                        }
                        return null;
                    }));
                }
                for (Future<?> f : done) {
                    f.get(20, TimeUnit.SECONDS);
                }
            }
        } finally {
            writers.shutdownNow();
        }
    }

    /**
     * {@code first} on one, {@code second} on two (which may wait); then one commits, then two. One's
     * COMMIT may itself wait for two (a deferred trigger of one that needs a lock two holds): then two
     * commits first, as the application's second transaction would have in time.
     */
    public void race(String first, String second) throws Exception {
        Future<?> f = secondWaiting(first, second);
        ExecutorService committer = Executors.newSingleThreadExecutor();
        try {
            Future<?> c1 = committer.submit(() -> {
                one.commit();
                return null;
            });
            long deadline = System.currentTimeMillis() + 10_000;
            while (!c1.isDone() && !(f.isDone() && blocked())) {
                if (System.currentTimeMillis() > deadline) {
                    throw new IllegalStateException("neither the first commit nor the second statement finished in 10 s");
                }
                Thread.sleep(5);
            }
            if (!c1.isDone()) {
                f.get(10, TimeUnit.SECONDS);
                two.commit();
                c1.get(10, TimeUnit.SECONDS);
                return;
            }
            c1.get();
            f.get(10, TimeUnit.SECONDS);
            two.commit();
        } finally {
            committer.shutdownNow();
        }
    }

    private boolean blocked() {
        return db.queryLong("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'") > 0;
    }

    @Override
    public void close() throws SQLException {
        thread.shutdownNow();
        one.close();
        two.close();
    }
}
