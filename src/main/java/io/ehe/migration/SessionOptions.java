package io.ehe.migration;

import io.ehe.db.DatabaseUrl;
import io.ehe.db.PgDuration;

import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Adds server settings to the startup packet of the runner's sessions ({@code options=-c name=value}).
 *
 * Why the startup packet and not a SET after connecting: the changeSets that must change
 * lock_timeout for one statement end with {@code RESET lock_timeout}. RESET returns to the session's
 * startup value, so only a startup option keeps Liquibase's own statements after such a changeSet
 * (DATABASECHANGELOG insert, the next changeSet's preconditions) under the short timeout; after a
 * plain SET they would fall back to the server default, usually "wait forever".
 */
public final class SessionOptions {

    private SessionOptions() {
    }

    public static DatabaseUrl withLockTimeout(DatabaseUrl url, String lockTimeout) {
        return withSetting(url, "lock_timeout", PgDuration.parse(lockTimeout).toString());
    }

    /**
     * lock_timeout for Liquibase's own statements, plus the two custom settings the changeSets read
     * ({@code ehe.lock_timeout}, {@code ehe.index_lock_timeout}) to set their own timeouts.
     */
    public static DatabaseUrl withLockTimeouts(DatabaseUrl url, String lockTimeout, String indexLockTimeout) {
        String ddl = PgDuration.parse(lockTimeout).toString();
        DatabaseUrl out = withSetting(url, "lock_timeout", ddl);
        out = withSetting(out, "ehe.lock_timeout", ddl);
        return withSetting(out, "ehe.index_lock_timeout", PgDuration.parse(indexLockTimeout).toString());
    }

    static DatabaseUrl withSetting(DatabaseUrl url, String name, String value) {
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
