package io.ehe.migration;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A duration written the way PostgreSQL settings take it ({@code 500ms}, {@code 5s}, {@code 10min},
 * {@code 1h}), so the value an operator types is handed to {@code lock_timeout} unchanged. Only a
 * positive integer and one of these units is accepted: a typo must fail before any connection, not
 * become PostgreSQL's "0 = wait forever".
 */
public record PgDuration(long amount, String unit) {

    private static final Pattern FORMAT = Pattern.compile("^([0-9]{1,10})\\s*(ms|s|min|h)$");
    /** lock_timeout is an int of milliseconds on the server. */
    private static final long MAX_MILLIS = Integer.MAX_VALUE;

    public static PgDuration parse(String text) {
        String t = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
        Matcher m = FORMAT.matcher(t);
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + text + "' is not a duration: use a positive whole number with ms, s, min or h (e.g. 500ms, 5s, 10min)");
        }
        PgDuration d = new PgDuration(Long.parseLong(m.group(1)), m.group(2));
        if (d.amount == 0) {
            throw new IllegalArgumentException("'" + text + "' must be greater than zero (0 would mean 'wait forever' to PostgreSQL)");
        }
        if (d.toDuration().toMillis() > MAX_MILLIS) {
            throw new IllegalArgumentException("'" + text + "' is too long (at most " + MAX_MILLIS + "ms)");
        }
        return d;
    }

    public Duration toDuration() {
        return switch (unit) {
            case "ms" -> Duration.ofMillis(amount);
            case "s" -> Duration.ofSeconds(amount);
            case "min" -> Duration.ofMinutes(amount);
            case "h" -> Duration.ofHours(amount);
            default -> throw new IllegalStateException(unit);
        };
    }

    /** The PostgreSQL spelling, e.g. {@code 5s}: what goes into SET lock_timeout. */
    @Override
    public String toString() {
        return amount + unit;
    }
}
