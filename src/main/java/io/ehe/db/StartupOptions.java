package io.ehe.db;

import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Server settings carried in the startup packet ({@code options=-c name=value} of the JDBC URL).
 *
 * Why the startup packet: a setting given there belongs to that one server session and ends with it,
 * so nothing the runner sets can outlive its connection (a plain SET on a pooled server connection
 * would stay for the next client). A pooler that drops or refuses startup options is caught by
 * {@link SessionCheck}.
 */
public final class StartupOptions {

    private StartupOptions() {
    }

    /** A copy of {@code url} whose sessions start with {@code name=value}; credentials are kept. */
    public static DatabaseUrl with(DatabaseUrl url, String name, String value) {
        String jdbc = url.jdbcUrl();
        int q = jdbc.indexOf('?');
        String base = q < 0 ? jdbc : jdbc.substring(0, q);
        List<String> params = new ArrayList<>();
        String options = null;
        if (q >= 0) {
            for (String pair : jdbc.substring(q + 1).split("&")) {
                if (pair.isEmpty()) {
                    continue;
                }
                if (pair.startsWith("options=")) {
                    options = URLDecoder.decode(pair.substring("options=".length()), StandardCharsets.UTF_8);
                } else {
                    // DatabaseUrl writes spaces as '+' but reads '+' literally: keep spaces spaces.
                    params.add(pair.replace("+", "%20"));
                }
            }
        }
        String setting = "-c " + name + "=" + value;
        options = options == null || options.isBlank() ? setting : options + " " + setting;
        params.add("options=" + URLEncoder.encode(options, StandardCharsets.UTF_8).replace("+", "%20"));
        DatabaseUrl rebuilt = DatabaseUrl.parse(base + "?" + String.join("&", params));
        return rebuilt.withCredentials(url.user().orElse(null), url.password().orElse(null));
    }
}
