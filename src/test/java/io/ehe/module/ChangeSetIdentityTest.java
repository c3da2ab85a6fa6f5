package io.ehe.module;

import io.ehe.catalog.Design;
import io.ehe.cli.ExitCodes;
import io.ehe.migration.ChangelogRunner;
import io.ehe.migration.ChangeSetState;
import io.ehe.migration.HistoryPathMismatchException;
import io.ehe.migration.Migrator;
import io.ehe.testing.Catalog;
import io.ehe.testing.Migrations;
import io.ehe.testing.PostgresServer;
import io.ehe.testing.ShippedCli;
import io.ehe.testing.TestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * What DATABASECHANGELOG records for this module's changeSets however an app's Liquibase includes
 * it (the app's master from its own directory, the module from the classpath as the thin jar holds
 * it), and that the runner then agrees, or refuses with the repair.
 */
class ChangeSetIdentityTest {

    private static final String INCLUDE_MODULE = "  - include:\n      file: " + AppChangelog.MODULE_MASTER + "\n";

    /** The rows of this module's changeSets: each under its pinned changelog/changes/<id>.sql. */
    private static List<String> moduleRows(TestDatabase db) {
        return AppChangelog.history(db).stream().filter(h -> !h.startsWith("app-")).toList();
    }

    private static void assertPinned(List<String> rows) {
        assertThat(rows).isNotEmpty().allSatisfy(h -> {
            String id = h.substring(0, h.indexOf(' '));
            assertThat(h).isEqualTo(id + " changelog/changes/" + id + ".sql");
        });
    }

    @Test
    void everyChangeSetPinsItsPathUnderChangelogChanges() throws Exception {
        TestDatabase db = PostgresServer.get().createDatabase("identity_paths");
        Migrations.createUpstreamTables(db);
        // The repair the runner prints and the test below rely on it; so do the databases installed so far.
        List<ChangeSetState> all = Migrations.runner(db, false).changeSets();
        assertThat(all).hasSizeGreaterThan(5).allSatisfy(cs ->
                assertThat(cs.file()).isEqualTo("changelog/changes/" + cs.id() + ".sql"));
    }

    @Test
    void anAppThatCreatesTheTablesFirstInstallsTheModuleInItsFirstRunUnderThePinnedPaths(@TempDir Path dir) throws Exception {
        TestDatabase db = PostgresServer.get().createDatabase("identity_include");
        new AppChangelog(dir).master(AppChangelog.APP_TABLES + INCLUDE_MODULE).update(db, Map.of());
        assertPinned(moduleRows(db));
        assertThat(moduleRows(db)).anyMatch(h -> h.startsWith("020-has-embedding-triggers"))
                .as("the preflight check is never recorded").noneMatch(h -> h.startsWith(ChangelogRunner.PREFLIGHT_ID));
        List<String> afterApp = AppChangelog.history(db);
        new Migrator(db.connections(), Migrations.settings(false)).migrate(null, null);
        assertThat(AppChangelog.history(db)).as("the runner found nothing new to apply").isEqualTo(afterApp);
    }

    @Test
    void includeAllOfTheChangesDirectoryInstallsTheDesignItIsGiven(@TempDir Path dir) throws Exception {
        TestDatabase db = PostgresServer.get().createDatabase("identity_include_all");
        new AppChangelog(dir).master(AppChangelog.APP_TABLES
                        + "  - includeAll:\n      path: io/ehe/events-has-embedding/changes/\n")
                .update(db, Map.of("ehe.design", "pending-table"));
        assertPinned(moduleRows(db));
        assertThat(db.queryLong("SELECT count(*) FROM pg_class WHERE relname = 'event_embedding_pending'")).isOne();
        List<String> afterApp = AppChangelog.history(db);
        new Migrator(db.connections(), Migrations.settings(false).withDesign(Design.PENDING_TABLE)).migrate(null, null);
        assertThat(AppChangelog.history(db)).isEqualTo(afterApp);
    }

