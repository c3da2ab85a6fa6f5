package io.ehe.migration;

import io.ehe.testing.Migrations;
import io.ehe.testing.PostgresExtension;
import io.ehe.testing.PostgresServer;
import io.ehe.testing.TestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The changelog as Liquibase's own command line sees it: run from the repository root with
 * --changelog-file=changelog/db.changelog-master.yaml and no project code on the classpath. A
 * changeSet applied one way must count as applied the other way.
 */
@ExtendWith(PostgresExtension.class)
class LiquibaseCliCompatibilityTest {

    /** liquibase-core and its dependencies, without this project's classes (and so without its changelog copy). */
    private static String liquibaseOnlyClasspath() {
        return Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(p -> !p.endsWith("target" + File.separator + "classes") && !p.endsWith("target" + File.separator + "test-classes"))
                .collect(Collectors.joining(File.pathSeparator));
    }

    private static String liquibaseCli(TestDatabase db, String command, String... commandArgs) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(
                System.getProperty("java.home") + "/bin/java", "-cp", liquibaseOnlyClasspath(),
                "liquibase.integration.commandline.LiquibaseCommandLine",
                "--changelog-file=changelog/db.changelog-master.yaml",
                "--url=" + db.jdbcUrl(), "--username=" + db.user(),
                "--show-banner=false", "--log-level=WARNING", command));
        cmd.addAll(List.of(commandArgs));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(new File(System.getProperty("user.dir"))).redirectErrorStream(true);
        pb.environment().put("LIQUIBASE_ANALYTICS_ENABLED", "false");
        if (db.password() != null) {
            pb.environment().put("LIQUIBASE_COMMAND_PASSWORD", db.password());
        }
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(3, TimeUnit.MINUTES)).isTrue();
        assertThat(p.exitValue()).as("liquibase %s:%n%s", command, out).isZero();
        return out;
    }

    private static List<String> history(TestDatabase db) {
        return db.queryList("SELECT id || ' ' || filename FROM databasechangelog ORDER BY orderexecuted", rs -> {
            try {
                return rs.getString(1);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
    }

    @Test
    void appliedByTheLiquibaseCliIsRecognisedByTheRunner(TestDatabase db) throws Exception {
        Migrations.createUpstreamTables(db);
        liquibaseCli(db, "update");
        List<String> afterCli = history(db);
        assertThat(afterCli).contains("010-has-embedding-column changelog/changes/010-has-embedding-column.sql",
                "020-has-embedding-triggers changelog/changes/020-has-embedding-triggers.sql");

        Migrations.migrate(db, false);
        assertThat(history(db)).as("the runner found nothing new to apply").isEqualTo(afterCli);
    }

    @Test
    void appliedByTheRunnerIsRecognisedByTheLiquibaseCli() throws Exception {
        TestDatabase db = PostgresServer.get().createDatabase("lbcli_reverse");
        Migrations.createUpstreamTables(db);
        Migrations.migrate(db, false);
        List<String> afterRunner = history(db);
        liquibaseCli(db, "update");
        assertThat(history(db)).isEqualTo(afterRunner);
    }

    /** A plain update installs exactly the column design, as before the second design existed. */
    @Test
    void aPlainUpdateInstallsOnlyTheColumnDesign() throws Exception {
        TestDatabase db = PostgresServer.get().createDatabase("lbcli_plain");
        Migrations.createUpstreamTables(db);
        liquibaseCli(db, "update");
        assertThat(history(db)).noneMatch(h -> h.startsWith("1") && !h.startsWith("190-metrics-column"))
                .anyMatch(h -> h.startsWith("190-metrics-column"));
        assertThat(db.queryLong("SELECT count(*) FROM pg_class WHERE relname LIKE 'event_embedding_pending%'")).isZero();
        assertThat(db.queryLong("SELECT count(*) FROM pg_attribute WHERE attrelid = 'events'::regclass AND attname = 'has_embedding'")).isOne();
    }

    /** The documented option: the changelog parameter ehe.design, given with -D on the command line. */
    @Test
    void theDesignParameterInstallsOnlyThePendingTableDesign() throws Exception {
        TestDatabase db = PostgresServer.get().createDatabase("lbcli_pending");
        Migrations.createUpstreamTables(db);
        liquibaseCli(db, "update", "-Dehe.design=pending-table");
        assertThat(history(db)).contains("100-pending-table changelog/changes/100-pending-table.sql",
                "110-pending-triggers changelog/changes/110-pending-triggers.sql",
                "120-pending-bootstrap-progress changelog/changes/120-pending-bootstrap-progress.sql");
        assertThat(history(db)).noneMatch(h -> h.startsWith("0") && !h.startsWith("000"));
        assertThat(db.queryLong("SELECT count(*) FROM pg_attribute WHERE attrelid = 'events'::regclass AND attname = 'has_embedding'")).isZero();
        List<String> afterCli = history(db);
        Migrations.migrate(db, false, io.ehe.catalog.Design.PENDING_TABLE);
        assertThat(history(db)).as("the runner found nothing new to apply").isEqualTo(afterCli);
    }

    /**
     * Issue 24 with Liquibase alone: -Dehe.reader_roles names the scheduler's role (175 applies and grants),
     * a runner migrate without --reader-role keeps it (the recorded list, no re-run), and an update
     * without the parameter means "none" (175 re-runs and takes the grant back).
     */
    @Test
    void theReaderRolesParameterGrantsAndAnUpdateWithoutItTakesTheGrantBack() throws Exception {
        TestDatabase db = PostgresServer.get().createDatabase("lbcli_readers");
        Migrations.createUpstreamTables(db);
        String reader = db.name() + "_reader";
        db.execute("DROP ROLE IF EXISTS " + reader, "CREATE ROLE " + reader);
        String holds = "SELECT has_table_privilege('" + reader + "', 'public.event_embedding_pending', 'SELECT')::text";
        liquibaseCli(db, "update", "-Dehe.design=pending-table", "-Dehe.reader_roles=" + reader);
        assertThat(history(db)).anyMatch(h -> h.startsWith("175-reader-grants-pending-table"));
        assertThat(db.queryString(holds)).isEqualTo("true");
        List<String> before = history(db);
        Migrations.migrate(db, false, io.ehe.catalog.Design.PENDING_TABLE);
        assertThat(history(db)).isEqualTo(before);
        assertThat(db.queryString(holds)).isEqualTo("true");
        liquibaseCli(db, "update", "-Dehe.design=pending-table");
        assertThat(db.queryString(holds)).isEqualTo("false");
    }

    /** The move between designs with Liquibase alone: the label filter rolls back one design's changeSets. */
    @Test
    void aLabelFilteredRollbackRemovesOneDesignAndKeepsTheOther() throws Exception {
        TestDatabase db = PostgresServer.get().createDatabase("lbcli_move");
        Migrations.createUpstreamTables(db);
        liquibaseCli(db, "update");
        liquibaseCli(db, "update", "-Dehe.design=pending-table");
        liquibaseCli(db, "rollback-count", "--count=7", "--label-filter=column");
        assertThat(history(db)).noneMatch(h -> h.startsWith("0") && !h.startsWith("000"));
        assertThat(history(db)).anyMatch(h -> h.startsWith("110-pending-triggers"));
        assertThat(history(db)).noneMatch(h -> h.startsWith("190-metrics-column")).anyMatch(h -> h.startsWith("190-metrics-pending-table"));
        assertThat(db.queryLong("SELECT count(*) FROM pg_attribute WHERE attrelid = 'events'::regclass AND attname = 'has_embedding' AND NOT attisdropped")).isZero();
        assertThat(db.queryLong("SELECT count(*) FROM pg_class WHERE relname = 'event_embedding_pending'")).isOne();
    }
}
