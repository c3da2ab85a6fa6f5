package io.ehe.cli.logging;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ehe.cli.ExitCodes;
import io.ehe.testing.DataSet;
import io.ehe.testing.Migrations;
import io.ehe.testing.PostgresExtension;
import io.ehe.testing.ShippedCli;
import io.ehe.testing.TestDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * The shipped command line with LOG_FORMAT=json, as the chart runs it: every stderr line must parse as
 * one JSON object with the keys log collectors read, whatever happens (a failure, a lock retry, a
 * backfill), and the password of the URL must appear in no line. The URL's role is one of this test's
 * own, with a password that appears nowhere else.
 */
@ExtendWith(PostgresExtension.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class JsonLogsIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PASSWORD = "Zq9-json-logs-pw";
    private static final int EVENTS = 20_000;
    private static final Map<String, String> JSON_MODE = Map.of("LOG_FORMAT", "json");
    /** Every line every run printed, for the password check. */
    private static final List<String> PRINTED = new ArrayList<>();

    private static String role;
    private static String url;

    @BeforeAll
    static void database(TestDatabase db) {
        Migrations.baselineOnly(db);
        DataSet.ofSize(EVENTS).load(db);
        role = "json_logs_" + ProcessHandle.current().pid();
        // Superuser: migrate alters tables the fixture's user owns.
        db.execute("CREATE ROLE " + role + " LOGIN SUPERUSER PASSWORD '" + PASSWORD + "'");
        url = db.url().jdbcUrl().replaceFirst("^jdbc:postgresql://", "postgresql://" + role + ":" + PASSWORD + "@");
        System.err.println("[json logs] the command line runs as " + ShippedCli.form());
    }

    @AfterAll
    static void dropRole(TestDatabase db) {
        db.execute("REASSIGN OWNED BY " + role + " TO CURRENT_USER", "DROP OWNED BY " + role, "DROP ROLE " + role);
    }

    @Test
    @Order(1)
    void anErrorIsOneJsonLineWithItsExceptionClassMessageAndStack() throws Exception {
        // Before migrate: the backfill finds neither design installed.
        ShippedCli.Result r = run("backfill", "--url", url);

        assertThat(r.exit()).as(r.toString()).isEqualTo(ExitCodes.WRONG_DESIGN);
        JsonNode error = single(jsonLines(r), "ERROR");
        assertThat(error.path("message").asText()).startsWith("error: ").contains("run 'migrate' first");
        assertThat(error.path("logger_name").asText()).isEqualTo("io.ehe.cli.Main");
        assertThat(error.path("throwable_class").asText()).isEqualTo("io.ehe.design.DesignNotInstalledException");
        assertThat(error.path("throwable_message").asText()).contains("run 'migrate' first");
        assertThat(error.path("stack_trace").asText())
                .startsWith("io.ehe.design.DesignNotInstalledException: neither design is installed")
                .contains("\tat io.ehe.design.select.DesignChoice.");
    }

    @Test
    @Order(2)
    void aLockRetryNamesTheBlockingPidInItsMessage(TestDatabase db) throws Exception {
        ShippedCli.Result r;
        int blockerPid;
        try (Connection blocker = db.open()) {
            blocker.setAutoCommit(false);
            blockerPid = pid(blocker);
            // The blocker's query holds the password (as a dblink connection string would): no line quotes a
            // blocker's query text (issue 28), so neither it nor the password may reach the output.
            try (Statement st = blocker.createStatement()) {
                st.executeQuery("SELECT id, 'dbname=app password=" + PASSWORD + "' AS conninfo FROM public.events WHERE id = 1 FOR UPDATE")
                        .close();
            }
            r = run("migrate", "--url", url, "--lock-timeout", "1s", "--max-attempts", "2", "--retry-backoff", "200ms");
            blocker.rollback();
        }

        assertThat(r.exit()).as(r.toString()).isEqualTo(ExitCodes.LOCK_NOT_GRANTED);
        List<JsonNode> lines = jsonLines(r);
        JsonNode retry = single(lines, "WARN");
        assertThat(retry.path("logger_name").asText()).isEqualTo("io.ehe.migration.LockRetry");
        assertThat(retry.path("message").asText()).contains("lock not granted within lock_timeout 1s (attempt 1/2)")
                .contains("pid " + blockerPid).contains("retrying in").doesNotContain("conninfo").doesNotContain(PASSWORD);
        JsonNode error = single(lines, "ERROR");
        assertThat(error.path("message").asText()).startsWith("error: ").contains("after 2 attempts").contains("pid " + blockerPid);
        assertThat(error.path("throwable_class").asText()).isEqualTo("io.ehe.migration.LockNotGrantedException");
        assertThat(error.path("stack_trace").asText()).contains("Caused by: org.postgresql.util.PSQLException");
    }

    @Test
    @Order(3)
    void backfillProgressAndSummaryCarryTheirNumbersAsFields() throws Exception {
        // The same --lock-timeout as the refused run: the changeSets' checksums include it.
        ShippedCli.Result migrate = run("migrate", "--url", url, "--lock-timeout", "1s");
        assertThat(migrate.exit()).as(migrate.toString()).isZero();
        jsonLines(migrate);

        // 40 batches of 500 with a 100 ms pause: several progress lines at the 1 s interval.
        ShippedCli.Result r = run("backfill", "--url", url, "--batch-size", "500", "--sleep", "100ms", "--progress-interval", "1s");

        assertThat(r.exit()).as(r.toString()).isZero();
        List<JsonNode> lines = jsonLines(r);
        List<JsonNode> progress = lines.stream().filter(l -> l.path("log_event").asText().equals("backfill_progress")).toList();
        assertThat(progress).as(r.err()).hasSizeGreaterThanOrEqualTo(3);
        long lastWalked = -1;
        long lastLeft = Long.MAX_VALUE;
        for (JsonNode p : progress) {
            assertThat(p.path("message").asText()).startsWith("backfill 0/1: ").contains(" rows walked ");
            assertThat(p.path("logger_name").asText()).isEqualTo("backfill");
            for (String key : List.of("rows_walked", "rows_true", "rows_false", "rows_left_estimate", "rows_per_second",
                    "batch_size", "shard_index", "shard_count")) {
                assertThat(p.path(key).isIntegralNumber()).as(key + " in " + p).isTrue();
            }
            assertThat(p.path("shard").asText()).isEqualTo("0/1");
            assertThat(p.path("batch_size").asInt()).isEqualTo(500);
            // Never back; equal only when the walk's last periodic line and its closing line coincide.
            assertThat(p.path("rows_walked").asLong()).as("rows_walked grows").isGreaterThanOrEqualTo(lastWalked);
            assertThat(p.path("rows_left_estimate").asLong()).as("rows_left_estimate shrinks").isLessThanOrEqualTo(lastLeft);
            assertThat(p.path("rows_true").asLong() + p.path("rows_false").asLong()).isLessThanOrEqualTo(p.path("rows_walked").asLong());
            lastWalked = p.path("rows_walked").asLong();
            lastLeft = p.path("rows_left_estimate").asLong();
        }
        JsonNode last = progress.get(progress.size() - 1);
        assertThat(progress.stream().mapToLong(p -> p.path("rows_walked").asLong()).distinct().count())
                .as("distinct rows_walked values").isGreaterThanOrEqualTo(3);
        assertThat(last.path("rows_walked").asLong()).isEqualTo(EVENTS);
        assertThat(last.path("rows_left_estimate").asLong()).isZero();
        assertThat(progress.get(0).path("rows_per_second").asLong()).isPositive();
        assertThat(progress.get(0).path("eta_ms").isIntegralNumber()).isTrue();

        JsonNode summary = lines.stream().filter(l -> l.path("log_event").asText().equals("backfill_summary")).findFirst()
                .orElseThrow(() -> new AssertionError("no summary line in\n" + r.err()));
        assertThat(summary.path("status").asText()).isEqualTo("complete");
        assertThat(summary.path("rows_scanned").asLong()).isEqualTo(EVENTS);
        assertThat(summary.path("batches").asLong()).isGreaterThanOrEqualTo(EVENTS / 500);
        assertThat(summary.path("all_shards_done").isBoolean()).isTrue();
        // The same values as the stdout summary line, key by key.
        Map<String, String> stdout = keyValues(r.out());
        assertThat(stdout).hasSize(14);
        stdout.forEach((key, value) -> assertThat(summary.path(key).asText()).as(key).isEqualTo(value));
    }

    @Test
    @Order(4)
    void thePasswordOfTheUrlAppearsInNoLine() throws Exception {
        // An error about a malformed URL describes its shape and quotes nothing of it (issue 17).
        String badPort = url.replaceFirst(":(\\d+)/", ":99999/");
        ShippedCli.Result r = run("status", "--url", badPort);
        assertThat(r.exit()).as(r.toString()).isEqualTo(ExitCodes.USAGE);
        JsonNode error = single(jsonLines(r), "ERROR");
        assertThat(error.path("message").asText()).contains("invalid port").doesNotContain(role).doesNotContain("99999");

        assertThat(PRINTED).hasSizeGreaterThan(10);
        assertThat(PRINTED).noneMatch(line -> line.contains(PASSWORD));
    }

    private static ShippedCli.Result run(String... args) throws Exception {
        ShippedCli.Result r = ShippedCli.run(JSON_MODE, Duration.ofMinutes(2), args);
        PRINTED.addAll(r.errLines());
        PRINTED.addAll(List.of(r.out().split("\\R")));
        return r;
    }

    /** Every stderr line (there may be none), each parsed as one JSON object with the keys every line has. */
    private static List<JsonNode> jsonLines(ShippedCli.Result r) {
        List<JsonNode> nodes = new ArrayList<>();
        for (String line : r.errLines()) {
            JsonNode node;
            try {
                node = JSON.readTree(line);
            } catch (Exception e) {
                return fail("not a JSON line: " + line + "\n" + r, e);
            }
            assertThat(node.isObject()).as(line).isTrue();
            assertThat(OffsetDateTime.parse(node.path("@timestamp").asText())).as(line).isNotNull();
            assertThat(node.path("message").isTextual()).as(line).isTrue();
            assertThat(node.path("level").asText()).as(line).isIn("ERROR", "WARN", "INFO", "DEBUG", "TRACE");
            assertThat(node.path("logger_name").asText()).as(line).isNotEmpty();
            assertThat(node.path("thread_name").asText()).as(line).isNotEmpty();
            nodes.add(node);
        }
        return nodes;
    }

    /** The one line of this level from this program's own loggers (Liquibase's are left aside). */
    private static JsonNode single(List<JsonNode> lines, String level) {
        List<JsonNode> at = lines.stream().filter(l -> l.path("level").asText().equals(level))
                .filter(l -> !l.path("logger_name").asText().startsWith("liquibase")).toList();
        assertThat(at).as(level + " lines in " + lines).hasSize(1);
        return at.get(0);
    }

    /** The key=value pairs of the stdout summary line. */
    private static Map<String, String> keyValues(String out) {
        Matcher line = Pattern.compile("(?m)^backfill summary: (.*)$").matcher(out);
        assertThat(line.find()).as(out).isTrue();
        Map<String, String> values = new LinkedHashMap<>();
        Matcher pair = Pattern.compile("(\\w+)=(\\S+)").matcher(line.group(1));
        while (pair.find()) {
            values.put(pair.group(1), pair.group(2));
        }
        return values;
    }

    private static int pid(Connection c) throws Exception {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT pg_backend_pid()")) {
            rs.next();
            return rs.getInt(1);
        }
    }
}