    @Test
    void theModuleIncludedBeforeTheAppCreatesTheTablesStopsTheUpdateBeforeItsFirstChangeSet(@TempDir Path dir) throws Exception {
        TestDatabase db = PostgresServer.get().createDatabase("identity_wrong_order");
        Throwable halted = catchThrowable(() -> new AppChangelog(dir).master(INCLUDE_MODULE + AppChangelog.APP_TABLES).update(db, Map.of()));
        assertThat(String.valueOf(halted)).contains("wrong database");
        assertThat(db.queryLong("SELECT count(*) FROM databasechangelog")).isZero();
        assertThat(db.queryString("SELECT to_regclass('public.events')::text")).isNull();
    }

    @Test
    void anUnknownDesignStopsTheUpdateBeforeItsFirstChangeSet(@TempDir Path dir) throws Exception {
        TestDatabase db = PostgresServer.get().createDatabase("identity_bad_design");
        Throwable halted = catchThrowable(() -> new AppChangelog(dir).master(AppChangelog.APP_TABLES + INCLUDE_MODULE)
                .update(db, Map.of("ehe.design", "colum")));
        assertThat(String.valueOf(halted)).contains("ehe.design is neither column nor pending-table");
        assertThat(moduleRows(db)).isEmpty();
    }

    /**
     * Liquibase 4.31-4.33 records the module's changeSets under an app master's root logicalFilePath
     * (their own pinned one notwithstanding). The runner refuses that history before changing anything,
     * and the repair it prints, done as it says, brings app and runner back to one history.
     */
    @Test
    void aRootLogicalFilePathInTheAppIsRefusedByTheRunnerWithARepairThatWorks(@TempDir Path dir) throws Exception {
        TestDatabase db = PostgresServer.get().createDatabase("identity_root_lfp");
        AppChangelog app = new AppChangelog(dir);
        app.master("  - logicalFilePath: app/db.changelog.yaml\n" + AppChangelog.APP_TABLES + INCLUDE_MODULE).update(db, Map.of());
        assertThat(moduleRows(db)).isNotEmpty().allMatch(h -> h.endsWith(" app/db.changelog.yaml"));

        String before = Catalog.snapshot(db);
        List<String> history = AppChangelog.history(db);
        Throwable refused = catchThrowable(() -> new Migrator(db.connections(), Migrations.settings(false)).migrate(null, null));
        assertThat(refused).isInstanceOf(HistoryPathMismatchException.class);
        assertThat(refused.getMessage()).doesNotContain("\n").contains("'app/db.changelog.yaml'");
        assertThat(Catalog.snapshot(db)).isEqualTo(before);
        assertThat(AppChangelog.history(db)).isEqualTo(history);
        assertThat(catchThrowable(() -> Migrations.runner(db, false).changeSets()))
                .as("status reads the same list").isInstanceOf(HistoryPathMismatchException.class);
        ShippedCli.Result cli = ShippedCli.run(Map.of(), Duration.ofMinutes(2), "migrate", "--url", db.urlWithCredentials());
        assertThat(cli.exit()).as("%s", cli).isEqualTo(ExitCodes.HISTORY_PATH_MISMATCH);
        assertThat(cli.errLines()).hasSize(1).first().asString().startsWith("error: ").contains("UPDATE databasechangelog SET filename");
        assertThat(AppChangelog.history(db)).isEqualTo(history);

        // The repair as printed: (1) the app's master without the include, under a new top without a root path ...
        app.master("  - logicalFilePath: app/db.changelog.yaml\n" + AppChangelog.APP_TABLES);
        Files.move(dir.resolve("master.yaml"), dir.resolve("app-master.yaml"));
        app.master("  - include:\n      file: app-master.yaml\n" + INCLUDE_MODULE);
        // ... (2) the statements, run once.
        Matcher fix = Pattern.compile("run once on this database: (.*)$").matcher(refused.getMessage());
        assertThat(fix.find()).isTrue();
        db.execute(fix.group(1));

        assertPinned(moduleRows(db));
        app.update(db, Map.of());
        assertThat(AppChangelog.history(db)).as("the app's next run applies nothing again").hasSameSizeAs(history);
        new Migrator(db.connections(), Migrations.settings(false)).migrate(null, null);
        assertThat(AppChangelog.history(db)).hasSameSizeAs(history);
        assertPinned(moduleRows(db));
    }
}
