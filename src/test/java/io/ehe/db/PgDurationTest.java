package io.ehe.db;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PgDurationTest {

    @Test
    void keepsThePostgresSpellingAndConverts() {
        assertThat(PgDuration.parse("5s")).hasToString("5s");
        assertThat(PgDuration.parse(" 10MIN ").toDuration()).isEqualTo(Duration.ofMinutes(10));
        assertThat(PgDuration.parse("250ms").toDuration()).isEqualTo(Duration.ofMillis(250));
        assertThat(PgDuration.parse("2h").toDuration()).isEqualTo(Duration.ofHours(2));
    }

    @ParameterizedTest
    @ValueSource(strings = {"-1s", "5", "1d", "5 sec", "", "1.5s", "3 m", "s", "99999999999ms", "600h"})
    void refusesWhatIsNotADuration(String bad) {
        assertThatThrownBy(() -> PgDuration.parse(bad, true)).as(bad).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void zeroOnlyWhenTheCallerAllowsIt() {
        assertThatThrownBy(() -> PgDuration.parse("0s")).hasMessageContaining("greater than zero");
        assertThat(PgDuration.parse("0ms", true).toDuration()).isZero();
    }

    @Test
    void settingAndHumanForms() {
        assertThat(PgDuration.toSetting(Duration.ofSeconds(2))).isEqualTo("2000ms");
        assertThat(PgDuration.human(Duration.ofMillis(850))).isEqualTo("850ms");
        assertThat(PgDuration.human(Duration.ofMillis(12_340))).isEqualTo("12.3s");
        assertThat(PgDuration.human(Duration.ofSeconds(245))).isEqualTo("4m05s");
        assertThat(PgDuration.human(Duration.ofMinutes(123))).isEqualTo("2h03m");
    }
}
