package io.ehe.migration;

import io.ehe.testing.Catalog;
import io.ehe.testing.Migrations;
import io.ehe.testing.PostgresExtension;
import io.ehe.testing.PostgresServer;
import io.ehe.testing.TestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/** The baseline runs only when asked for; an ordinary update on a database without the tables stops. */
@ExtendWith(PostgresExtension.class)
class BaselineGuardTest {

    @Test
    void runnerRefusesADatabaseWithoutTheTablesBeforeWritingAnything(TestDatabase db) {
        String before = Catalog.snapshot(db);
        Migrator migrator = new Migrator(db.connections(), Migrations.settings(false));
        Throwable refused = catchThrowable(() -> migrator.migrate(null, null));
        assertThat(refused).isInstanceOf(WrongDatabaseException.class).hasMessageContaining("wrong database");
        assertThat(Catalog.snapshot(db)).as("not even DATABASECHANGELOG was created").isEqualTo(before);
    }

    @Test
    void theChangelogItselfHaltsBeforeAnyChangeSetWithoutTheTables() {
        // What the Liquibase CLI would do with this changelog on the wrong database.
        TestDatabase wrong = PostgresServer.get().createDatabase("wrong_db");
        Throwable halted = catchThrowable(() -> Migrations.runner(wrong, false).update(null, null));
        assertThat(halted).isNotNull();
        assertThat(String.valueOf(halted.getMessage()) + halted.getCause()).contains("wrong database");
        assertThat(wrong.queryString("SELECT to_regclass('public.events')::text")).isNull();
        assertThat(wrong.queryLong("SELECT count(*) FROM pg_tables WHERE tablename = 'databasechangelog'") == 0
                || wrong.queryLong("SELECT count(*) FROM databasechangelog") == 0).isTrue();
    }

    @Test
    void baselineIsMarkedRanWithoutTouchingTablesThatAlreadyExist() throws Exception {
        TestDatabase prod = PostgresServer.get().createDatabase("prod_like");
        Migrations.createUpstreamTables(prod);
        Migrations.runner(prod, true).update(null, null);
        assertThat(prod.queryString("SELECT exectype FROM databasechangelog WHERE id = '000-baseline-tables'")).isEqualTo("MARK_RAN");
        assertThat(prod.queryString("SELECT coalesce(obj_description('public.events'::regclass, 'pg_class'), 'none')")).isEqualTo("none");
        assertThat(prod.queryLong("SELECT count(*) FROM information_schema.columns WHERE table_name = 'events'"))
                .as("no baseline column sneaked in").isEqualTo(5);
    }
}
