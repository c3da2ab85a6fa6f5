package io.ehe.backfill;

import org.slf4j.Logger;
import org.slf4j.spi.LoggingEventBuilder;

import java.util.Map;

/**
 * An INFO line whose numbers also travel as SLF4J 2 key-value pairs: LOG_FORMAT=json writes each as a
 * top-level field (so a dashboard charts them without parsing text), the text pattern leaves them out
 * (so the text line stays byte for byte what it was).
 */
final class LogLine {

    private LogLine() {
    }

    static void info(Logger log, String message, Map<String, ?> fields) {
        if (!log.isInfoEnabled()) {
            return;
        }
        LoggingEventBuilder line = log.atInfo().setMessage(message);
        fields.forEach(line::addKeyValue);
        line.log();
    }
}
