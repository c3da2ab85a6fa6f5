package io.ehe.module;

import io.ehe.cli.ExitCodes;
import io.ehe.testing.Migrations;
import io.ehe.testing.PostgresExtension;
import io.ehe.testing.PostgresServer;
import io.ehe.testing.ShippedCli;
import io.ehe.testing.TestDatabase;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The module as an app's own Liquibase uses it, on the artifacts `mvn package` made: the thin
 * changelog jar (and, opted in, the advisory-lock jar) on the class path of
 *  (a) a Spring Boot app with spring-boot-starter-liquibase (src/test/apps/spring-boot-app, built
 *      here with its own pom under the Boot parent) whose master creates the tables and then includes
 *      the module;
 *  (b) the Liquibase command line (liquibase-core's own LiquibaseCommandLine main class, as the
 *      `liquibase` launcher and the Maven plugin run it), from a directory with no changelog in it;
 * and then (c) the module's shipped runner on the same database: status ready, migrate applies nothing.
 */
@ExtendWith(PostgresExtension.class)
class ConsumerAppsIT {

    private static final Path CHANGELOG_JAR = Path.of(System.getProperty("ehe.changelog.jar", "target/events-has-embedding-changelog.jar"));
    private static final Path LOCK_JAR = Path.of(System.getProperty("ehe.lock.jar", "target/events-has-embedding-advisory-lock.jar"));
    private static final Path APP_SOURCES = Path.of(System.getProperty("ehe.basedir", "."), "src", "test", "apps", "spring-boot-app");
    private static final Duration RUN_TIMEOUT = Duration.ofMinutes(3);

    /** The app's jar and its dependencies (Spring Boot, liquibase-core 4.33.0, the driver): no module jar. */
    private static List<String> appClasspath;

    @BeforeAll
    static void buildTheApp() throws Exception {
        assertThat(CHANGELOG_JAR).as("run mvn package first").isRegularFile();
        Path out = CHANGELOG_JAR.toAbsolutePath().getParent().resolve("spring-boot-app");
        Path classpathFile = out.resolve("classpath.txt");
        String mvn = Path.of(System.getProperty("maven.home", "/usr/share/maven"), "bin", "mvn").toString();
        run(new ProcessBuilder(mvn, "-B", "-ntp", "-q", "-f", APP_SOURCES.resolve("pom.xml").toAbsolutePath().toString(),
                "package", "dependency:build-classpath", "-Dapp.build.directory=" + out,
                "-Dmdep.outputFile=" + classpathFile), Duration.ofMinutes(5));
        appClasspath = new ArrayList<>();
        appClasspath.add(out.resolve("spring-boot-app-1.jar").toString());
        appClasspath.addAll(Arrays.asList(Files.readString(classpathFile).trim().split(File.pathSeparator)));
        assertThat(appClasspath).anyMatch(e -> e.contains("liquibase-core-4.33.0.jar"))
                .noneMatch(e -> e.contains("events-has-embedding"));
    }

