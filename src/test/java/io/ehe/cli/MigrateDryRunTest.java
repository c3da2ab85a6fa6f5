package io.ehe.cli;

import io.ehe.testing.Catalog;
import io.ehe.testing.Migrations;
import io.ehe.testing.PostgresExtension;
import io.ehe.testing.TestDatabase;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

import static org.assertj.core.api.Assertions.assertThat;

/** --dry-run prints what would run and changes nothing: catalog and history identical before and after. */
@ExtendWith(PostgresExtension.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MigrateDryRunTest {

    @Test
    @Order(1)
    void onAProductionShapedDatabaseThatNeverSawLiquibase(TestDatabase db) {
        Migrations.createUpstreamTables(db);
        db.execute("INSERT INTO public.events (organization_id, payload_text) SELECT 'org-' || (g % 3), 'text ' || g FROM generate_series(1, 300) g");
        String before = Catalog.snapshot(db);

        Cli.Result r = Cli.run("migrate", "--url", db.urlWithCredentials(), "--dry-run", "--tag", "v1");

        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(Catalog.snapshot(db)).isEqualTo(before);
        assertThat(db.queryString("SELECT to_regclass('public.databasechangelog')::text")).isNull();
        assertThat(r.out())
                .contains("-- MARK_RAN             000-baseline-tables")
                .contains("-- RUN                  010-has-embedding-column")
                .contains("-- DECIDED_AT_RUN_TIME  040-pending-embedding-index")
                .contains("ALTER TABLE public.events ADD COLUMN has_embedding boolean")
                .contains("CREATE TRIGGER trg_event_embeddings_has_embedding_ins")
                .contains("then tag the database: v1")
                // the baseline's precondition was judged: its CREATE TABLE is not in the SQL
                .doesNotContain("CREATE TABLE public.events (");

        // status before the first migrate is read-only too, and says the module is not installed (issue 28, 6:
        // it used to report the column design as not ready, exit 5)
        Cli.Result status = Cli.run("status", "--url", db.urlWithCredentials());
        assertThat(status.exit()).as(status.toString()).isEqualTo(ExitCodes.MODULE_NOT_INSTALLED);
        assertThat(status.out()).contains("module not installed").contains("'migrate --dry-run' first shows what it would apply");
        assertThat(Catalog.snapshot(db)).isEqualTo(before);
    }

    @Test
    @Order(2)
    void afterMigrateWithNullRowsTheIndexIsShownDeferred(TestDatabase db) {
        assertThat(Cli.run("migrate", "--url", db.urlWithCredentials()).exit()).isZero();
        String before = Catalog.snapshot(db);
        long history = db.queryLong("SELECT count(*) FROM public.databasechangelog");

        Cli.Result r = Cli.run("migrate", "--url", db.urlWithCredentials(), "--dry-run");

        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(Catalog.snapshot(db)).isEqualTo(before);
        assertThat(db.queryLong("SELECT count(*) FROM public.databasechangelog")).isEqualTo(history);
        assertThat(r.out()).contains("-- DEFERRED             040-pending-embedding-index")
                .contains("-- DEFERRED             050-has-embedding-not-null")
                .doesNotContain("CREATE INDEX CONCURRENTLY");
    }

    @Test
    @Order(3)
    void rollbackDryRunPrintsTheRollbackSqlAndChangesNothing(TestDatabase db) {
        String before = Catalog.snapshot(db);
        long history = db.queryLong("SELECT count(*) FROM public.databasechangelog");

        Cli.Result r = Cli.run("rollback", "--url", db.urlWithCredentials(), "--count", "5", "--dry-run"); // 195, 190, 070, 030, 020

        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(Catalog.snapshot(db)).isEqualTo(before);
        assertThat(db.queryLong("SELECT count(*) FROM public.databasechangelog")).isEqualTo(history);
        assertThat(r.out()).contains("DROP TABLE IF EXISTS public.events_has_embedding_backfill")
                .contains("DROP TRIGGER IF EXISTS trg_event_embeddings_has_embedding_ins");

        Cli.Result toChangeSet = Cli.run("rollback", "--url", db.urlWithCredentials(), "--to-changeset", "195-definer-schema-usage-column", "--dry-run");
        assertThat(toChangeSet.exit()).as(toChangeSet.toString()).isZero();
        assertThat(toChangeSet.out()).contains("nothing to roll back");
        assertThat(Catalog.snapshot(db)).isEqualTo(before);
    }
}
