package io.ehe.bench;

import io.ehe.testing.TestDatabase;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * What the app does while a backfill or an index build runs: at a steady rate, insert a new event
 * and an embedding for one still-pending event (each its own autocommit statement), and time every
 * statement. Its latency is what the app feels.
 */
final class SteadyWriter implements AutoCloseable {

    /** The organization of the writer's events, so a benchmark can remove them again. */
    static final String ORG = "org-writer";

    private final Thread thread;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final List<Double> embeddingLatencies = Collections.synchronizedList(new ArrayList<>());
    private final List<Double> eventLatencies = Collections.synchronizedList(new ArrayList<>());
    private volatile Exception failure;

    SteadyWriter(TestDatabase db, int perSecond) {
        thread = new Thread(() -> loop(db, perSecond), "steady-writer");
        thread.setDaemon(true);
        thread.start();
    }

    private void loop(TestDatabase db, int perSecond) {
        long periodNanos = 1_000_000_000L / perSecond;
        try (Connection c = db.open()) {
            List<Long> pending = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("""
                    SELECT e.id FROM public.events e
                     WHERE e.payload_text IS NOT NULL AND e.payload_text <> ''
                       AND NOT EXISTS (SELECT 1 FROM public.event_embeddings x WHERE x.event_id = e.id)
                     ORDER BY random() LIMIT 20000""");
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    pending.add(rs.getLong(1));
                }
            }
            try (PreparedStatement emb = c.prepareStatement(
                    "INSERT INTO public.event_embeddings (event_id, chunk_index) VALUES (?, 900) ON CONFLICT DO NOTHING");
                 PreparedStatement ev = c.prepareStatement(
                         "INSERT INTO public.events (organization_id, payload_text) VALUES ('" + ORG + "', 'written during the benchmark')")) {
                long next = System.nanoTime();
                int i = 0;
                while (running.get()) {
                    long t0 = System.nanoTime();
                    ev.executeUpdate();
                    eventLatencies.add((System.nanoTime() - t0) / 1e6);
                    if (!pending.isEmpty()) {
                        emb.setLong(1, pending.get(i++ % pending.size()));
                        long t1 = System.nanoTime();
                        emb.executeUpdate();
                        embeddingLatencies.add((System.nanoTime() - t1) / 1e6);
                    }
                    next += periodNanos;
                    long sleep = next - System.nanoTime();
                    if (sleep > 0) {
                        Thread.sleep(sleep / 1_000_000, (int) (sleep % 1_000_000));
                    } else {
                        next = System.nanoTime();
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (SQLException e) {
            failure = e;
        }
    }

    Stats embeddingInserts() {
        return Stats.of(new ArrayList<>(embeddingLatencies));
    }

    int embeddingInsertCount() {
        return embeddingLatencies.size();
    }

    /** The embedding inserts timed after the first {@code from}. */
    List<Double> embeddingLatenciesSince(int from) {
        List<Double> all = new ArrayList<>(embeddingLatencies);
        return all.subList(Math.min(from, all.size()), all.size());
    }

    Stats eventInserts() {
        return Stats.of(new ArrayList<>(eventLatencies));
    }

    int writes() {
        return embeddingLatencies.size() + eventLatencies.size();
    }

    @Override
    public void close() throws Exception {
        running.set(false);
        thread.join(120_000);
        if (failure != null) {
            throw failure;
        }
    }
}
