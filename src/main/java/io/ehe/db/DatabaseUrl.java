package io.ehe.db;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A database address as operators write it: a JDBC URL ({@code jdbc:postgresql://host:5432/db?...})
 * or a libpq URI ({@code postgres://user:secret@host:5432/db?sslmode=require}), split into a JDBC URL
 * that carries no credential (safe to log) and the user and password beside it.
 */
public final class DatabaseUrl {

    private static final Pattern JDBC = Pattern.compile("^jdbc:postgresql://([^/?#]*)(/[^?#]*)?(\\?[^#]*)?$");
    private static final Pattern URI = Pattern.compile("^postgres(?:ql)?://(?:([^@/?#]*)@)?([^/?#]*)(/[^?#]*)?(\\?[^#]*)?$");

    private final String jdbcUrl;
    private final String user;
    private final String password;

    private DatabaseUrl(String jdbcUrl, String user, String password) {
        this.jdbcUrl = jdbcUrl;
        this.user = user;
        this.password = password;
    }

    /** Parses either form; the message of the exception never contains the password. */
    public static DatabaseUrl parse(String raw) {
        if (raw == null || raw.isBlank()) {
            throw new IllegalArgumentException("database URL is empty");
        }
        String text = raw.trim();
        Matcher jdbc = JDBC.matcher(text);
        if (jdbc.matches()) {
            return fromParts(jdbc.group(1), jdbc.group(2), jdbc.group(3), null, text);
        }
        Matcher uri = URI.matcher(text);
        if (uri.matches()) {
            return fromParts(uri.group(2), uri.group(3), uri.group(4), uri.group(1), text);
        }
        throw new IllegalArgumentException("not a PostgreSQL URL: " + Secrets.maskUrl(text)
                + " (expected jdbc:postgresql://host:5432/db or postgres://user@host:5432/db)");
    }

    private static DatabaseUrl fromParts(String hosts, String path, String query, String userInfo, String original) {
        if (hosts == null || hosts.isBlank()) {
            throw new IllegalArgumentException("database URL has no host: " + Secrets.maskUrl(original));
        }
        for (String host : hosts.split(",")) {
            checkPort(host, original);
        }
        String user = null;
        String password = null;
        if (userInfo != null && !userInfo.isEmpty()) {
            int colon = userInfo.indexOf(':');
            user = decode(colon < 0 ? userInfo : userInfo.substring(0, colon));
            password = colon < 0 ? null : decode(userInfo.substring(colon + 1));
        }
        Map<String, String> params = new LinkedHashMap<>();
        if (query != null && query.length() > 1) {
            for (String pair : query.substring(1).split("&")) {
                if (pair.isEmpty()) {
                    continue;
                }
                int eq = pair.indexOf('=');
                String key = decode(eq < 0 ? pair : pair.substring(0, eq));
                String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
                params.put(key, value);
            }
        }
        // Credentials given as parameters are lifted out so the URL itself can be logged.
        if (params.containsKey("user")) {
            user = params.remove("user");
        }
        if (params.containsKey("password")) {
            password = params.remove("password");
        }
        StringBuilder url = new StringBuilder("jdbc:postgresql://").append(hosts);
        url.append(path == null || path.isEmpty() ? "/" : path);
        if (!params.isEmpty()) {
            url.append('?');
            boolean first = true;
            for (Map.Entry<String, String> e : params.entrySet()) {
                if (!first) {
                    url.append('&');
                }
                first = false;
                url.append(encode(e.getKey())).append('=').append(encode(e.getValue()));
            }
        }
        return new DatabaseUrl(url.toString(), emptyToNull(user), emptyToNull(password));
    }

    private static void checkPort(String host, String original) {
        int colon = host.lastIndexOf(':');
        int bracket = host.lastIndexOf(']');
        if (colon < 0 || colon < bracket) {
            return;
        }
        String port = host.substring(colon + 1);
        boolean ok = !port.isEmpty() && port.chars().allMatch(Character::isDigit) && port.length() <= 5
                && Integer.parseInt(port) > 0 && Integer.parseInt(port) <= 65535;
        if (!ok) {
            throw new IllegalArgumentException("database URL has an invalid port '" + port + "': " + Secrets.maskUrl(original));
        }
    }

    private static String decode(String s) {
        return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    private static String encode(String s) {
        return java.net.URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static String emptyToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }

    /** The JDBC URL without user or password: safe to print. */
    public String jdbcUrl() {
        return jdbcUrl;
    }

    public Optional<String> user() {
        return Optional.ofNullable(user);
    }

    public Optional<String> password() {
        return Optional.ofNullable(password);
    }

    /** A copy with user and/or password replaced where the override is given (flags, PGUSER/PGPASSWORD). */
    public DatabaseUrl withCredentials(String userOverride, String passwordOverride) {
        return new DatabaseUrl(jdbcUrl,
                userOverride != null && !userOverride.isEmpty() ? userOverride : user,
                passwordOverride != null && !passwordOverride.isEmpty() ? passwordOverride : password);
    }

    @Override
    public String toString() {
        return jdbcUrl + (user != null ? " (user " + user + ")" : "");
    }
}
