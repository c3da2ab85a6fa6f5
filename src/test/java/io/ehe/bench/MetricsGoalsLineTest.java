package io.ehe.bench;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The metrics section's goals line says why a goal was missed (the guide: say plainly which goals a run
 * met and which it missed, and why): the exact count alone above the goal, or, when the count alone is
 * under it, what the rest of the scrape cost beside it, per round.
 */
class MetricsGoalsLineTest {

    private static Stats stats(double median, double p95) {
        return new Stats(200, median, p95, p95 * 1.1, p95 * 1.2);
    }

    private static String goals(MetricsBench.Row row) {
        String md = MetricsBench.markdown(new MetricsBench.Result("shape", List.of(row), 200), "test run");
        return md.lines().filter(l -> l.startsWith("Goals (a scrape's p95):")).findFirst().orElseThrow();
    }

    @Test
    void aMissWhoseCountAloneIsUnderTheGoalSaysWhatTheRestOfTheScrapeCost() {
        String line = goals(new MetricsBench.Row("pending-table", "recent", 26_000, 1_000, stats(5.4, 6.0), stats(1.8, 2.2),
                stats(7.2, 8.2), stats(2.7, 3.0), stats(4.4, 5.6), 5));
        assertThat(line).contains("8.2 ms (p99 9.0 ms, max 9.8 ms), goal <= 5.0 ms: missed (the exact count alone takes 3.0 ms at p95 here,"
                + " and the rest of the scrape, the scrape minus the count measured beside it in each round, 4.4 ms median / 5.6 ms p95)");
    }

    @Test
    void aMissWhoseCountAloneIsAboveTheGoalSaysSo() {
        String line = goals(new MetricsBench.Row("pending-table", "model swap", 1_088_242, 900, stats(55.8, 73.8), stats(1.5, 2.4),
                stats(57.3, 75.5), stats(51.4, 68.9), stats(5.9, 7.0), 50));
        assertThat(line).contains("goal <= 50.0 ms: missed (the exact count alone takes 68.9 ms at p95 here).");
        assertThat(line).doesNotContain("the rest of the scrape");
    }

    @Test
    void aMetGoalSaysMetAndNothingMore() {
        String line = goals(new MetricsBench.Row("column", "recent", 26_000, 0, stats(2.0, 2.5), stats(0.8, 1.0),
                stats(2.8, 3.5), stats(1.5, 1.9), stats(1.3, 1.6), 5));
        assertThat(line).endsWith("goal <= 5.0 ms: met.");
    }
}
