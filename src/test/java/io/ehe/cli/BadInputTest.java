package io.ehe.cli;

import io.ehe.testing.Catalog;
import io.ehe.testing.PostgresExtension;
import io.ehe.testing.TestDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every bad input gives one error line on stderr, nothing on stdout, the documented exit code, no
 * password anywhere, and no change to the database. The database here has no events tables: it is
 * also "the wrong database".
 */
@ExtendWith(PostgresExtension.class)
class BadInputTest {

    private static final String SECRET = "S3cr3t-Pa55w0rd";
    private static final String ROLE = "ehe_bad_input_role";
    private static final List<List<String>> COMMANDS = List.of(List.of("migrate"), List.of("migrate", "--dry-run"),
            List.of("rollback", "--count", "1"), List.of("status"));

    private static String catalogBefore;
    private static Path hbaFile;
    private static String hbaOriginal;

    @BeforeAll
    static void remember(TestDatabase db) {
        catalogBefore = Catalog.snapshot(db);
    }

    @AfterAll
    static void nothingChanged(TestDatabase db) throws Exception {
        assertThat(Catalog.snapshot(db)).isEqualTo(catalogBefore);
        assertThat(db.queryString("SELECT to_regclass('public.databasechangelog')::text")).isNull();
        if (hbaFile != null) {
            Files.writeString(hbaFile, hbaOriginal);
            db.execute("SELECT pg_reload_conf()");
        }
    }

    private static String url(TestDatabase db) {
        return db.jdbcUrl();
    }

    private static void expect(int code, String... args) {
        Cli.Result r = Cli.run(args);
        assertThat(r.exit()).as(String.join(" ", args) + "\n" + r).isEqualTo(code);
        assertThat(r.out()).as(r.toString()).isEmpty();
        assertThat(r.errLines()).as(r.toString()).hasSize(1);
        assertThat(r.errLines().get(0)).startsWith("error: ").doesNotContain("error: Error:");
        assertThat(r.all()).as(r.toString()).doesNotContain(SECRET);
    }

    private static String[] args(List<String> command, String... more) {
        List<String> all = new ArrayList<>(command);
        all.addAll(List.of(more));
        return all.toArray(String[]::new);
    }

    @Test
    void badFlagsAndValuesAreUsageErrorsBeforeAnyConnection(TestDatabase db) {
        // The URL points at an unreachable port: a usage error must be reported before connecting.
        String nowhere = "postgres://app:" + SECRET + "@127.0.0.1:1/app";
        for (List<String> command : COMMANDS) {
            expect(ExitCodes.USAGE, args(command, "--url", nowhere, "--bogus"));
            expect(ExitCodes.USAGE, args(command, "--url", nowhere, "--password", SECRET, "--bogus=" + SECRET));
            expect(ExitCodes.USAGE, args(command, "--url", "http://db.example:5432/app"));
            expect(ExitCodes.USAGE, args(command, "--url", "postgres://app:" + SECRET + "@db.example:99999/app"));
            expect(ExitCodes.USAGE, args(command, "--url", "postgres://app:" + SECRET + "@db.example:port/app"));
            expect(ExitCodes.USAGE, args(command, "--url", "jdbc:mysql://db.example/app", "--password", SECRET));
        }
        for (String bad : List.of("-1", "0", "abc", "1.5", "99999999999")) {
            expect(ExitCodes.USAGE, "migrate", "--url", nowhere, "--count", bad);
            expect(ExitCodes.USAGE, "migrate", "--url", nowhere, "--max-attempts", bad);
            expect(ExitCodes.USAGE, "rollback", "--url", nowhere, "--count", bad);
        }
        for (String bad : List.of("0s", "-5s", "5", "abc", "5sec", "1d", "", "5 s s", "99999999999s")) {
            expect(ExitCodes.USAGE, "migrate", "--url", nowhere, "--lock-timeout", bad);
            expect(ExitCodes.USAGE, "migrate", "--url", nowhere, "--index-lock-timeout", bad);
            expect(ExitCodes.USAGE, "migrate", "--url", nowhere, "--retry-backoff", bad);
            expect(ExitCodes.USAGE, "rollback", "--url", nowhere, "--count", "1", "--lock-timeout", bad);
        }
        expect(ExitCodes.USAGE, "rollback", "--url", nowhere);
        expect(ExitCodes.USAGE, "rollback", "--url", nowhere, "--count", "1", "--to-tag", "v1");
        expect(ExitCodes.USAGE, "rollback", "--url", nowhere, "--to-tag", "v1", "--to-changeset", "010-has-embedding-column");
        expect(ExitCodes.USAGE, "status", "--url", nowhere, "--json=maybe");
        // A misspelt password flag: its value is never registered as a secret (a value no other
        // call passes, since the registry lives as long as the JVM), and must not be echoed.
        String typo = "Typo-Only-7q2w";
        String plainUrl = "postgres://app@127.0.0.1:1/app";
        for (String[] misspelt : List.of(new String[]{"migrate", "--url", plainUrl, "--pasword=" + typo},
                new String[]{"migrate", "--url", plainUrl, "--pasword", typo},
                new String[]{"backfill", "--url", plainUrl, "--pasword", typo, "--shards", "2"})) {
            expect(ExitCodes.USAGE, misspelt);
            assertThat(Cli.run(misspelt).all()).contains("unknown option '--pasword").doesNotContain(typo);
        }
        expect(ExitCodes.USAGE, "no-such-command");
        expect(ExitCodes.USAGE);
    }