    private static String run(ProcessBuilder pb, Duration timeout) throws Exception {
        pb.redirectErrorStream(true).environment().put("LIQUIBASE_ANALYTICS_ENABLED", "false");
        Process p = pb.start();
        byte[] output = p.getInputStream().readAllBytes();
        assertThat(p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
        String text = new String(output, StandardCharsets.UTF_8);
        assertThat(p.exitValue()).as("%s:%n%s", pb.command(), text).isZero();
        return text;
    }

    private static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** Runs the Spring Boot app once (its Liquibase runs at startup) with the given jars added. */
    private static String springApp(TestDatabase db, List<Path> moduleJars, String... args) throws Exception {
        List<String> cp = new ArrayList<>(appClasspath);
        moduleJars.forEach(j -> cp.add(j.toAbsolutePath().toString()));
        List<String> cmd = new ArrayList<>(List.of(java(), "-Dliquibase.analytics.enabled=false", "-cp", String.join(File.pathSeparator, cp),
                "io.ehe.app.App", "--spring.datasource.url=" + db.jdbcUrl(), "--spring.datasource.username=" + db.user()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(Files.createTempDirectory("ehe-app").toFile());
        if (db.password() != null) {
            pb.environment().put("SPRING_DATASOURCE_PASSWORD", db.password());
        }
        return run(pb, RUN_TIMEOUT);
    }

    /**
     * liquibase-core and its libraries (this test's own, from the local repository: none holds the
     * changelog) plus the thin jar, run where no changelog/ directory is: the changelog can only come
     * from the jar.
     */
    private static String liquibaseCli(TestDatabase db, String... args) throws Exception {
        return liquibaseCli(db, Files.createTempDirectory("ehe-cli"), "io/ehe/events-has-embedding/db.changelog-master.yaml", args);
    }

    private static String liquibaseCli(TestDatabase db, Path workingDirectory, String changelog, String... args) throws Exception {
        String libraries = Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(e -> e.contains(File.separator + ".m2" + File.separator) && e.endsWith(".jar"))
                .collect(Collectors.joining(File.pathSeparator));
        List<String> cmd = new ArrayList<>(List.of(java(), "-cp", libraries + File.pathSeparator + CHANGELOG_JAR.toAbsolutePath(),
                "liquibase.integration.commandline.LiquibaseCommandLine", "--show-banner=false", "--log-level=WARNING",
                "--changelog-file=" + changelog,
                "--url=" + db.jdbcUrl(), "--username=" + db.user()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(workingDirectory.toFile());
        if (db.password() != null) {
            pb.environment().put("LIQUIBASE_COMMAND_PASSWORD", db.password());
        }
        return run(pb, RUN_TIMEOUT);
    }

    private static ShippedCli.Result runner(TestDatabase db, String... args) throws Exception {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--url", db.urlWithCredentials()));
        return ShippedCli.run(Map.of(), Duration.ofMinutes(2), all.toArray(String[]::new));
    }

    /**
     * (c): the runner agrees with what the app's Liquibase applied: migrate applies nothing; after the
     * runner's own next step where the design has one (pending-table: backfill fills the new target,
     * even on an empty table), status is ready.
     */
    private static void runnerAgrees(TestDatabase db, String design) throws Exception {
        List<String> history = AppChangelog.history(db);
        ShippedCli.Result applied = runner(db, "migrate", "--design", design);
        assertThat(applied.exit()).as("migrate: %s", applied).isEqualTo(ExitCodes.OK);
        assertThat(AppChangelog.history(db)).as("migrate applied nothing").isEqualTo(history);
        if (design.equals("pending-table")) {
            ShippedCli.Result fill = runner(db, "backfill");
            assertThat(fill.exit()).as("backfill: %s", fill).isEqualTo(ExitCodes.OK);
        }
        ShippedCli.Result status = runner(db, "status");
        assertThat(status.exit()).as("status: %s", status).isEqualTo(ExitCodes.OK);
        assertThat(AppChangelog.history(db)).isEqualTo(history);
    }

    private static List<String> moduleRows(TestDatabase db) {
        return AppChangelog.history(db).stream().filter(h -> !h.startsWith("001-tables")).toList();
    }

    private static boolean hasTable(TestDatabase db, String name) {
        return db.queryLong("SELECT count(*) FROM pg_class WHERE relname = '" + name + "'") == 1;
    }

    @Test
    void theThinJarHoldsTheChangelogOnly() throws Exception {
        try (JarFile jar = new JarFile(CHANGELOG_JAR.toFile())) {
            List<String> entries = Collections.list(jar.entries()).stream().map(e -> e.getName()).filter(n -> !n.endsWith("/")).toList();
            assertThat(entries).contains("io/ehe/events-has-embedding/db.changelog-master.yaml",
                    "io/ehe/events-has-embedding/changes/000-00-preflight.sql",
                    "io/ehe/events-has-embedding/changes/010-has-embedding-column.sql");
            assertThat(entries).as("no logging configuration, no service registration, no class, nothing shaded")
                    .allMatch(n -> n.startsWith("io/ehe/events-has-embedding/") || n.equals("META-INF/MANIFEST.MF")
                            || n.startsWith("META-INF/maven/io.ehe/events-has-embedding/"));
        }
        try (JarFile jar = new JarFile(LOCK_JAR.toFile())) {
            List<String> entries = Collections.list(jar.entries()).stream().map(e -> e.getName()).filter(n -> !n.endsWith("/")).toList();
            assertThat(entries).contains("io/ehe/migration/AdvisoryLockService.class", "META-INF/services/liquibase.lockservice.LockService")
                    .noneMatch(n -> n.endsWith("logback.xml") || n.startsWith("liquibase/") || n.startsWith("org/"));
        }
    }

    /** (a) then (c): the app's first run on a fresh database creates the tables and installs the column design. */
    @Test
    void aSpringBootAppInstallsTheModuleInItsFirstRunAndTheRunnerAgrees() throws Exception {
        TestDatabase db = PostgresServer.get().createDatabase("app_spring_column");
        springApp(db, List.of(CHANGELOG_JAR));
        assertThat(moduleRows(db)).contains("010-has-embedding-column changelog/changes/010-has-embedding-column.sql",
                "040-pending-embedding-index changelog/changes/040-pending-embedding-index.sql");
        assertThat(db.queryLong("SELECT count(*) FROM pg_attribute WHERE attrelid = 'events'::regclass AND attname = 'has_embedding'")).isOne();
        assertThat(hasTable(db, "databasechangeloglock")).as("the app's own (Liquibase's) lock service was used").isTrue();
        // The app's next deployment: nothing new.
        List<String> history = AppChangelog.history(db);
        springApp(db, List.of(CHANGELOG_JAR));
        assertThat(AppChangelog.history(db)).isEqualTo(history);
        runnerAgrees(db, "column");
    }

    /** The design as a Spring parameter; the advisory lock opted in with its jar. */
    @Test
    void aSpringBootAppChoosesTheDesignByParameterAndOptsIntoTheAdvisoryLock() throws Exception {
        TestDatabase db = PostgresServer.get().createDatabase("app_spring_pending");
        springApp(db, List.of(CHANGELOG_JAR, LOCK_JAR), "--spring.liquibase.parameters.ehe.design=pending-table");
        assertThat(moduleRows(db)).contains("140-pending-per-target changelog/changes/140-pending-per-target.sql")
                .noneMatch(h -> h.startsWith("010-"));
        assertThat(hasTable(db, "event_embedding_pending")).isTrue();
        assertThat(hasTable(db, "databasechangeloglock")).as("the advisory lock service replaced the table lock").isFalse();
        runnerAgrees(db, "pending-table");
    }

    /** (b) then (c): the Liquibase command line with the thin jar on its class path and -D parameters. */
    @Test
    void theLiquibaseCommandLineRunsTheChangelogFromTheThinJarAndTheRunnerAgrees() throws Exception {
        TestDatabase db = PostgresServer.get().createDatabase("app_cli");
        Migrations.createUpstreamTables(db);
        liquibaseCli(db, "update", "-Dehe.design=column");
        assertThat(moduleRows(db)).contains("020-has-embedding-triggers changelog/changes/020-has-embedding-triggers.sql")
                .allMatch(h -> h.contains(" changelog/changes/"));
        runnerAgrees(db, "column");
    }

    /** includeAll of the changes directory inside the thin jar (listed from the jar, not a directory). */
    @Test
    void includeAllOfTheChangesDirectoryInTheThinJarInstallsTheDesign() throws Exception {
        TestDatabase db = PostgresServer.get().createDatabase("app_cli_include_all");
        Migrations.createUpstreamTables(db);
        Path app = Files.createTempDirectory("ehe-cli-app");
        Files.writeString(app.resolve("app-master.yaml"), """
                databaseChangeLog:
                  - includeAll:
                      path: io/ehe/events-has-embedding/changes/
                """);
        liquibaseCli(db, app, "app-master.yaml", "update", "-Dehe.design=pending-table");
        assertThat(moduleRows(db)).contains("140-pending-per-target changelog/changes/140-pending-per-target.sql")
                .allMatch(h -> h.contains(" changelog/changes/"));
        runnerAgrees(db, "pending-table");
    }
}
