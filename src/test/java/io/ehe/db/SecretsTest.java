package io.ehe.db;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class SecretsTest {

    // The registry is process-wide: short words registered here would mask "pw" or "ta" in every
    // later test of this JVM (MaskingEncoderTest failed in CI that way).
    @AfterEach
    void forgetShortSecrets() {
        Secrets.forget("ta");
        Secrets.forget("pw");
    }

    @Test
    void masksRegisteredValuesUrlUserInfoAndPasswordParameters() {
        Secrets.register("Zq9-registered");
        String line = "connect postgres://app:inline-pw@h/d failed; password=param-pw; also Zq9-registered and PASSWORD: 'quoted pw'";
        String masked = Secrets.mask(line);
        assertThat(masked).doesNotContain("inline-pw", "param-pw", "Zq9-registered", "quoted pw");
        assertThat(masked).contains("postgres://app:****@h/d", "password=****");
    }

    @Test
    void aShortSecretIsMaskedAsAWordButDoesNotGarbleWordsContainingIt() {
        Secrets.register("ta");
        assertThat(Secrets.mask("database has no table; password 'ta' or ta.")).isEqualTo("database has no table; password '****' or ****.");
    }

    @Test
    void urlUserInfoWithAnAtSignIsMaskedWhole() {
        assertThat(Secrets.mask("url postgres://app:Kq7v@Zr8w/x@h/d failed")).isEqualTo("url postgres://app:****@h/d failed");
    }

    @Test
    void aShortSecretInsideALongerOneDoesNotUncoverTheLongerOne() {
        Secrets.register("pw");
        Secrets.register("Kx7-long-pw");
        assertThat(Secrets.mask("login with Kx7-long-pw failed"))
                .doesNotContain("Kx7").doesNotContain("long");
    }
}
