package io.ehe.bench;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The app's two scheduler queries, every contender, one backlog: server execution time (EXPLAIN ANALYZE,
 * TIMING OFF) round by round, the contenders' order reversed every round, one warm-up round; each
 * contender's speed-up over the rewrite in the same round. Each contender may sit in its own database
 * (the pending table's triggers must not slow the others' data), so a round takes one connection per
 * contender.
 */
final class AppQueryRounds {

    /** One backlog's figures. {@code sameRows}: the newest-first contenders returned the same top organization, count and pick. */
    record Result(String org, Map<AppContender, Stats> discovery, Map<AppContender, Stats> pick,
                  Map<AppContender, Paired> discoveryVsRewrite, Map<AppContender, Paired> pickVsRewrite, boolean sameRows, String note,
                  Map<AppContender, String> plans) {
    }

    private AppQueryRounds() {
    }

    static Result run(Map<AppContender, Connection> connections, AppContender.Tables tables, String model, int repeats) throws Exception {
        List<AppContender> order = new ArrayList<>(connections.keySet());
        Connection any = connections.get(AppContender.REWRITE);
        String org;
        try (Statement st = any.createStatement(); ResultSet rs = st.executeQuery(AppContender.REWRITE.discovery(tables, model, any))) {
            org = rs.next() ? rs.getString(1) : "none";
        }
        // Same rows: the newest-first contenders against the rewrite; the oldest-first one against the rewrite walked oldest first.
        StringBuilder note = new StringBuilder();
        boolean same = true;
        String want = rows(any, AppContender.REWRITE.discovery(tables, model, any)) + " / " + rows(any, AppContender.REWRITE.pick(tables, model, org, any));
        String wantOldest = rows(any, AppContender.rewriteDiscovery(tables.question(), model, false)) + " / "
                + rows(any, AppContender.rewritePick(tables.question(), model, org, false));
        for (AppContender c : order) {
            Connection cc = connections.get(c);
            String got = rows(cc, c.discovery(tables, model, cc)) + " / " + rows(cc, c.pick(tables, model, org, cc));
            if (!got.equals(c.newestFirst ? want : wantOldest)) {
                same = false;
                note.append(c.label).append(" differs; ");
            }
        }
        Map<AppContender, List<Double>> d = new EnumMap<>(AppContender.class);
        Map<AppContender, List<Double>> p = new EnumMap<>(AppContender.class);
        order.forEach(c -> {
            d.put(c, new ArrayList<>());
            p.put(c, new ArrayList<>());
        });
        for (int round = 0; round <= repeats; round++) {
            List<AppContender> now = new ArrayList<>(order);
            if (round % 2 == 1) {
                java.util.Collections.reverse(now);
            }
            for (AppContender c : now) {
                Connection cc = connections.get(c);
                try (Statement st = cc.createStatement()) {
                    double a = ServerTime.executionMillis(st, c.discovery(tables, model, cc));
                    double b = ServerTime.executionMillis(st, c.pick(tables, model, org, cc));
                    if (round > 0) { // round 0 warms the cache
                        d.get(c).add(a);
                        p.get(c).add(b);
                    }
                }
            }
        }
        Map<AppContender, Stats> ds = new EnumMap<>(AppContender.class);
        Map<AppContender, Stats> ps = new EnumMap<>(AppContender.class);
        Map<AppContender, Paired> dr = new EnumMap<>(AppContender.class);
        Map<AppContender, Paired> pr = new EnumMap<>(AppContender.class);
        for (AppContender c : order) {
            ds.put(c, Stats.of(d.get(c)));
            ps.put(c, Stats.of(p.get(c)));
            dr.put(c, Paired.of(d.get(AppContender.REWRITE), d.get(c)));
            pr.put(c, Paired.of(p.get(AppContender.REWRITE), p.get(c)));
            Bench.say(String.format(Locale.ROOT, "    %s: discovery %s (%s), pick %s (%s)", c.label, ds.get(c).medianP95(), dr.get(c).text(),
                    ps.get(c).medianP95(), pr.get(c).text()));
        }
        if (!same) {
            Bench.say("    NOT the same rows: " + note);
        }
        Map<AppContender, String> plans = new EnumMap<>(AppContender.class);
        for (AppContender c : order) {
            Connection cc = connections.get(c);
            try (Statement st = cc.createStatement()) {
                plans.put(c, "-- discovery\n" + ServerTime.plan(st, c.discovery(tables, model, cc)) + "-- pick\n" + ServerTime.plan(st, c.pick(tables, model, org, cc)));
            }
        }
        if (System.getenv("BENCH_PLANS") != null) {
            plans.forEach((c, plan) -> System.out.println("=== " + c.label + "\n" + plan));
        }
        return new Result(org, ds, ps, dr, pr, same, note.toString(), plans);
    }

    /** The rows of a query as one string, order-insensitive (a pick's ids sorted). */
    private static String rows(Connection c, String sql) throws Exception {
        List<String> out = new ArrayList<>();
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            int n = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                StringBuilder row = new StringBuilder();
                for (int i = 1; i <= n; i++) {
                    row.append(rs.getString(i)).append(i < n ? "," : "");
                }
                out.add(row.toString());
            }
        }
        Set<String> unique = new HashSet<>(out);
        List<String> sorted = new ArrayList<>(unique);
        java.util.Collections.sort(sorted);
        return sorted.size() + ":" + String.join(";", sorted);
    }
}
