package io.ehe.cli.logging;

import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.encoder.Encoder;
import ch.qos.logback.core.encoder.EncoderBase;
import io.ehe.db.Secrets;

import java.nio.charset.StandardCharsets;

/**
 * The one log encoder: a pattern line, or with {@code LOG_FORMAT=json} logback's JSON line, and in
 * both cases the finished bytes are passed through {@link Secrets#mask(String)} so that a password
 * that slipped into a message or an exception text never reaches the output.
 */
public class MaskingEncoder extends EncoderBase<ILoggingEvent> {

    private String pattern = "%d{HH:mm:ss.SSS} %-5level %logger{0} - %msg%n";
    private Encoder<ILoggingEvent> delegate;

    public void setPattern(String pattern) {
        this.pattern = pattern;
    }

    static boolean jsonWanted() {
        String format = System.getenv("LOG_FORMAT");
        if (format == null) {
            format = System.getProperty("LOG_FORMAT", "text");
        }
        return "json".equalsIgnoreCase(format.trim());
    }

    @Override
    public void start() {
        if (jsonWanted()) {
            JsonEncoder json = new JsonEncoder();
            json.setContext(getContext());
            json.setWithArguments(false);
            json.setWithMarkers(false);
            json.setWithContext(false);
            json.setWithSequenceNumber(false);
            json.setWithNanoseconds(false);
            json.setWithMessage(false);
            json.setWithMDC(false);
            json.setWithKVPList(false);
            json.start();
            delegate = json;
        } else {
            PatternLayoutEncoder text = new PatternLayoutEncoder();
            text.setContext(getContext());
            text.setPattern(pattern);
            text.setCharset(StandardCharsets.UTF_8);
            text.start();
            delegate = text;
        }
        super.start();
    }

    @Override
    public byte[] headerBytes() {
        return null;
    }

    @Override
    public byte[] encode(ILoggingEvent event) {
        byte[] raw = delegate.encode(event);
        if (raw == null) {
            return null;
        }
        return Secrets.mask(new String(raw, StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public byte[] footerBytes() {
        return null;
    }
}
