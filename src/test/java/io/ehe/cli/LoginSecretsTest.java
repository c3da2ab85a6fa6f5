package io.ehe.cli;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Which passwords a run masks (new-user trial, finding 2): every one on the command line, and from the
 * environment only the one the login uses (libpq's precedence). The real process: SpecialCharacterPasswordTest.
 */
class LoginSecretsTest {

    private static final String WITH = "postgres://app:Url-Pw-4k@db.example/app";
    private static final String WITHOUT = "postgres://app@db.example/app";

    private static String[] args(String... a) {
        return a;
    }

    @Test
    void pgpasswordIsMaskedOnlyWhenItFillsTheLogin() {
        assertThat(LoginSecrets.of(args("status"), Map.of("DATABASE_URL", WITHOUT, "PGPASSWORD", "Env-Pw-7q")))
                .containsExactly("Env-Pw-7q");
        assertThat(LoginSecrets.of(args("status", "--url", WITHOUT), Map.of("PGPASSWORD", "Env-Pw-7q")))
                .containsExactly("Env-Pw-7q");
        // No URL or one that does not parse: nothing takes its place, so it stays masked.
        assertThat(LoginSecrets.of(args("status"), Map.of("PGPASSWORD", "Env-Pw-7q"))).containsExactly("Env-Pw-7q");
        assertThat(LoginSecrets.of(args("status", "--url", "postgres://app:x@h:port/d"), Map.of("PGPASSWORD", "Env-Pw-7q")))
                .containsExactly("Env-Pw-7q");

        // The URL's own password (either source) or --password wins: PGPASSWORD is never read into anything.
        assertThat(LoginSecrets.of(args("status"), Map.of("DATABASE_URL", WITH, "PGPASSWORD", "wrong")))
                .containsExactly("Url-Pw-4k");
        assertThat(LoginSecrets.of(args("status", "--url=" + WITH), Map.of("PGPASSWORD", "wrong")))
                .containsExactly("Url-Pw-4k");
        assertThat(LoginSecrets.of(args("status", "--url", WITHOUT, "--password", "Flag-Pw-2z"), Map.of("PGPASSWORD", "wrong")))
                .containsExactly("Flag-Pw-2z");
    }

    @Test
    void everyPasswordOnTheCommandLineIsMaskedEvenWhenAnotherWins() {
        // --password beats the URL's, but the URL is an argument a usage error may echo.
        assertThat(LoginSecrets.of(args("status", "--url", WITH, "--password=Flag-Pw-2z"), Map.of()))
                .containsExactlyInAnyOrder("Url-Pw-4k", "Flag-Pw-2z");
    }

    @Test
    void databaseUrlsPasswordIsMaskedOnlyWhenNoUrlReplacesIt() {
        String env = "postgres://app:Env-Url-Pw-9c@db.example/app";
        assertThat(LoginSecrets.of(args("status"), Map.of("DATABASE_URL", env))).containsExactly("Env-Url-Pw-9c");
        assertThat(LoginSecrets.of(args("status", "--url", WITHOUT), Map.of("DATABASE_URL", env))).isEmpty();
        assertThat(LoginSecrets.of(args("status", "--password", "Flag-Pw-2z"), Map.of("DATABASE_URL", env)))
                .containsExactly("Flag-Pw-2z");
    }

    /**
     * A password that starts with '-' is still the password: picocli takes any value that is not one of the
     * CLI's option names as --password's parameter (it was left unregistered, so an error echoing it would
     * have printed it). An option name there is no password: picocli refuses it as a missing parameter.
     */
    @Test
    void aPasswordStartingWithADashIsMaskedButAnOptionNameIsNot() {
        assertThat(LoginSecrets.of(args("status", "--url", WITHOUT, "--password", "-Dash-Pw-5m"), Map.of())).containsExactly("-Dash-Pw-5m");
        assertThat(LoginSecrets.of(args("status", "--password", "--url", WITHOUT), Map.of())).isEmpty();
        assertThat(LoginSecrets.of(args("status", "--password", "-U", "app"), Map.of())).isEmpty();
    }
}
