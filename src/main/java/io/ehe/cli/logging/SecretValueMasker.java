package io.ehe.cli.logging;

import com.fasterxml.jackson.core.JsonStreamContext;
import io.ehe.db.Secrets;
import net.logstash.logback.mask.ValueMasker;

/**
 * Runs every string value of a JSON log line (message, stack trace, exception message, any field)
 * through {@link Secrets#mask(String)}. It masks the value before JSON escaping: masking the finished
 * line would miss a password with a quote or a backslash, which the line carries escaped.
 */
final class SecretValueMasker implements ValueMasker {

    @Override
    public Object mask(JsonStreamContext context, Object value) {
        if (!(value instanceof CharSequence text)) {
            return null;
        }
        String original = text.toString();
        String masked = Secrets.mask(original);
        // null tells the encoder to write the original untouched
        return masked.equals(original) ? null : masked;
    }
}
