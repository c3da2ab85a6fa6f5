package io.ehe.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ehe.testing.Migrations;
import io.ehe.testing.PostgresExtension;
import io.ehe.testing.PostgresServer;
import io.ehe.testing.TestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import static org.assertj.core.api.Assertions.assertThat;

/** Issue 28, 6 and 9: what an operator reads when a changeSet fails, and status on a database without the module. */
@ExtendWith(PostgresExtension.class)
class OperatorOutputTest {

    /**
     * A changeSet that fails (its table is already there, of another shape): one error line naming the
     * changeSet, the database's error and the statement, and the statement printed once in all the
     * output (it was printed twice: in Liquibase's log record and in the error line).
     */
    @Test
    void aFailedChangeSetPrintsItsSqlOnce() {
        TestDatabase db = PostgresServer.get().createDatabase("op_failed_sql");
        Migrations.baselineOnly(db);
        db.execute("CREATE TABLE public.event_embedding_pending (x int)");
        Cli.Result r = Cli.run("migrate", "--design", "pending-table", "--url", db.urlWithCredentials());
        assertThat(r.exit()).as(r.toString()).isEqualTo(ExitCodes.FAILURE);
        // A phrase of 100's CREATE TABLE that no message of Liquibase or PostgreSQL says on its own.
        String phrase = "autovacuum_vacuum_cost_delay";
        assertThat(count(r.all(), phrase)).as("the failed SQL printed once\n" + r).isEqualTo(1);
        String errorLine = r.errLines().stream().filter(l -> l.startsWith("error: ")).findFirst().orElseThrow();
        assertThat(errorLine).startsWith("error: changeSet 100-pending-table failed: ERROR: relation \"event_embedding_pending\" already exists; failed SQL: CREATE TABLE public.event_embedding_pending (")
                .contains(phrase).doesNotContain("liquibase.exception");
        assertThat(r.all()).as("Liquibase's own record still says which changeSet failed")
                .contains("100-pending-table::ehe encountered an exception");
        assertThat(db.queryLong("SELECT count(*) FROM public.databasechangelog WHERE id LIKE '1%'")).isZero();
    }

    /** Status on the app's tables without either design: "module not installed", exit 14, text and JSON; nothing created. */
    @Test
    void statusWithoutTheModuleSaysSoWithItsOwnExitCode() throws Exception {
        TestDatabase db = PostgresServer.get().createDatabase("op_no_module");
        Migrations.createUpstreamTables(db);
        String url = db.urlWithCredentials();

        Cli.Result text = Cli.run("status", "--url", url);
        assertThat(text.exit()).as(text.toString()).isEqualTo(ExitCodes.MODULE_NOT_INSTALLED);
        assertThat(text.out().lines().findFirst()).as("the verdict first").hasValue("ready for the scheduler: no");
        assertThat(text.out().lines().skip(1).findFirst().orElseThrow()).as("then its reason").startsWith("not ready: module not installed");
        assertThat(text.out()).contains("design: none").contains("module not installed")
                .contains("run 'migrate' (the column design) or 'migrate --design pending-table'")
                .doesNotContain("design: column").doesNotContain("has_embedding: absent");

        Cli.Result named = Cli.run("status", "--design", "pending-table", "--url", url);
        assertThat(named.exit()).as("a design named changes nothing: the module is not there\n" + named).isEqualTo(ExitCodes.MODULE_NOT_INSTALLED);

        Cli.Result json = Cli.run("status", "--json", "--url", url);
        assertThat(json.exit()).as(json.toString()).isEqualTo(ExitCodes.MODULE_NOT_INSTALLED);
        JsonNode j = new ObjectMapper().readTree(json.out());
        assertThat(j.get("design").isNull()).isTrue();
        assertThat(j.get("installed").asBoolean()).isFalse();
        assertThat(j.get("ready").asBoolean()).isFalse();
        assertThat(j.get("notReadyBecause").get(0).asText()).startsWith("module not installed");
        if (db.password() != null) {
            assertThat(j.get("database").asText()).doesNotContain(db.password());
        }

        assertThat(db.queryString("SELECT to_regclass('public.databasechangelog')::text")).as("status wrote nothing").isNull();

        TestDatabase empty = PostgresServer.get().createDatabase("op_no_tables");
        assertThat(Cli.run("status", "--url", empty.urlWithCredentials()).exit()).as("without the app's tables: wrong database, as before")
                .isEqualTo(ExitCodes.WRONG_DATABASE);

        assertThat(Cli.run("migrate", "--url", url).exit()).isZero();
        assertThat(Cli.run("status", "--url", url).exit()).as("installed (empty tables: every changeSet applied at once): ready").isZero();
    }

    private static int count(String haystack, String needle) {
        int n = 0;
        for (int i = haystack.indexOf(needle); i >= 0; i = haystack.indexOf(needle, i + 1)) {
            n++;
        }
        return n;
    }
}
