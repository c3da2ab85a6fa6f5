package io.ehe.backfill;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** The sizing arithmetic alone; the backfill tests show it at work on a real table. */
class BatchSizerTest {

    private static BatchSizer adaptive() {
        return new BatchSizer(BackfillSettings.defaults().withAdaptiveBatch(10_000, Duration.ofMillis(150)));
    }

    @Test
    void fixedSizeStaysUntilATimeoutHalvesIt() {
        BatchSizer s = new BatchSizer(BackfillSettings.defaults().withFixedBatchSize(500));
        assertThat(s.next()).isEqualTo(500);
        s.observe(500, Duration.ofSeconds(5));
        assertThat(s.next()).isEqualTo(500);
        s.onTimeout();
        assertThat(s.next()).isEqualTo(250);
    }

    @Test
    void adaptiveOpensWithATenthThenGrowsAtMostTwofold() {
        BatchSizer s = adaptive();
        assertThat(s.next()).isEqualTo(1_000);
        s.observe(1_000, Duration.ofMillis(50)); // 0.05 ms/row: 3,000 would fit, but at most double
        assertThat(s.next()).isEqualTo(2_000);
        s.observe(2_000, Duration.ofMillis(40)); // smoothed 0.035 ms/row: 4,285 would fit, capped at 4,000
        assertThat(s.next()).isEqualTo(4_000);
    }

    @Test
    void aSlowBatchShrinksTheNextAtOnce() {
        BatchSizer s = adaptive();
        s.observe(1_000, Duration.ofMillis(15));
        s.observe(2_000, Duration.ofMillis(30));
        s.observe(4_000, Duration.ofMillis(600)); // 0.15 ms/row now: judged by the worse of last and smoothed
        assertThat(s.next()).isEqualTo(1_000);
    }

    @Test
    void staysWithinAHundredthAndTenTimesTheBatchSize() {
        BatchSizer s = adaptive();
        s.observe(1_000, Duration.ofMinutes(1));
        assertThat(s.next()).isEqualTo(100);
        BatchSizer fast = adaptive();
        for (int i = 0; i < 20; i++) {
            fast.observe(fast.next(), Duration.ofMillis(1));
        }
        assertThat(fast.next()).isEqualTo(100_000);
    }
}
