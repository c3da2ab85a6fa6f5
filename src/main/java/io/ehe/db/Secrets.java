package io.ehe.db;

import java.util.Set;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.regex.Pattern;

/**
 * Keeps passwords out of everything this process prints. Every password the process may print is
 * registered here; {@link #mask(String)} removes registered values and anything shaped like a
 * credential (URL user-info, password=...) from a line before it is written.
 *
 * <p>Why no part of a secret is printed, yet ordinary words survive a short password: a registered value
 * is masked as a whole token (not inside a longer word: a password glued to letters is no output this
 * process builds; URLs and password=... are masked by shape), and only the passwords that can reach
 * output are registered: those on the command line (a usage error may echo any argument) and the one
 * the login uses (a driver or server message may quote it). A password from the environment that the
 * login does not use (PGPASSWORD beside a URL with its own, libpq's precedence) is never read into any
 * string, so registering it would only mask the program's own words ("wrong database" once read
 * "**** database"); the choice is io.ehe.cli.LoginSecrets'. A password file (~/.pgpass) is read by the
 * driver alone and never reaches a string here.
 */
public final class Secrets {

    public static final String MASK = "****";

    private static final Set<String> KNOWN = new CopyOnWriteArraySet<>();
    // Greedy up to the last '@' of the word: a password may itself hold '@', '/', '?' or '#'.
    private static final Pattern URL_USERINFO = Pattern.compile("(?i)([a-z][a-z0-9+.-]*://[^:/@\\s]*):\\S*@");
    private static final Pattern PASSWORD_PARAM = Pattern.compile("(?i)(password\\s*[=:]\\s*)(\"[^\"]*\"|'[^']*'|[^\\s&;,\"')]+)");

    private Secrets() {
    }

    public static void register(String secret) {
        if (secret != null && !secret.isEmpty()) {
            KNOWN.add(secret);
        }
    }

    /**
     * Drops a registered secret. Package-private for tests: the registry is process-wide, so a test
     * that registers a common word ("pw", "ta") must take it back or it masks that word in every
     * later test of the same JVM.
     */
    static void forget(String secret) {
        KNOWN.remove(secret);
    }

    public static String mask(String text) {
        if (text == null || text.isEmpty()) {
            return text;
        }
        String out = text;
        // Longest first: a shorter secret that is part of a longer one ("pw" in "...-pw") must not be
        // masked first, or the longer one is no longer found and the rest of it is printed.
        for (String secret : KNOWN.stream().sorted(java.util.Comparator.comparingInt(String::length).reversed()).toList()) {
            out = maskWhole(out, secret);
        }
        out = URL_USERINFO.matcher(out).replaceAll("$1:" + MASK + "@");
        out = PASSWORD_PARAM.matcher(out).replaceAll("$1" + MASK);
        return out;
    }

    /**
     * Replaces each occurrence of the secret that is not glued inside a longer word: a short password
     * ("pa", "admin") must not turn every word containing it into "****", and a secret printed on its
     * own, quoted or after '=' or ':' is still caught.
     */
    private static String maskWhole(String text, String secret) {
        StringBuilder out = new StringBuilder(text.length());
        int from = 0;
        int at = text.indexOf(secret);
        while (at >= 0) {
            int end = at + secret.length();
            boolean gluedBefore = at > 0 && wordChar(text.charAt(at - 1)) && wordChar(secret.charAt(0));
            boolean gluedAfter = end < text.length() && wordChar(text.charAt(end)) && wordChar(secret.charAt(secret.length() - 1));
            if (gluedBefore || gluedAfter) {
                at = text.indexOf(secret, at + 1);
                continue;
            }
            out.append(text, from, at).append(MASK);
            from = end;
            at = text.indexOf(secret, end);
        }
        return out.append(text, from, text.length()).toString();
    }

    private static boolean wordChar(char c) {
        return Character.isLetterOrDigit(c) || c == '_';
    }

    /** Masks a URL before it goes into an error message, whether or not it parsed. */
    public static String maskUrl(String url) {
        return mask(url);
    }
}
