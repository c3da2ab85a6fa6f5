package io.ehe.design.pending;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ehe.cli.ExitCodes;
import io.ehe.cli.Main;
import io.ehe.testing.PostgresExtension;
import io.ehe.testing.TestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 28, 9: status showed "0 pending" for a target whose fill had not even started. A filling
 * target's rows so far are no backlog: status says it is filling and how far the fill's plan has
 * walked (or that no plan covers it yet), in text and JSON; once ready, its pending rows.
 */
@ExtendWith(PostgresExtension.class)
class FillingTargetStatusTest {

    private static final Pattern TARGET_LINE = Pattern.compile("(?m)^  m3\\s+(\\S+)\\s+(.*)$");

    @Test
    void aFillingTargetShowsItsFillProgressNotZeroPending() throws Exception {
        TestDatabase db = AppSchema.installed("op_filling_status", "m1");
        AppSchema.fill(db, 7, 3000, "m1");
        assertThat(AppSchema.cli(db, "targets", "add", "m3", "--new-model")).isZero();

        String before = status(db, false).output();
        assertThat(m3(before)).as(before).startsWith("filling fill not started for it: the next backfill walks every event (0 rows so far)");
        assertThat(before).doesNotContainPattern("(?m)^  m3 .* 0 pending$");
        JsonNode t = target(status(db, true).output());
        assertThat(t.path("state").asText()).isEqualTo("filling");
        assertThat(t.path("pending").isNull()).as("pending while filling: " + t).isTrue();
        assertThat(t.path("rowsSoFar").asLong()).isZero();
        assertThat(t.path("fillPercent").isNull()).as(t.toString()).isTrue();

        // Interrupted half way: a plan covers m3 and has walked part of the events.
        assertThat(AppSchema.cli(db, "backfill", "--batch-size", "200", "--max-rows", "1200")).isEqualTo(ExitCodes.INTERRUPTED);
        Run half = status(db, false);
        assertThat(half.exit()).isEqualTo(ExitCodes.NOT_READY);
        Matcher m = Pattern.compile("filling fill (\\d+\\.\\d)% of the events walked \\(([\\d,]+) rows so far; its backlog is known once ready\\)")
                .matcher(m3(half.output()));
        assertThat(m.find()).as(half.output()).isTrue();
        double percent = Double.parseDouble(m.group(1));
        long soFar = Long.parseLong(m.group(2).replace(",", ""));
        assertThat(percent).isBetween(1.0, 99.0);
        assertThat(soFar).isEqualTo(db.queryLong("SELECT count(*) FROM event_embedding_pending WHERE model = 'm3'")).isPositive();
        JsonNode j = target(status(db, true).output());
        assertThat(j.path("pending").isNull()).isTrue();
        assertThat(j.path("fillPercent").asDouble()).isBetween(1.0, 99.0);
        assertThat(j.path("rowsSoFar").asLong()).isEqualTo(soFar);

        assertThat(AppSchema.cli(db, "backfill")).isZero();
        Run ready = status(db, false);
        assertThat(ready.exit()).as(ready.output()).isZero();
        long pending = db.queryLong("SELECT count(*) FROM event_embedding_pending WHERE model = 'm3'");
        assertThat(m3(ready.output())).isEqualTo(String.format(java.util.Locale.ROOT, "ready %,d pending", pending));
        JsonNode r = target(status(db, true).output());
        assertThat(r.path("pending").asLong()).isEqualTo(pending);
        assertThat(r.path("rowsSoFar").isNull()).isTrue();
        assertThat(r.path("fillPercent").isNull()).isTrue();
    }

    private static String m3(String status) {
        Matcher m = TARGET_LINE.matcher(status);
        assertThat(m.find()).as(status).isTrue();
        return m.group(1) + " " + m.group(2);
    }

    private static JsonNode target(String json) throws Exception {
        for (JsonNode t : new ObjectMapper().readTree(json).path("targets")) {
            if (t.path("model").asText().equals("m3")) {
                return t;
            }
        }
        throw new AssertionError("no target m3 in " + json);
    }

    private static synchronized Run status(TestDatabase db, boolean json) {
        PrintStream old = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int exit;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8)) {
            System.setOut(o);
            exit = json ? Main.run("status", "--json", "--url=" + db.urlWithCredentials()) : Main.run("status", "--url=" + db.urlWithCredentials());
        } finally {
            System.setOut(old);
        }
        return new Run(exit, out.toString(StandardCharsets.UTF_8));
    }

    private record Run(int exit, String output) {
    }
}
