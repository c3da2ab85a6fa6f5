package io.ehe.design;

import io.ehe.cli.ExitCodes;
import io.ehe.testing.AppTables;
import io.ehe.testing.PostgresExtension;
import io.ehe.testing.InProcessCli;
import io.ehe.testing.InProcessCli.Run;
import io.ehe.testing.TestDatabase;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;


import static org.assertj.core.api.Assertions.assertThat;

/**
 * New-user trial, finding 7: an install stopped after changeSets 000 and 100 (the pending table exists,
 * in schema ehe; the tables are in schema app) read, with the wrong --schema/--module-schema, as "module
 * not installed" (exit 14). status now says where it found the module (or the tables) and which flag to
 * give (exit 6, the wrong-place code); with the right flags it says the install is half-finished (not
 * ready, exit 5); migrate with them finishes it.
 */
@ExtendWith(PostgresExtension.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class HalfFinishedInstallTest {

    @BeforeAll
    static void stoppedAfter100(TestDatabase db) {
        db.execute("CREATE SCHEMA app", "CREATE SCHEMA ehe");
        db.execute(AppTables.events().inSchema("app").sql().toArray(String[]::new));
        db.execute(AppTables.embeddings().inSchema("app").sql().toArray(String[]::new));
        db.execute("INSERT INTO app.events (organization_id, payload_text) SELECT 'org-' || (g % 4), 'text ' || g FROM generate_series(1, 50) g");
        Run half = run(db, "migrate", "--design", "pending-table", "--schema", "app", "--module-schema", "ehe", "--count", "1");
        assertThat(half.exit()).as(half.output()).isZero();
        assertThat(db.queryString("SELECT string_agg(id, ',' ORDER BY orderexecuted) FROM ehe.databasechangelog"))
                .isEqualTo("000-baseline-tables,100-pending-table");
    }

    @Test
    @Order(1)
    void theWrongModuleSchemaNamesWhereTheModuleIs(TestDatabase db) {
        Run r = run(db, "status", "--schema", "app");
        assertThat(r.exit()).as(r.output()).isEqualTo(ExitCodes.WRONG_DATABASE);
        assertThat(r.output()).contains("no module objects in schema app (--module-schema)").contains("in schema ehe")
                .contains("pass --module-schema ehe").doesNotContain("module not installed");
    }

    @Test
    @Order(2)
    void theWrongTablesSchemaNamesWhereTheTablesAre(TestDatabase db) {
        Run r = run(db, "status", "--module-schema", "ehe");
        assertThat(r.exit()).as(r.output()).isEqualTo(ExitCodes.WRONG_DATABASE);
        assertThat(r.output()).contains("tables public.events and public.event_embeddings not found")
                .contains("they are in schema app: pass --schema app");
    }

    @Test
    @Order(3)
    void aMigrateOrBackfillThatForgetsTheModuleSchemaChangesNothing(TestDatabase db) {
        // A new-user trial: migrate --schema app alone installed the column design into app beside the half-finished install, exit 0.
        for (String[] args : new String[][] {{"migrate", "--schema", "app"}, {"migrate", "--schema", "app", "--dry-run"}, {"backfill", "--schema", "app"}}) {
            Run r = run(db, args);
            assertThat(r.exit()).as(String.join(" ", args) + ": " + r.output()).isEqualTo(ExitCodes.WRONG_DATABASE);
            assertThat(r.output()).contains("pass --module-schema ehe");
        }
        assertThat(db.queryLong("SELECT count(*) FROM pg_attribute WHERE attrelid = 'app.events'::regclass AND attname = 'has_embedding'"))
                .as("no column design beside it").isZero();
        assertThat(db.queryLong("SELECT count(*) FROM pg_class WHERE relname = 'databasechangelog' AND relnamespace = 'app'::regnamespace"))
                .as("no history in app").isZero();
    }

    /**
     * New-user trial: verify here printed a raw "relation event_embedding_pending_targets does not
     * exist" (exit 1). verify and backfill now refuse with status's own reason, as for a design not
     * installed (exit 9), and change nothing.
     */
    @Test
    @Order(4)
    void verifyAndBackfillRefuseAHalfFinishedInstallAsStatusNamesIt(TestDatabase db) {
        for (String[] args : new String[][] {{"verify"}, {"verify", "--repair"}, {"backfill"}}) {
            String[] all = java.util.stream.Stream.concat(java.util.Arrays.stream(args),
                    java.util.stream.Stream.of("--schema", "app", "--module-schema", "ehe")).toArray(String[]::new);
            Run r = run(db, all);
            assertThat(r.exit()).as(String.join(" ", args) + ": " + r.output()).isEqualTo(ExitCodes.WRONG_DESIGN);
            assertThat(r.output()).as(String.join(" ", args))
                    .contains("install is half-finished (1 changeSet of the pending-table design applied, the last 100-pending-table;")
                    .contains("run migrate --design pending-table").doesNotContain("does not exist").doesNotContain("ERROR");
        }
        assertThat(db.queryString("SELECT string_agg(id, ',' ORDER BY orderexecuted) FROM ehe.databasechangelog"))
                .as("nothing changed").isEqualTo("000-baseline-tables,100-pending-table");
        assertThat(db.queryLong("SELECT count(*) FROM ehe.event_embedding_pending")).isZero();
    }

    @Test
    @Order(5)
    void theRightFlagsSayHalfFinishedThenMigrateFinishesIt(TestDatabase db) {
        Run r = run(db, "status", "--schema", "app", "--module-schema", "ehe");
        assertThat(r.exit()).as(r.output()).isEqualTo(ExitCodes.NOT_READY);
        assertThat(r.output()).contains("install is half-finished (1 changeSet of the pending-table design applied, the last 100-pending-table;")
                .contains("run migrate --design pending-table")
                // The baseline was only recorded here (the tables exist): not "applied" (a new-user trial).
                .contains("marked_ran  000-baseline-tables").contains("recorded as ran, created nothing here");

        Run finish = run(db, "migrate", "--design", "pending-table", "--schema", "app", "--module-schema", "ehe");
        assertThat(finish.exit()).as(finish.output()).isZero();
        Run after = run(db, "status", "--schema", "app", "--module-schema", "ehe");
        assertThat(after.output()).doesNotContain("half-finished").doesNotContain("status needs the module's owner role");
        assertThat(after.exit()).as(after.output()).isIn(ExitCodes.OK, ExitCodes.NOT_READY);
    }

    /**
     * New-user trial: with the half-finished install in public beside the tables (the default module
     * schema), "status --module-schema ehe" said "not ready: table ehe.event_embedding_pending is
     * missing" (exit 5). A schema that holds the tables and the module's own table counts as where the
     * module is: exit 6 naming it and the flag to pass, as for a module in a schema of its own.
     */
    @Test
    @Order(6)
    void aWrongModuleSchemaBesideAnInstallInTheTablesSchemaNamesIt() {
        TestDatabase pub = io.ehe.testing.PostgresServer.get().createDatabase("half_public");
        pub.execute(AppTables.events().sql().toArray(String[]::new));
        pub.execute(AppTables.embeddings().sql().toArray(String[]::new));
        Run half = run(pub, "migrate", "--design", "pending-table", "--count", "1");
        assertThat(half.exit()).as(half.output()).isZero();
        assertThat(pub.queryString("SELECT string_agg(id, ',' ORDER BY orderexecuted) FROM public.databasechangelog"))
                .isEqualTo("000-baseline-tables,100-pending-table");
        for (boolean schemaExists : new boolean[] {false, true}) {
            if (schemaExists) {
                pub.execute("CREATE SCHEMA ehe");
            }
            Run r = run(pub, "status", "--module-schema", "ehe");
            assertThat(r.exit()).as("schema ehe exists: " + schemaExists + ": " + r.output()).isEqualTo(ExitCodes.WRONG_DATABASE);
            assertThat(r.output()).contains("no module objects in schema ehe (--module-schema)").contains("in schema public")
                    .contains("pass --module-schema public").doesNotContain("not ready");
        }
        Run right = run(pub, "status");
        assertThat(right.exit()).as(right.output()).isEqualTo(ExitCodes.NOT_READY);
        assertThat(right.output()).contains("install is half-finished");
    }

    private static Run run(TestDatabase db, String... args) {
        return InProcessCli.both(db, args);
    }
}
