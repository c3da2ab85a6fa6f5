package io.ehe.cli;

import io.ehe.db.DatabaseUrl;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The passwords of one run that {@link io.ehe.db.Secrets} must mask, found before the command line is
 * parsed (a usage error may echo an argument before {@link ConnectionOptions} runs).
 *
 * <p>Every password on the command line ({@code --password}, the password in a {@code --url}) is one:
 * picocli may echo any argument. A password from the environment is one only when the login would use
 * it, by libpq's precedence ({@link ConnectionOptions}): {@code DATABASE_URL}'s unless {@code --url}
 * replaces that URL, {@code PGPASSWORD} unless {@code --password} or the URL's own password takes its
 * place. An environment value that loses is never read into any string this process builds, sends or
 * prints, so it can only "appear" in output as one of the program's own words; masking it would only
 * garble those words (a new-user trial: {@code PGPASSWORD=wrong} beside a URL with a password turned
 * "wrong database or --schema?" into "**** database or --schema?").
 */
final class LoginSecrets {

    private LoginSecrets() {
    }

    /**
     * The passwords to register for these arguments and this environment (read as {@code System.getenv()}
     * is: DATABASE_URL, PGPASSWORD). A URL that does not parse carries no password here; its error
     * message describes it by shape.
     */
    static List<String> of(String[] args, Map<String, String> env) {
        List<String> out = new ArrayList<>();
        String passwordArg = null;
        String urlArg = null;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a == null) {
                continue;
            }
            if (a.equals("--password") && i + 1 < args.length && args[i + 1] != null && !OptionNames.ALL.contains(args[i + 1])) {
                passwordArg = args[i + 1];
                out.add(passwordArg);
            } else if (a.startsWith("--password=")) {
                passwordArg = a.substring("--password=".length());
                out.add(passwordArg);
            } else if (a.equals("--url") && i + 1 < args.length) {
                urlArg = args[i + 1];
                urlPassword(urlArg).ifPresent(out::add);
            } else if (a.startsWith("--url=")) {
                urlArg = a.substring("--url=".length());
                urlPassword(urlArg).ifPresent(out::add);
            }
        }
        if (passwordArg != null && !passwordArg.isEmpty()) {
            return out;
        }
        Optional<String> inUrl = urlPassword(urlArg != null ? urlArg : env.get("DATABASE_URL"));
        if (urlArg == null) {
            inUrl.ifPresent(out::add);
        }
        if (inUrl.isEmpty() && env.get("PGPASSWORD") != null && !env.get("PGPASSWORD").isEmpty()) {
            out.add(env.get("PGPASSWORD"));
        }
        return out;
    }

    /** Every option name of every command: picocli takes any other value after --password as the password. */
    private static final class OptionNames {
        static final java.util.Set<String> ALL = collect(Main.commandLine(), new java.util.HashSet<>());

        private static java.util.Set<String> collect(picocli.CommandLine command, java.util.Set<String> into) {
            command.getCommandSpec().options().forEach(o -> into.addAll(java.util.List.of(o.names())));
            command.getSubcommands().values().forEach(sub -> collect(sub, into));
            return into;
        }
    }

    private static Optional<String> urlPassword(String url) {
        if (url == null || url.isBlank()) {
            return Optional.empty();
        }
        try {
            return DatabaseUrl.parse(url).password();
        } catch (IllegalArgumentException malformed) {
            return Optional.empty();
        }
    }
}
