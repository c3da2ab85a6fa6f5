package io.ehe.backfill;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Durations written the way PostgreSQL settings are: an integer and a unit, {@code ms}, {@code s},
 * {@code min} or {@code h} ("200ms", "5s", "2min", "1h"). A bare number is refused on purpose: "5"
 * could mean 5 ms (PostgreSQL's lock_timeout) or 5 s (most humans).
 */
public final class PgDuration {

    private static final Pattern FORM = Pattern.compile("^([0-9]{1,12})(ms|s|min|h)$");

    private PgDuration() {
    }

    /** Parses {@code text}; the message of the exception names {@code flag}. */
    public static Duration parse(String flag, String text) {
        Matcher m = FORM.matcher(text == null ? "" : text.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException(flag + ": '" + text
                    + "' is not a duration (an integer and a unit: ms, s, min or h, e.g. 500ms, 5s, 2min)");
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "min" -> Duration.ofMinutes(n);
            default -> Duration.ofHours(n);
        };
    }

    /** The value as PostgreSQL accepts it in SET (milliseconds, the one unit every setting takes). */
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
            return String.format("%.1fs", ms / 1000.0);
        }
        long s = ms / 1000;
        if (s < 3600) {
            return String.format("%dm%02ds", s / 60, s % 60);
        }
        return String.format("%dh%02dm", s / 3600, (s % 3600) / 60);
    }
}
