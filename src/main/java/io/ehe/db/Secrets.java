package io.ehe.db;

import java.util.Set;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.regex.Pattern;

/**
 * Keeps passwords out of everything this process prints. Every password the process learns is
 * registered here; {@link #mask(String)} removes registered values and anything shaped like a
 * credential (URL user-info, password=...) from a line before it is written.
 */
public final class Secrets {

    public static final String MASK = "****";

    private static final Set<String> KNOWN = new CopyOnWriteArraySet<>();
    private static final Pattern URL_USERINFO = Pattern.compile("(?i)([a-z][a-z0-9+.-]*://[^:/@\\s]*):[^@\\s]*@");
    private static final Pattern PASSWORD_PARAM = Pattern.compile("(?i)(password\\s*[=:]\\s*)(\"[^\"]*\"|'[^']*'|[^\\s&;,\"')]+)");

    private Secrets() {
    }

    public static void register(String secret) {
        if (secret != null && !secret.isEmpty()) {
            KNOWN.add(secret);
        }
    }

    public static String mask(String text) {
        if (text == null || text.isEmpty()) {
            return text;
        }
        String out = text;
        for (String secret : KNOWN) {
            out = out.replace(secret, MASK);
        }
        out = URL_USERINFO.matcher(out).replaceAll("$1:" + MASK + "@");
        out = PASSWORD_PARAM.matcher(out).replaceAll("$1" + MASK);
        return out;
    }

    /** Masks a URL before it goes into an error message, whether or not it parsed. */
    public static String maskUrl(String url) {
        return mask(url);
    }
}
