package io.ehe.db;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Pure parsing: no database needed (what happens with the parsed URL on a real server is tested in the CLI tests). */
class DatabaseUrlTest {

    @Test
    void libpqUriBecomesAJdbcUrlWithoutCredentials() {
        DatabaseUrl url = DatabaseUrl.parse("postgres://app:s3cr%40t@db.internal:6543/events?sslmode=require&connect_timeout=5");
        assertThat(url.jdbcUrl()).isEqualTo("jdbc:postgresql://db.internal:6543/events?sslmode=require&connect_timeout=5");
        assertThat(url.user()).contains("app");
        assertThat(url.password()).contains("s3cr@t");
        assertThat(url.toString()).doesNotContain("s3cr");
    }

    @Test
    void postgresqlSchemeAndNoPortAndNoUser() {
        DatabaseUrl url = DatabaseUrl.parse("postgresql://db/app");
        assertThat(url.jdbcUrl()).isEqualTo("jdbc:postgresql://db/app");
        assertThat(url.user()).isEmpty();
        assertThat(url.password()).isEmpty();
    }

    @Test
    void jdbcUrlCredentialsAreLiftedOutOfTheQuery() {
        DatabaseUrl url = DatabaseUrl.parse("jdbc:postgresql://h:5432/d?user=u&password=pw&ApplicationName=x");
        assertThat(url.jdbcUrl()).isEqualTo("jdbc:postgresql://h:5432/d?ApplicationName=x");
        assertThat(url.user()).contains("u");
        assertThat(url.password()).contains("pw");
    }

    /**
     * Issue 28: a raw '@' in a jdbc: URL's password parameter is taken literally, as pgjdbc takes it: in the
     * query it ends nothing (a jdbc: URL has no user-info), unlike in a postgres:// URL, where libpq ends
     * the password at it. Before the path, where pgjdbc would read a user-info, it is still refused.
     */
    @Test
    void aRawAtSignInAJdbcUrlsPasswordParameterIsTakenLiterally() {
        DatabaseUrl url = DatabaseUrl.parse("jdbc:postgresql://h/db?user=u&password=a@b");
        assertThat(url.password()).contains("a@b");
        assertThat(url.user()).contains("u");
        assertThat(url.jdbcUrl()).isEqualTo("jdbc:postgresql://h/db");
        assertThat(DatabaseUrl.parse("jdbc:postgresql://h/db?password=a%40b").password()).contains("a@b");
        assertThatThrownBy(() -> DatabaseUrl.parse("jdbc:postgresql://u:a@h/db"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageNotContaining("u:a");
    }

    @Test
    void flagsAndEnvironmentOverrideTheUrl() {
        DatabaseUrl url = DatabaseUrl.parse("postgres://a:b@h/d").withCredentials("other", "pw2");
        assertThat(url.user()).contains("other");
        assertThat(url.password()).contains("pw2");
        assertThat(DatabaseUrl.parse("postgres://a:b@h/d").withCredentials(null, "").password()).contains("b");
    }

    @Test
    void malformedUrlsAreRefusedWithoutEchoingThePassword() {
        assertThatThrownBy(() -> DatabaseUrl.parse("mysql://u:hunter2@h/d"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not a PostgreSQL URL")
                .hasMessageNotContaining("hunter2");
        assertThatThrownBy(() -> DatabaseUrl.parse("postgres://u:hunter2@h:99999/d"))
                .hasMessageContaining("invalid port").hasMessageNotContaining("hunter2");
        assertThatThrownBy(() -> DatabaseUrl.parse("postgres://u:hunter2@/d")).hasMessageContaining("no host");
        assertThatThrownBy(() -> DatabaseUrl.parse("  ")).hasMessageContaining("empty");
    }

    @Test
    void unencodedSpecialCharactersInAPasswordStayInThePassword() {
        for (String password : java.util.List.of("a/b", "a?b", "a%b", "a#b", "a:b", "%zz/?#:%4")) {
            DatabaseUrl url = DatabaseUrl.parse("postgres://app:" + password + "@db.internal:6543/events?sslmode=require");
            assertThat(url.password()).as(password).contains(password.replace("%4", "%4"));
            assertThat(url.user()).contains("app");
            assertThat(url.jdbcUrl()).isEqualTo("jdbc:postgresql://db.internal:6543/events?sslmode=require");
        }
        assertThat(DatabaseUrl.parse("postgres://u:p%40ss@h/d?application_name=a@b").password()).contains("p@ss");
        assertThat(DatabaseUrl.parse("postgres://u:p%40ss@h/d?application_name=a@b").jdbcUrl())
                .isEqualTo("jdbc:postgresql://h/d?application_name=a%40b");
    }

    /** As libpq: a raw '@' ends the user-info, so the rest would be the host; refused, the fix named, nothing quoted. */
    @Test
    void aRawAtSignInTheUserInfoIsRefused() {
        for (String url : java.util.List.of("postgres://app:Kq7v@Zr8w@db.internal/events", "postgres://Kq7v@Zr8w:pw@h/d")) {
            assertThatThrownBy(() -> DatabaseUrl.parse(url)).as(url).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("%40").hasMessageNotContaining("Kq7v").hasMessageNotContaining("Zr8w");
        }
    }

    @Test
    void malformedUrlMessagesQuoteNothingFromTheUrl() {
        for (String url : java.util.List.of("postgres://u:Kq7v/Zr8w@h:Hm3x/d", "postgres://u:Kq7v@h:99999/Zr8w",
                "postgres://u:Kq7v@/Zr8w", "mysql://u:Kq7v@Zr8w/Hm3x", "postgres://Kq7v@Zr8w@Hm3x@")) {
            assertThatThrownBy(() -> DatabaseUrl.parse(url)).as(url).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageNotContaining("Kq7v").hasMessageNotContaining("Zr8w").hasMessageNotContaining("Hm3x");
        }
    }

    @Test
    void libpqTargetSessionAttrsBecomesTheDriversTargetServerType() {
        assertThat(DatabaseUrl.parse("postgres://u@h1:5432,h2:5433/d?target_session_attrs=read-write").jdbcUrl())
                .isEqualTo("jdbc:postgresql://h1:5432,h2:5433/d?targetServerType=primary");
        assertThat(DatabaseUrl.parse("postgres://u@h1,h2/d?target_session_attrs=prefer-standby").jdbcUrl())
                .endsWith("?targetServerType=preferSecondary");
        assertThatThrownBy(() -> DatabaseUrl.parse("postgres://u@h/d?target_session_attrs=Kq7v"))
                .hasMessageContaining("target_session_attrs").hasMessageNotContaining("Kq7v");
    }
}
