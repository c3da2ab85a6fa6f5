package io.ehe.bench;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The quick bench variant ({@link Bench#QUICK}, documented as under 5 minutes on 2 cores) keeps the work
 * queue's part short: its throughput points and churn were the full run's 20 s and 20 minutes before.
 */
class QuickVariantTest {

    @Test
    void theQuickVariantKeepsTheQueuePartToAboutAMinuteAndAHalf() {
        Map<String, String> quick = Bench.parse(Bench.QUICK.split(" "));
        Bench.QueueOptions q = Bench.QueueOptions.of(quick);
        assertThat(q.churnMinutes()).as("churn minutes").isLessThanOrEqualTo(1.0);
        assertThat(QueueBench.measuredMinutes(q.seconds(), q.churnMinutes())).as("queue part, minutes").isLessThanOrEqualTo(1.5);
        assertThat(quick.get("scale")).isEqualTo("0.1");
        // The full run keeps the 20-minute churn.
        Bench.QueueOptions full = Bench.QueueOptions.of(Bench.parse(new String[0]));
        assertThat(full.churnMinutes()).isEqualTo(20.0);
        // Issue 27's churn runs at scale 0.1, never above the run's own scale.
        assertThat(full.churnScale()).isEqualTo(0.1);
        assertThat(Bench.QueueOptions.of(Bench.parse("--scale 0.05".split(" "))).churnScale()).isEqualTo(0.05);
        assertThat(QueueBench.measuredMinutes(full.seconds(), full.churnMinutes())).isEqualTo(22.0);
    }
}
