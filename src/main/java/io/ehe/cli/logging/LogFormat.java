package io.ehe.cli.logging;

/**
 * Which log format this process writes: {@code LOG_FORMAT} from the environment (the chart sets it),
 * else the system property of that name; anything but {@code json} means the human-readable text.
 */
public final class LogFormat {

    private LogFormat() {
    }

    public static boolean json() {
        String format = System.getenv("LOG_FORMAT");
        if (format == null) {
            format = System.getProperty("LOG_FORMAT", "text");
        }
        return "json".equalsIgnoreCase(format.trim());
    }
}