    @Test
    void unreachableHostIsExitThreeWithTheUrlPasswordMasked(TestDatabase db) {
        for (List<String> command : COMMANDS) {
            expect(ExitCodes.CONNECT, args(command, "--url", "postgres://app:" + SECRET + "@127.0.0.1:1/app?sslmode=disable"));
            expect(ExitCodes.CONNECT, args(command, "--url", "jdbc:postgresql://127.0.0.1:1/app", "-U", "app", "--password", SECRET));
        }
    }

    @Test
    void unreachableHostInASeparateProcessWithThePasswordFromTheEnvironment(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("out");
        Path err = tmp.resolve("err");
        Process p = Cli.start(List.of("status"), Map.of("DATABASE_URL", "postgresql://app@127.0.0.1:1/app", "PGPASSWORD", SECRET),
                out.toFile(), err.toFile());
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        String stderr = Files.readString(err);
        assertThat(p.exitValue()).as(stderr).isEqualTo(ExitCodes.CONNECT);
        assertThat(Files.readString(out)).isEmpty();
        assertThat(stderr.lines().filter(l -> !l.isBlank()).toList()).hasSize(1);
        assertThat(stderr).startsWith("error: could not connect").doesNotContain(SECRET);
    }

    @Test
    void wrongPasswordIsExitThreeAndNeverPrinted(TestDatabase db) throws Exception {
        // The embedded server trusts every local login; require a password for one role so a wrong
        // one is really refused. Only possible when the server's pg_hba.conf is a file on this machine.
        Path hba = Path.of(db.queryString("SHOW hba_file"));
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isWritable(hba), "pg_hba.conf is not local: " + hba);
        hbaOriginal = Files.readString(hba);
        hbaFile = hba;
        Files.writeString(hba, "host all " + ROLE + " 127.0.0.1/32 scram-sha-256\nhost all " + ROLE + " ::1/128 scram-sha-256\n" + hbaOriginal);
        db.execute("DROP ROLE IF EXISTS " + ROLE, "CREATE ROLE " + ROLE + " LOGIN PASSWORD 'the-right-one'", "SELECT pg_reload_conf()");
        String host = db.jdbcUrl().replaceFirst("^jdbc:postgresql://([^/]+)/.*$", "$1");
        for (List<String> command : COMMANDS) {
            expect(ExitCodes.CONNECT, args(command, "--url", "postgres://" + ROLE + ":" + SECRET + "@" + host + "/" + db.name()));
            expect(ExitCodes.CONNECT, args(command, "--url", db.jdbcUrl().replaceFirst("\\?.*$", ""), "-U", ROLE, "--password", SECRET));
        }
        Cli.Result r = Cli.run("status", "--url", "postgres://" + ROLE + ":" + SECRET + "@" + host + "/" + db.name());
        assertThat(r.err()).contains("password authentication failed");
    }

    @Test
    void aDatabaseWithoutTheEventsTablesIsExitSixAndUntouched(TestDatabase db) {
        for (List<String> command : COMMANDS) {
            expect(ExitCodes.WRONG_DATABASE, args(command, "--url", db.urlWithCredentials(), "--password", SECRET));
        }
        expect(ExitCodes.WRONG_DATABASE, "rollback", "--url", db.urlWithCredentials(), "--to-changeset", "010-has-embedding-column");
        expect(ExitCodes.WRONG_DATABASE, "rollback", "--url", db.urlWithCredentials(), "--to-tag", "v1", "--dry-run");
        assertThat(Catalog.snapshot(db)).isEqualTo(catalogBefore);
    }
}
