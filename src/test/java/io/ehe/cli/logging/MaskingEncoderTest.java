package io.ehe.cli.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ehe.db.Secrets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.slf4j.event.KeyValuePair;

import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;

import static org.assertj.core.api.Assertions.assertThat;

/** The encoder on hand-made events, in both formats (the shipped jar's output: JsonLogsIT). */
class MaskingEncoderTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    // The running context: events need its MDC adapter.
    private final LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    private final Logger logger = context.getLogger("backfill");

    @AfterEach
    void textAgain() {
        System.clearProperty("LOG_FORMAT");
    }

    @Test
    void jsonLineCarriesTheFormattedMessageLevelLoggerTimestampAndKeyValueFields() throws Exception {
        LoggingEvent event = event(Level.INFO, "backfill {}: {} rows walked", null, "0/1", 42);
        event.addKeyValuePair(new KeyValuePair("rows_walked", 42L));
        event.addKeyValuePair(new KeyValuePair("shard", "0/1"));

        String line = encode(json(), event);

        assertThat(line).endsWith("}\n").doesNotContain("\n{");
        JsonNode node = JSON.readTree(line);
        assertThat(node.path("message").asText()).isEqualTo("backfill 0/1: 42 rows walked");
        assertThat(node.path("level").asText()).isEqualTo("INFO");
        assertThat(node.path("logger_name").asText()).isEqualTo("backfill");
        assertThat(node.path("thread_name").asText()).isNotEmpty();
        assertThat(OffsetDateTime.parse(node.path("@timestamp").asText()).toInstant().toEpochMilli())
                .isEqualTo(event.getTimeStamp());
        assertThat(node.path("rows_walked").isIntegralNumber()).isTrue();
        assertThat(node.path("rows_walked").asLong()).isEqualTo(42);
        assertThat(node.path("shard").asText()).isEqualTo("0/1");
        assertThat(node.has("stack_trace")).isFalse();
    }

    @Test
    void jsonLineCarriesTheExceptionClassMessageAndStack() throws Exception {
        Exception failure = new IllegalStateException("the outer failure", new java.sql.SQLException("the cause"));
        String line = encode(json(), event(Level.ERROR, "error: it failed", failure));

        JsonNode node = JSON.readTree(line);
        assertThat(node.path("level").asText()).isEqualTo("ERROR");
        assertThat(node.path("throwable_class").asText()).isEqualTo("java.lang.IllegalStateException");
        assertThat(node.path("throwable_message").asText()).isEqualTo("the outer failure");
        assertThat(node.path("stack_trace").asText())
                .startsWith("java.lang.IllegalStateException: the outer failure")
                .contains("\tat io.ehe.cli.logging.MaskingEncoderTest.")
                .contains("Caused by: java.sql.SQLException: the cause");
    }

    @Test
    void everyJsonValueIsMaskedBeforeEscapingSoQuotedSecretsDoNotSlipThrough() throws Exception {
        // A quote and a backslash: the line carries them escaped (\" and \\), so masking the finished
        // line, as the old encoder did, would not find this password.
        String secret = "Zq9\"enc\\oder-pw";
        Secrets.register(secret);
        Exception failure = new IllegalStateException("login with " + secret + " failed for postgres://app:inline-pw@db/x");
        LoggingEvent event = event(Level.ERROR, "connect {} failed", failure, "postgres://app:" + secret + "@db/x");
        event.addKeyValuePair(new KeyValuePair("url", "jdbc:postgresql://db/x?password=param-pw"));
        event.addKeyValuePair(new KeyValuePair("note", "said " + secret));

        String line = encode(json(), event);

        assertThat(line).doesNotContain(secret, JSON.writeValueAsString(secret).replaceAll("^\"|\"$", ""),
                "Zq9", "inline-pw", "param-pw");
        JsonNode node = JSON.readTree(line);
        assertThat(node.path("message").asText()).isEqualTo("connect postgres://app:****@db/x failed");
        assertThat(node.path("url").asText()).isEqualTo("jdbc:postgresql://db/x?password=****");
        assertThat(node.path("note").asText()).isEqualTo("said ****");
        assertThat(node.path("throwable_message").asText()).isEqualTo("login with **** failed for postgres://app:****@db/x");
        assertThat(node.path("stack_trace").asText()).startsWith("java.lang.IllegalStateException: login with **** failed");
    }

    @Test
    void textLineIsThePatternWithoutFieldsAndMasked() {
        Secrets.register("Zq9-text-pw");
        // "token", not "pw": the registry is process-wide and other tests of this JVM log in with the
        // password "pw" (LeastPrivilegeTest), which then masks that word in every later line.
        LoggingEvent event = event(Level.INFO, "backfill 0/1: 7 rows walked, token Zq9-text-pw", null);
        event.addKeyValuePair(new KeyValuePair("rows_walked", 7L));
        MaskingEncoder text = new MaskingEncoder();
        text.setContext(context);
        text.setPattern("%-5level %logger{0} - %msg%n");
        text.start();

        assertThat(encode(text, event)).isEqualTo("INFO  backfill - backfill 0/1: 7 rows walked, token ****\n");
    }

    private MaskingEncoder json() {
        System.setProperty("LOG_FORMAT", "json");
        MaskingEncoder encoder = new MaskingEncoder();
        encoder.setContext(context);
        encoder.start();
        return encoder;
    }

    private LoggingEvent event(Level level, String message, Throwable failure, Object... args) {
        return new LoggingEvent(Logger.class.getName(), logger, level, message, failure, args.length == 0 ? null : args);
    }

    private static String encode(MaskingEncoder encoder, LoggingEvent event) {
        return new String(encoder.encode(event), StandardCharsets.UTF_8);
    }
}
