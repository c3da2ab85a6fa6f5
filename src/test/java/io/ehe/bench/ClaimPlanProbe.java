package io.ehe.bench;

import io.ehe.testing.TestDatabase;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Where ehe_queue_claim spends its time (issue 27's missed claim latency goal): QueueBench's model-swap
 * database at the given scale, 8 workers claiming 100 pairs and writing them as the app does, and meanwhile
 * EXPLAIN (ANALYZE, BUFFERS) of the claim's discovery and pick statements, written as the function runs them
 * (custom plan: the model and the organization as constants, t a parameter-like now()), plus the client-timed
 * claim latency of the workers; then, quiet, 180's discovery and a rewrite of it timed alternately, and
 * auto_explain's statement-by-statement times of five claims. Not part of `make bench`; run by hand:
 * <pre>
 *   mvn -q test-compile exec:java -Dexec.classpathScope=test -Dexec.mainClass=io.ehe.bench.ClaimPlanProbe -Dexec.args="0.1 30"
 * </pre>
 * Arguments: scale (default 0.1), seconds of the 8-worker run (default 30).
 */
public final class ClaimPlanProbe {

    private ClaimPlanProbe() {
    }

    /** 180's discovery, as in ehe_queue_claim (model and newest as constants). */
    static final String DISCOVERY = """
            SELECT c.organization_id, count(*)
              FROM (SELECT p.organization_id FROM public.event_embedding_pending p
                     WHERE p.model = '%1$s'
                       AND NOT EXISTS (SELECT 1 FROM public.event_embedding_pending_claims q
                                        WHERE q.event_id = p.event_id AND q.model = p.model AND q.hidden_until > now()
                                          AND (q.state = 'claimed' OR q.pending_xmin = p.xmin)
                                        OFFSET 0)
                     ORDER BY p.created_at DESC, p.event_id DESC
                     LIMIT 5000) c
             GROUP BY c.organization_id
             ORDER BY count(*) DESC, c.organization_id
             LIMIT 1""";

    /**
     * A rewrite of the discovery that was measured and not shipped (docs/scheduler-on-claims.md): the newest
     * 6,024 pending pairs by an index-only scan, the claim rows of exactly those pairs by one scan of the
     * claims table's key (event_id = ANY), the hidden ones filtered by a hashed NOT IN. The same answer as
     * 180's while fewer than 1,024 of the window are hidden; no faster on the shared machine.
     */
    static final String DISCOVERY_WINDOWED = """
            WITH w AS MATERIALIZED (
                     SELECT p.event_id, p.organization_id, p.created_at
                       FROM public.event_embedding_pending p
                      WHERE p.model = '%1$s'
                      ORDER BY p.created_at DESC, p.event_id DESC
                      LIMIT 6024),
                 h AS MATERIALIZED (
                     SELECT q.event_id
                       FROM public.event_embedding_pending_claims q
                      WHERE q.event_id = ANY (ARRAY(SELECT w.event_id FROM w)) AND q.model = '%1$s' AND q.hidden_until > now()
                        AND (q.state = 'claimed' OR q.pending_xmin = (SELECT p.xmin FROM public.event_embedding_pending p
                                                                       WHERE p.event_id = q.event_id AND p.model = q.model))),
                 c AS (
                     SELECT w.organization_id FROM w
                      WHERE w.event_id NOT IN (SELECT h.event_id FROM h)
                      ORDER BY w.created_at DESC, w.event_id DESC
                      LIMIT 5000)
            SELECT c.organization_id, count(*), sum(count(*)) OVER (), (SELECT count(*) FROM w)
              FROM c GROUP BY c.organization_id ORDER BY count(*) DESC, c.organization_id LIMIT 1""";




    /** 180's pick of one organization's candidates, without the try-lock (EXPLAIN must not take advisory locks). */
    static final String PICK = """
            SELECT p.event_id FROM public.event_embedding_pending p
             WHERE p.model = '%1$s' AND p.organization_id = '%2$s'
               AND NOT EXISTS (SELECT 1 FROM public.event_embedding_pending_claims q
                                WHERE q.event_id = p.event_id AND q.model = p.model AND q.hidden_until > now()
                                  AND (q.state = 'claimed' OR q.pending_xmin = p.xmin)
                                OFFSET 0)
             ORDER BY p.created_at DESC, p.event_id DESC
             LIMIT 100""";

    public static void main(String[] args) throws Exception {
        double scale = args.length > 0 ? Double.parseDouble(args[0]) : 0.1;
        double seconds = args.length > 1 ? Double.parseDouble(args[1]) : 30;
        int events = (int) Math.round(1_150_000 * scale);
        String model = QueueBench.NEW_MODEL;
        try (BenchServer server = BenchServer.start()) {
            TestDatabase db = QueueBench.prepareOn(server, events);
            Bench.say("probe: backlog " + db.queryLong("SELECT count(*) FROM public.event_embedding_pending WHERE model = '" + model + "'")
                    + " pairs; 8 workers for " + seconds + " s; the machine is shared with other jobs");
            AtomicBoolean stop = new AtomicBoolean(false);
            List<Double> latencies = Collections.synchronizedList(new ArrayList<>());
            List<Thread> threads = new ArrayList<>();
            for (int w = 0; w < 8; w++) {
                Thread t = new Thread(() -> {
                    try (Connection c = db.open()) {
                        while (!stop.get()) {
                            long t0 = System.nanoTime();
                            List<Long> got = QueueBench.claim(c, model, 100, 300);
                            latencies.add((System.nanoTime() - t0) / 1e6);
                            for (long e : got) {
                                if (stop.get()) {
                                    break;
                                }
                                QueueBench.write(c, e, model, true);
                            }
                        }
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });
                t.start();
                threads.add(t);
            }
            long end = System.nanoTime() + (long) (seconds * 1e9);
            String lastDiscovery = null;
            String lastPick = null;
            String lastWindowed = null;
            List<String> times = new ArrayList<>();
            try (Connection c = db.open(); Statement st = c.createStatement()) {
                while (System.nanoTime() < end) {
                    Thread.sleep(3000);
                    lastDiscovery = explain(st, DISCOVERY.formatted(model));
                    lastWindowed = explain(st, DISCOVERY_WINDOWED.formatted(model));
                    String org;
                    try (ResultSet rs = st.executeQuery(DISCOVERY.formatted(model))) {
                        org = rs.next() ? rs.getString(1) : null;
                    }
                    lastPick = org == null ? "(nothing claimable)" : explain(st, PICK.formatted(model, org));
                    times.add(executionTime(lastDiscovery) + " + " + executionTime(lastPick) + " (rewrite " + executionTime(lastWindowed) + ")");
                }
            }
            stop.set(true);
            for (Thread t : threads) {
                t.join();
            }
            // Quiet phase: where one claim's time goes, statement by statement (auto_explain at NOTICE level,
            // read back as the statement's warnings), five claims in a row, as one worker would make them.
            try (Connection c = db.open(); Statement st = c.createStatement()) {
                Bench.say("probe: hidden claim rows now " + db.queryLong("SELECT count(*) FROM public.event_embedding_pending_claims WHERE hidden_until > now()")
                        + ", claim rows " + db.queryLong("SELECT count(*) FROM public.event_embedding_pending_claims"));
                List<Double> a = new ArrayList<>();
                List<Double> b = new ArrayList<>();
                for (int i = 0; i < 7; i++) {
                    a.add(Double.parseDouble(executionTime(explain(st, DISCOVERY.formatted(model)))));
                    b.add(Double.parseDouble(executionTime(explain(st, DISCOVERY_WINDOWED.formatted(model)))));
                }
                Bench.say("probe: quiet, alternating, ms: 180's discovery " + a + "; rewrite " + b);
                st.execute("LOAD 'auto_explain'");
                st.execute("SET auto_explain.log_min_duration = 0");
                st.execute("SET auto_explain.log_nested_statements = on");
                st.execute("SET auto_explain.log_analyze = on");
                st.execute("SET auto_explain.log_timing = on");
                st.execute("SET auto_explain.log_level = notice");
                st.execute("SET client_min_messages = notice");
                for (int i = 0; i < 5; i++) {
                    long t0 = System.nanoTime();
                    try (ResultSet rs = st.executeQuery("SELECT count(*) FROM public.ehe_queue_claim('" + model + "', 100, 300)")) {
                        rs.next();
                    }
                    double ms = (System.nanoTime() - t0) / 1e6;
                    StringBuilder lines = new StringBuilder();
                    for (java.sql.SQLWarning w = st.getWarnings(); w != null; w = w.getNextWarning()) {
                        String m = w.getMessage();
                        String first = m.lines().filter(l -> l.contains("duration:") || l.startsWith("Query Text:")).findFirst().orElse("");
                        String text = m.lines().filter(l -> l.startsWith("Query Text:")).findFirst().orElse("").replaceAll("\\s+", " ");
                        lines.append("    ").append(m.lines().findFirst().orElse("")).append(" | ")
                                .append(text.length() > 110 ? text.substring(0, 110) : text).append('\n');
                    }
                    st.clearWarnings();
                    Bench.say(String.format(Locale.ROOT, "probe: claim %d, %.1f ms client-timed:%n%s", i, ms, lines));
                }
            }
            Stats s = Stats.of(latencies);
            Bench.say(String.format(Locale.ROOT, "probe: %d claims by 8 workers: median %s, p95 %s (client-timed)", latencies.size(),
                    Stats.ms(s.median()), Stats.ms(s.p95())));
            Bench.say("probe: discovery + pick execution times (ms) while they ran: " + String.join(", ", times));
            Bench.say("probe: the last discovery plan:\n" + lastDiscovery);
            Bench.say("probe: the last pick plan:\n" + lastPick);
            Bench.say("probe: the last rewrite plan:\n" + lastWindowed);
            server.drop("queue_on");
            server.drop("queue_template");
        }
    }

    private static String explain(Statement st, String sql) throws Exception {
        StringBuilder out = new StringBuilder();
        try (ResultSet rs = st.executeQuery("EXPLAIN (ANALYZE, BUFFERS) " + sql)) {
            while (rs.next()) {
                out.append(rs.getString(1)).append('\n');
            }
        }
        return out.toString();
    }

    private static String executionTime(String plan) {
        for (String line : plan.split("\n")) {
            if (line.startsWith("Execution Time: ")) {
                return line.substring("Execution Time: ".length()).replace(" ms", "");
            }
        }
        return "?";
    }
}
