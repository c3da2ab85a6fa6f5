package io.ehe.db;

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

    private static final Pattern JDBC = Pattern.compile("^jdbc:postgresql://([^/?#@]*)(/[^?#]*)?(\\?[^#]*)?$");
    /** What follows the user-info: hosts, an optional path, an optional query; no '@' before the query. */
    private static final Pattern AFTER_USERINFO = Pattern.compile("^([^/?#@]*)(/[^?#@]*)?(\\?[^#]*)?$");
    private static final String EXPECTED = " (expected jdbc:postgresql://host:5432/db or postgres://user@host:5432/db)";

    private final String jdbcUrl;
    private final String user;
    private final String password;

    private DatabaseUrl(String jdbcUrl, String user, String password) {
        this.jdbcUrl = jdbcUrl;
        this.user = user;
        this.password = password;
    }

    /**
     * Parses either form. A jdbc: URL's parameters are taken as pgjdbc takes them: a raw '@' in a value
     * (the password) is literal, since a jdbc: URL has no user-info for it to end. A libpq URI's
     * password may carry unencoded {@code / ? # % :} (libpq takes a raw '#' literally too): the user-info ends at the first '@' after which a well-formed host part
     * follows. A raw '@' in the user-info is refused, as libpq would take the text after it as the host.
     * Throws
     * IllegalArgumentException for a malformed URL; its message describes the URL's shape only, never
     * any of its characters, since a misplaced password would otherwise be quoted as a host or port.
     */
    public static DatabaseUrl parse(String raw) {
        if (raw == null || raw.isBlank()) {
            throw new IllegalArgumentException("database URL is empty");
        }
        String text = raw.trim();
        Matcher jdbc = JDBC.matcher(text);
        if (jdbc.matches()) {
            return fromParts(jdbc.group(1), jdbc.group(2), jdbc.group(3), null);
        }
        if (text.regionMatches(true, 0, "jdbc:postgresql:", 0, "jdbc:postgresql:".length())) {
            // The scheme is right; the rest is not (often a '#', which ends a URL, in a password).
            throw new IllegalArgumentException("database URL is malformed: a jdbc:postgresql URL is jdbc:postgresql://host[:port][/database][?name=value&...] "
                    + "with no user@ before the host and no raw '#'; give user and password as parameters, a '#' in them as %23, or use PGPASSWORD");
        }
        String rest = stripScheme(text);
        if (rest == null) {
            throw new IllegalArgumentException("database URL is not a PostgreSQL URL: its scheme is not jdbc:postgresql, postgres or postgresql" + EXPECTED);
        }
        for (int at = rest.indexOf('@'); at >= 0; at = rest.indexOf('@', at + 1)) {
            Matcher after = AFTER_USERINFO.matcher(rest.substring(at + 1));
            if (after.matches()) {
                if (rest.lastIndexOf('@', at - 1) >= 0) {
                    // libpq ends the user-info at the first '@' and takes the rest as the host, so the same
                    // URL would reach another host there (and print it: a piece of the password).
                    throw new IllegalArgumentException("database URL is malformed: a raw '@' in the user name or password"
                            + " (libpq ends them at the first '@'); percent-encode it as %40 or use PGPASSWORD");
                }
                return fromParts(after.group(1), after.group(2), after.group(3), rest.substring(0, at));
            }
        }
        Matcher noUser = AFTER_USERINFO.matcher(rest);
        if (noUser.matches()) {
            return fromParts(noUser.group(1), noUser.group(2), noUser.group(3), null);
        }
        throw new IllegalArgumentException("database URL is malformed: after the scheme there must be [user[:password]@]host[:port][/database][?name=value&...]" + EXPECTED);
    }

    /** The part after {@code postgres://} or {@code postgresql://}, or null for any other scheme. */
    private static String stripScheme(String text) {
        for (String scheme : new String[]{"postgres://", "postgresql://"}) {
            if (text.regionMatches(true, 0, scheme, 0, scheme.length())) {
                return text.substring(scheme.length());
            }
        }
        return null;
    }

    private static DatabaseUrl fromParts(String hosts, String path, String query, String userInfo) {
        if (hosts == null || hosts.isBlank()) {
            throw new IllegalArgumentException("database URL has no host" + EXPECTED);
        }
        String[] each = hosts.split(",", -1);
        for (int i = 0; i < each.length; i++) {
            checkPort(each[i], i + 1, each.length);
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
        // libpq's name for the choice among several hosts; the driver only knows its own.
        String attrs = params.remove("target_session_attrs");
        if (attrs != null && !params.containsKey("targetServerType")) {
            params.put("targetServerType", switch (attrs) {
                case "read-write", "primary" -> "primary";
                case "read-only", "standby" -> "secondary";
                case "prefer-standby" -> "preferSecondary";
                case "any" -> "any";
                default -> throw new IllegalArgumentException("database URL: target_session_attrs must be any, read-write, read-only,"
                        + " primary, standby or prefer-standby");
            });
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

    private static void checkPort(String host, int index, int count) {
        int colon = host.lastIndexOf(':');
        int bracket = host.lastIndexOf(']');
        if (colon < 0 || colon < bracket) {
            return;
        }
        String port = host.substring(colon + 1);
        boolean ok = !port.isEmpty() && port.chars().allMatch(Character::isDigit) && port.length() <= 5
                && Integer.parseInt(port) > 0 && Integer.parseInt(port) <= 65535;
        if (!ok) {
            throw new IllegalArgumentException("database URL has an invalid port" + (count > 1 ? " in host " + index + " of " + count : "")
                    + ": a port is 1 to 65535 digits-only; if the password holds special characters, percent-encode them or use PGPASSWORD");
        }
    }

    /**
     * Percent-decoding as libpq does it, except that a '%' not followed by two hex digits stays a
     * literal '%' (URLDecoder would throw, quoting the text around it). '+' stays '+'.
     */
    private static String decode(String s) {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        for (int i = 0; i < s.length(); ) {
            char c = s.charAt(i);
            if (c == '%' && i + 2 < s.length() && hex(s.charAt(i + 1)) >= 0 && hex(s.charAt(i + 2)) >= 0) {
                bytes.write(hex(s.charAt(i + 1)) * 16 + hex(s.charAt(i + 2)));
                i += 3;
            } else {
                int cp = s.codePointAt(i);
                byte[] b = new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8);
                bytes.write(b, 0, b.length);
                i += Character.charCount(cp);
            }
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }

    private static int hex(char c) {
        return Character.digit(c, 16);
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
