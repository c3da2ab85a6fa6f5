package io.ehe.bench;

import io.ehe.bench.SchedulerQueries.Question;
import io.ehe.bench.SchedulerQueries.Variant;
import io.ehe.testing.TestDatabase;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * The scheduler's questions on one backlog shape, every variant side by side: the anti-join and the
 * rewrite on the database without a design, the column and pending-table forms on theirs (each holds
 * the same events and the same pending set). Server execution time, interleaved round by round (the
 * order of the variants flips every round, so none always runs on the cache another one warmed), and
 * each variant's time paired with the anti-join of the same round.
 */
final class DesignQueryBench {

    /** One shape's figures; ratios are anti-join time over the variant's, per round. */
    record ShapeResult(BacklogShape shape, Map<Question, Map<Variant, Stats>> times, Map<Question, Map<Variant, Paired>> speedup,
                       Map<Question, Map<Variant, String>> plans, Map<Question, Boolean> agree, long bigPending, long smallPending,
                       double[] tenthShares, int rounds) {

        /** The variant's time; the rewrite's count is the anti-join's (see {@link SchedulerQueries}). */
        Stats time(Question q, Variant v) {
            Stats s = times.get(q).get(v);
            return s != null ? s : times.get(q).get(Variant.ANTI_JOIN);
        }

        Paired speedup(Question q, Variant v) {
            Paired p = speedup.get(q).get(v);
            return p != null ? p : new Paired(0, 1, 1, 1);
        }
    }

    private DesignQueryBench() {
    }

    static ShapeResult run(BacklogShape shape, long maxId, TestDatabase none, TestDatabase column, TestDatabase pending, int repeats) throws Exception {
        Map<Variant, TestDatabase> dbs = new EnumMap<>(Variant.class);
        dbs.put(Variant.ANTI_JOIN, none);
        dbs.put(Variant.REWRITE, none);
        dbs.put(Variant.COLUMN, column);
        dbs.put(Variant.PENDING_TABLE, pending);
        Map<Variant, Connection> conns = new EnumMap<>(Variant.class);
        try {
            for (Map.Entry<Variant, TestDatabase> e : dbs.entrySet()) {
                conns.put(e.getKey(), e.getValue().open());
            }
            Map<Question, Map<Variant, List<Double>>> samples = new EnumMap<>(Question.class);
            for (Question q : Question.values()) {
                samples.put(q, new EnumMap<>(Variant.class));
            }
            List<Variant> order = new ArrayList<>(List.of(Variant.values()));
            for (int round = 0; round < repeats + 2; round++) {
                boolean warmup = round < 2;
                for (Question q : Question.values()) {
                    for (Variant v : order) {
                        String sql = SchedulerQueries.sql(q, v);
                        if (sql == null) {
                            continue;
                        }
                        double ms;
                        try (Statement st = conns.get(v).createStatement()) {
                            ms = ServerTime.executionMillis(st, sql);
                        }
                        if (!warmup) {
                            samples.get(q).computeIfAbsent(v, k -> new ArrayList<>()).add(ms);
                        }
                    }
                }
                java.util.Collections.reverse(order);
            }
            Map<Question, Map<Variant, Stats>> times = new EnumMap<>(Question.class);
            Map<Question, Map<Variant, Paired>> speedup = new EnumMap<>(Question.class);
            Map<Question, Map<Variant, String>> plans = new EnumMap<>(Question.class);
            Map<Question, Boolean> agree = new EnumMap<>(Question.class);
            for (Question q : Question.values()) {
                Map<Variant, List<Double>> s = samples.get(q);
                List<Double> anti = s.get(Variant.ANTI_JOIN);
                Map<Variant, Stats> t = new EnumMap<>(Variant.class);
                Map<Variant, Paired> r = new EnumMap<>(Variant.class);
                Map<Variant, String> p = new EnumMap<>(Variant.class);
                List<String> firstRows = null;
                boolean same = true;
                for (Variant v : Variant.values()) {
                    String sql = SchedulerQueries.sql(q, v);
                    if (sql == null) {
                        continue;
                    }
                    t.put(v, Stats.of(s.get(v)));
                    r.put(v, Paired.of(anti, s.get(v)));
                    try (Statement st = conns.get(v).createStatement()) {
                        p.put(v, ServerTime.plan(st, sql));
                        List<String> rows = rows(st, sql);
                        if (firstRows == null) {
                            firstRows = rows;
                        } else if (!firstRows.equals(rows)) {
                            same = false;
                            Bench.say("  WARNING: " + v.label + " answers '" + q.label + "' differently from the anti-join on the " + shape.label + " shape");
                        }
                    }
                }
                times.put(q, t);
                speedup.put(q, r);
                plans.put(q, p);
                agree.put(q, same);
            }
            return new ShapeResult(shape, times, speedup, plans, agree, DesignTemplate.pendingOf(none, DesignTemplate.BIG_ORG),
                    DesignTemplate.pendingOf(none, DesignTemplate.SMALL_ORG), BacklogShape.tenthShares(none, maxId), repeats);
        } finally {
            for (Connection c : conns.values()) {
                c.close();
            }
        }
    }

    private static List<String> rows(Statement st, String sql) throws Exception {
        List<String> out = new ArrayList<>();
        try (ResultSet rs = st.executeQuery(sql)) {
            int cols = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                StringBuilder row = new StringBuilder();
                for (int i = 1; i <= cols; i++) {
                    row.append(rs.getString(i)).append('|');
                }
                out.add(row.toString());
            }
        }
        return out;
    }
}
