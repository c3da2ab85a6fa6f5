package io.ehe.cli.logging;

import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.encoder.Encoder;
import ch.qos.logback.core.encoder.EncoderBase;
import io.ehe.db.Secrets;
import net.logstash.logback.composite.loggingevent.ThrowableClassNameJsonProvider;
import net.logstash.logback.composite.loggingevent.ThrowableMessageJsonProvider;
import net.logstash.logback.encoder.LogstashEncoder;
import net.logstash.logback.mask.MaskingJsonGeneratorDecorator;

import java.nio.charset.StandardCharsets;

/**
 * The one log encoder: a pattern line, or with {@code LOG_FORMAT=json} one JSON object per line. No
 * password reaches the output either way: the text line is passed through {@link Secrets#mask(String)}
 * whole, the JSON line value by value ({@link SecretValueMasker}).
 *
 * <p>JSON follows the Logstash convention (logstash-logback-encoder's defaults), the key set that
 * Loki, Elasticsearch/Filebeat and Cloud Logging read without configuration: {@code @timestamp}
 * (ISO-8601, UTC, milliseconds), {@code message} (formatted), {@code level}, {@code logger_name}, {@code thread_name},
 * and with an exception {@code stack_trace}, {@code throwable_class} and {@code throwable_message}.
 * A line's own fields are SLF4J 2 key-value pairs ({@code LOG.atInfo().addKeyValue(...)}), written as
 * top-level keys; the text pattern ignores them, so text lines read as they always did.
 */
public class MaskingEncoder extends EncoderBase<ILoggingEvent> {

    private String pattern = "%d{HH:mm:ss.SSS} %-5level %logger{0} - %msg%n";
    private Encoder<ILoggingEvent> delegate;
    private boolean json;

    public void setPattern(String pattern) {
        this.pattern = pattern;
    }

    @Override
    public void start() {
        json = LogFormat.json();
        delegate = json ? jsonEncoder() : textEncoder();
        super.start();
    }

    private Encoder<ILoggingEvent> textEncoder() {
        PatternLayoutEncoder text = new PatternLayoutEncoder();
        text.setContext(getContext());
        text.setPattern(pattern);
        text.setCharset(StandardCharsets.UTF_8);
        text.start();
        return text;
    }

    private Encoder<ILoggingEvent> jsonEncoder() {
        LogstashEncoder encoder = new LogstashEncoder();
        encoder.setContext(getContext());
        // One zone for every replica, whatever the container's TZ says.
        encoder.setTimeZone("UTC");
        encoder.setTimestampPattern("yyyy-MM-dd'T'HH:mm:ss.SSSXXX");
        // No Jackson module is wanted; skipping the class-path scan keeps start-up short.
        encoder.setFindAndRegisterJacksonModules(false);
        ThrowableClassNameJsonProvider throwableClass = new ThrowableClassNameJsonProvider();
        throwableClass.setUseSimpleClassName(false);
        encoder.addProvider(throwableClass);
        encoder.addProvider(new ThrowableMessageJsonProvider());
        MaskingJsonGeneratorDecorator masking = new MaskingJsonGeneratorDecorator();
        masking.addValueMasker(new SecretValueMasker());
        masking.start();
        encoder.setJsonGeneratorDecorator(masking);
        encoder.start();
        return encoder;
    }

    @Override
    public byte[] headerBytes() {
        return null;
    }

    @Override
    public byte[] encode(ILoggingEvent event) {
        byte[] raw = delegate.encode(event);
        if (raw == null || json) {
            return raw;
        }
        return Secrets.mask(new String(raw, StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public byte[] footerBytes() {
        return null;
    }

    @Override
    public void stop() {
        if (delegate != null) {
            delegate.stop();
        }
        super.stop();
    }
}
