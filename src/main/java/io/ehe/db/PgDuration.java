package io.ehe.db;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A duration written the way PostgreSQL settings take it: a whole number and one of {@code ms},
 * {@code s}, {@code min}, {@code h} ("500ms", "5s", "10min", "1h"), so what an operator types can be
 * handed to {@code lock_timeout} unchanged. A bare number is refused on purpose: "5" is 5 ms to
 * PostgreSQL's lock_timeout and 5 s to most humans. Zero is refused unless the caller allows it: to
 * PostgreSQL a zero timeout means "wait forever", which a typo must never become.
 */
public record PgDuration(long amount, String unit) {

    private static final Pattern FORMAT = Pattern.compile("^([0-9]{1,10})\\s*(ms|s|min|h)$");
    /** Timeouts are an int of milliseconds on the server. */
    private static final long MAX_MILLIS = Integer.MAX_VALUE;

    /** A positive duration. */
    public static PgDuration parse(String text) {
        return parse(text, false);
    }

    public static PgDuration parse(String text, boolean allowZero) {
        String t = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
        Matcher m = FORMAT.matcher(t);
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + text + "' is not a duration: use a whole number with ms, s, min or h (e.g. 500ms, 5s, 10min)");
        }
        PgDuration d = new PgDuration(Long.parseLong(m.group(1)), m.group(2));
        if (d.amount == 0 && !allowZero) {
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

    /** A computed duration as PostgreSQL accepts it in SET (milliseconds, the one unit every setting takes). */
    public static String toSetting(Duration d) {
        return d.toMillis() + "ms";
    }

    /** Short human form for log lines: 850ms, 12.3s, 4m05s, 2h03m. */
    public static String human(Duration d) {
        long ms = d.toMillis();
        if (ms < 1000) {
            return ms + "ms";
        }
        if (ms < 60_000) {
            return String.format(Locale.ROOT, "%.1fs", ms / 1000.0);
        }
        long s = ms / 1000;
        if (s < 3600) {
            return String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60);
        }
        return String.format(Locale.ROOT, "%dh%02dm", s / 3600, (s % 3600) / 60);
    }
}
