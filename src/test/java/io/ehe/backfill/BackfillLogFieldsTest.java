package io.ehe.backfill;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** The fields that JSON lines carry say what the text lines say (JsonLogsIT runs them for real). */
class BackfillLogFieldsTest {

    @Test
    void summaryFieldsRepeatEveryKeyOfTheSummaryLineWithTheSameValue() {
        BackfillSummary s = new BackfillSummary(BackfillSummary.Status.MAX_ROWS, new Shard(2, 4), 11, 12, 13, 14, 15, 16, 17,
                Duration.ofMillis(1800), List.of(Duration.ofMillis(40), Duration.ofMillis(90)), 500, false, false);

        Map<String, String> fromLine = new LinkedHashMap<>();
        Matcher m = Pattern.compile("(\\w+)=(\\S+)").matcher(s.line());
        while (m.find()) {
            fromLine.put(m.group(1), m.group(2));
        }
        Map<String, Object> fields = s.fields();

        assertThat(fromLine).hasSize(14);
        fromLine.forEach((key, value) -> assertThat(String.valueOf(fields.get(key))).as(key).isEqualTo(value));
        assertThat(fields).containsEntry("log_event", "backfill_summary").containsEntry("shard_index", 2).containsEntry("shard_count", 4)
                .containsEntry("wall_ms", 1800L).containsEntry("p99_lock_ms", 90L).containsEntry("all_shards_done", false);
    }

    @Test
    void progressFieldsAreTheLinesNumbersUnformatted() {
        ProgressSnapshot p = new ProgressSnapshot(new Shard(0, 1), 120_000, 110_000, 10_000, 30_000, 45_000.4,
                Duration.ofMillis(667), 20_000);

        assertThat(p.line()).isEqualTo("backfill 0/1: 120,000 rows walked (110,000 set true, 10,000 set false), ~30,000 left,"
                + " 45,000 rows/s, ETA 667ms, batch 20,000");
        assertThat(p.fields()).containsExactly(Map.entry("log_event", "backfill_progress"), Map.entry("shard", "0/1"),
                Map.entry("shard_index", 0), Map.entry("shard_count", 1), Map.entry("rows_walked", 120_000L),
                Map.entry("rows_true", 110_000L), Map.entry("rows_false", 10_000L), Map.entry("rows_left_estimate", 30_000L),
                Map.entry("rows_per_second", 45_000L), Map.entry("eta_ms", 667L), Map.entry("batch_size", 20_000));
    }

    @Test
    void progressWithoutARateHasNoEta() {
        ProgressSnapshot p = new ProgressSnapshot(new Shard(0, 1), 0, 0, 0, 5, 0, null, 100);

        assertThat(p.fields()).doesNotContainKey("eta_ms").containsEntry("rows_per_second", 0L);
    }
}
