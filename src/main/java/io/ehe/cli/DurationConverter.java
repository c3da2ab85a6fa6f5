package io.ehe.cli;

import io.ehe.db.PgDuration;
import picocli.CommandLine;

/** PostgreSQL-style durations (500ms, 5s, 10min, 1h); anything else is a usage error before any connection. */
final class DurationConverter implements CommandLine.ITypeConverter<PgDuration> {
    @Override
    public PgDuration convert(String value) {
        try {
            return PgDuration.parse(value);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.TypeConversionException(e.getMessage());
        }
    }
}
