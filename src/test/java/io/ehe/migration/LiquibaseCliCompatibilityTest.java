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

    /** 010's column on events: 1 where the column design is installed, else 0. */
    private static long hasEmbeddingColumns(TestDatabase db) {
        return db.queryLong("SELECT count(*) FROM pg_attribute WHERE attrelid = 'events'::regclass AND attname = 'has_embedding'");
    }

    /** A new database of the test server with the upstream tables only. */
    private static TestDatabase withUpstreamTables(String name) {
        TestDatabase db = PostgresServer.get().createDatabase(name);
        Migrations.createUpstreamTables(db);
        return db;
    }

    private static String liquibaseCli(TestDatabase db, String command, String... commandArgs) throws Exception {
        Run r = liquibaseCliRun(db, command, commandArgs);
        assertThat(r.exit()).as("liquibase %s:%n%s", command, r.out()).isZero();
        return r.out();
    }

    private record Run(int exit, String out) {
    }

    private static Run liquibaseCliRun(TestDatabase db, String command, String... commandArgs) throws Exception {
        return liquibaseCliAt("WARNING", db, command, commandArgs);
    }

    private static Run liquibaseCliAt(String logLevel, TestDatabase db, String command, String... commandArgs) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(
                System.getProperty("java.home") + "/bin/java", "-cp", liquibaseOnlyClasspath(),
                "liquibase.integration.commandline.LiquibaseCommandLine",
                "--changelog-file=changelog/db.changelog-master.yaml",
                "--url=" + db.jdbcUrl(), "--username=" + db.user(),
                "--show-banner=false", "--log-level=" + logLevel, command));
        cmd.addAll(List.of(commandArgs));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(new File(System.getProperty("user.dir"))).redirectErrorStream(true);
        pb.environment().put("LIQUIBASE_ANALYTICS_ENABLED", "false");
        if (db.password() != null) {
            pb.environment().put("LIQUIBASE_COMMAND_PASSWORD", db.password());
        }
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(3, TimeUnit.MINUTES)).isTrue();
        return new Run(p.exitValue(), out);
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
        TestDatabase db = withUpstreamTables("lbcli_reverse");
        Migrations.migrate(db, false);
        List<String> afterRunner = history(db);
        liquibaseCli(db, "update");
        assertThat(history(db)).isEqualTo(afterRunner);
    }

    /** A plain update installs exactly the column design, as before the second design existed. */
    @Test
    void aPlainUpdateInstallsOnlyTheColumnDesign() throws Exception {
        TestDatabase db = withUpstreamTables("lbcli_plain");
        liquibaseCli(db, "update");
        assertThat(history(db)).noneMatch(h -> h.startsWith("1") && !h.startsWith("190-metrics-column") && !h.startsWith("195-definer-schema-usage-column"))
                .anyMatch(h -> h.startsWith("190-metrics-column")).anyMatch(h -> h.startsWith("195-definer-schema-usage-column"));
        assertThat(db.queryLong("SELECT count(*) FROM pg_class WHERE relname LIKE 'event_embedding_pending%'")).isZero();
        assertThat(hasEmbeddingColumns(db)).isOne();
    }

    /** The documented option: the changelog parameter ehe.design, given with -D on the command line. */
    @Test
    void theDesignParameterInstallsOnlyThePendingTableDesign() throws Exception {
        TestDatabase db = withUpstreamTables("lbcli_pending");
        liquibaseCli(db, "update", "-Dehe.design=pending-table");
        assertThat(history(db)).contains("100-pending-table changelog/changes/100-pending-table.sql",
                "110-pending-triggers changelog/changes/110-pending-triggers.sql",
                "120-pending-bootstrap-progress changelog/changes/120-pending-bootstrap-progress.sql");
        assertThat(history(db)).noneMatch(h -> h.startsWith("0") && !h.startsWith("000"));
        assertThat(hasEmbeddingColumns(db)).isZero();
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
        aRolesParameterGrantsAndAnUpdateWithoutItTakesTheGrantBack("lbcli_readers", "_reader", "ehe.reader_roles",
                "175-reader-grants-pending-table", "has_table_privilege('%s', 'public.event_embedding_pending', 'SELECT')");
    }

    /**
     * Issue 27 with Liquibase alone: -Dehe.queue_roles names the workers' role (185 applies and grants EXECUTE
     * on the worker loop's calls), a runner migrate without --queue-role keeps it, and an update without the
     * parameter means "none" (185 re-runs and takes the grants back).
     */
    @Test
    void theQueueRolesParameterGrantsAndAnUpdateWithoutItTakesTheGrantBack() throws Exception {
        aRolesParameterGrantsAndAnUpdateWithoutItTakesTheGrantBack("lbcli_queue_roles", "_worker", "ehe.queue_roles",
                "185-queue-grants", "has_function_privilege('%s', 'public.ehe_queue_claim(text,integer,double precision,text,integer)', 'EXECUTE')");
    }

    /**
     * On a new database of the upstream tables with a new role (the database's name + {@code roleSuffix}):
     * {@code liquibase update -D<parameter>=role} of the pending-table design applies {@code changeSet} and
     * grants ({@code holds}, with %s for the role, is true); a runner migrate without the option re-runs
     * nothing and keeps the grant; an update without the parameter takes it back.
     */
    private static void aRolesParameterGrantsAndAnUpdateWithoutItTakesTheGrantBack(String dbName, String roleSuffix, String parameter,
                                                                                String changeSet, String holds) throws Exception {
        TestDatabase db = withUpstreamTables(dbName);
        String role = db.name() + roleSuffix;
        db.execute("DROP ROLE IF EXISTS " + role, "CREATE ROLE " + role);
        String holdsNow = "SELECT " + holds.formatted(role) + "::text";
        liquibaseCli(db, "update", "-Dehe.design=pending-table", "-D" + parameter + "=" + role);
        assertThat(history(db)).anyMatch(h -> h.startsWith(changeSet));
        assertThat(db.queryString(holdsNow)).isEqualTo("true");
        List<String> before = history(db);
        Migrations.migrate(db, false, io.ehe.catalog.Design.PENDING_TABLE);
        assertThat(history(db)).isEqualTo(before);
        assertThat(db.queryString(holdsNow)).isEqualTo("true");
        liquibaseCli(db, "update", "-Dehe.design=pending-table");
        assertThat(db.queryString(holdsNow)).isEqualTo("false");
    }

    /** The move between designs with Liquibase alone: the label filter rolls back one design's changeSets. */
    @Test
    void aLabelFilteredRollbackRemovesOneDesignAndKeepsTheOther() throws Exception {
        TestDatabase db = withUpstreamTables("lbcli_move");
        liquibaseCli(db, "update");
        // Installing the second design beside the first is the move's first step: said explicitly (issue 28, 5).
        liquibaseCli(db, "update", "-Dehe.design=pending-table", "-Dehe.allow_second_design=true");
        liquibaseCli(db, "rollback-count", "--count=8", "--label-filter=column");
        assertThat(history(db)).noneMatch(h -> h.startsWith("0") && !h.startsWith("000"));
        assertThat(history(db)).anyMatch(h -> h.startsWith("110-pending-triggers"));
        assertThat(history(db)).noneMatch(h -> h.startsWith("190-metrics-column")).anyMatch(h -> h.startsWith("190-metrics-pending-table"));
        assertThat(db.queryLong("SELECT count(*) FROM pg_attribute WHERE attrelid = 'events'::regclass AND attname = 'has_embedding' AND NOT attisdropped")).isZero();
        assertThat(db.queryLong("SELECT count(*) FROM pg_class WHERE relname = 'event_embedding_pending'")).isOne();
    }

    /**
     * Issue 28, 5 with Liquibase alone: a later update that forgets -Dehe.design=pending-table on a
     * pending-table database used to install the column design beside it. The design guard (000-01)
     * stops it, naming the parameter, before any changeSet; the same the other way round; with the
     * design named the update goes on; the guard itself is never recorded.
     */
    @Test
    void anUpdateWithoutTheInstalledDesignIsRefusedBeforeAnyChange() throws Exception {
        TestDatabase db = withUpstreamTables("lbcli_guard");
        liquibaseCli(db, "update", "-Dehe.design=pending-table");
        List<String> installed = history(db);

        Run forgot = liquibaseCliRun(db, "update");
        assertThat(forgot.exit()).as(forgot.out()).isNotZero();
        assertThat(forgot.out()).contains("events-has-embedding: this database has the pending-table design and ehe.design is column")
                .contains("ehe.design=pending-table").contains("ehe.allow_second_design=true").contains("nothing was changed");
        assertThat(history(db)).as("nothing recorded").isEqualTo(installed);
        assertThat(hasEmbeddingColumns(db))
                .as("the column design beside the pending-table one").isZero();
        assertThat(db.queryLong("SELECT count(*) FROM pg_trigger WHERE tgname LIKE 'trg_event_embeddings_has_embedding_%'")).isZero();

        liquibaseCli(db, "update", "-Dehe.design=pending-table");
        assertThat(history(db)).isEqualTo(installed).noneMatch(h -> h.startsWith("000-01"));

        TestDatabase column = withUpstreamTables("lbcli_guard_column");
        liquibaseCli(column, "update");
        List<String> columnInstalled = history(column);
        Run other = liquibaseCliRun(column, "update", "-Dehe.design=pending-table");
        assertThat(other.exit()).as(other.out()).isNotZero();
        assertThat(other.out()).contains("this database has the column design and ehe.design is pending-table");
        assertThat(history(column)).isEqualTo(columnInstalled);
        assertThat(column.queryLong("SELECT count(*) FROM pg_class WHERE relname = 'event_embedding_pending'")).isZero();
    }

    /**
     * Issue 28, 5: "liquibase status" as a deploy gate. Unfiltered it is never empty (the two checks are
     * never recorded, the other design's changeSets never run). With the filter docs/use-from-your-app.md
     * gives (a label filter that needs the design's label, then the reader-grants line left out) nothing is
     * left on a fully installed database, either design. 175 is the one a label cannot leave out: Liquibase
     * 4.33 lists it as not applied even right after it ran (runOnChange, the reader list as parameter).
     */
    @Test
    void statusWithTheDocumentedFilterIsEmptyOnAFullInstall() throws Exception {
        TestDatabase pending = withUpstreamTables("lbcli_gate_pending");
        String reader = pending.name() + "_reader";
        pending.execute("DROP ROLE IF EXISTS " + reader, "CREATE ROLE " + reader);
        liquibaseCli(pending, "update", "-Dehe.design=pending-table", "-Dehe.reader_roles=" + reader);
        String unfiltered = liquibaseCli(pending, "status", "--verbose", "-Dehe.design=pending-table", "-Dehe.reader_roles=" + reader);
        assertThat(gate(unfiltered)).as("unfiltered: the checks and the column design").contains(
                "changelog/changes/000-00-preflight.sql::000-00-preflight::ehe", "changelog/changes/010-has-embedding-column.sql::010-has-embedding-column::ehe");
        String filtered = liquibaseCli(pending, "status", "--verbose", "--label-filter=@pending-table", "-Dehe.design=pending-table",
                "-Dehe.reader_roles=" + reader);
        System.err.println("[gate pending-table]\n" + filtered);
        assertThat(gate(filtered)).as(filtered).isEmpty();

        TestDatabase column = withUpstreamTables("lbcli_gate_column");
        liquibaseCli(column, "update");
        String columnFiltered = liquibaseCli(column, "status", "--verbose", "--label-filter=@column and !partitioned");
        System.err.println("[gate column]\n" + columnFiltered);
        assertThat(gate(columnFiltered)).as(columnFiltered).isEmpty();
    }

    /** The documented gate's second half: the changeSet lines of "status --verbose", less the reader and queue grants (175, 185). */
    private static List<String> gate(String statusVerbose) {
        return statusVerbose.lines().map(String::strip).filter(l -> l.endsWith("::ehe") && !l.contains("::175-reader-grants-") && !l.contains("::185-queue-grants")).toList();
    }

    /**
     * Issue 28, 5: with Liquibase alone a deferred 040 said only "Expected '0' got '1'". The deferred notice
     * (039, never recorded) says in the same log what 040 and 050 wait for; once nothing is deferred it says
     * so in one short line; it never gets a history row.
     */
    @Test
    void aDeferredIndexIsExplainedInLiquibasesOwnLog() throws Exception {
        TestDatabase db = withUpstreamTables("lbcli_deferred_notice");
        db.execute("INSERT INTO public.events (organization_id, payload_text) SELECT 'org-' || (g % 3), 'text ' || g FROM generate_series(1, 50) g");
        Run first = liquibaseCliAt("INFO", db, "update");
        assertThat(first.exit()).as(first.out()).isZero();
        assertThat(first.out()).contains("039-deferred-notice")
                .contains("are deferred, skipped and not recorded, because events.has_embedding still has NULL rows: the backfill is not complete");
        assertThat(history(db)).noneMatch(h -> h.startsWith("039")).noneMatch(h -> h.startsWith("040"));

        db.execute("UPDATE public.events e SET has_embedding = EXISTS (SELECT 1 FROM public.event_embeddings x WHERE x.event_id = e.id)");
        Run second = liquibaseCliAt("INFO", db, "update");
        assertThat(second.exit()).as(second.out()).isZero();
        assertThat(second.out()).contains("nothing of this module deferred").doesNotContain("the backfill is not complete");
        assertThat(history(db)).anyMatch(h -> h.startsWith("040")).anyMatch(h -> h.startsWith("050")).noneMatch(h -> h.startsWith("039"));
    }
}
