package io.ehe.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ehe.testing.DataSet;
import io.ehe.testing.Migrations;
import io.ehe.testing.PostgresExtension;
import io.ehe.testing.TestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import static org.assertj.core.api.Assertions.assertThat;

/** The whole rollout through the command line: migrate, (simulated) backfill, migrate, status, rollback. */
@ExtendWith(PostgresExtension.class)
class MigrateCommandTest {

    private static final String BACKFILL_BY_HAND = """
            UPDATE public.events e SET has_embedding = EXISTS (SELECT 1 FROM public.event_embeddings x WHERE x.event_id = e.id)
             WHERE has_embedding IS NULL""";

    /**
     * On a database that has its tables (production), the dev-only baseline is recorded without running
     * (MARK_RAN): migrate says so instead of "applied", and it takes no slot of --count (a new-user trial
     * saw "applied 000-baseline-tables" and --count 1 apply nothing else).
     */
    @Test
    void theSkippedBaselineIsNeitherAppliedNorCounted() {
        TestDatabase db = io.ehe.testing.PostgresServer.get().createDatabase("prod_count_one");
        Migrations.createUpstreamTables(db);
        Cli.Result one = Cli.run("migrate", "--url", db.urlWithCredentials(), "--count", "1");
        assertThat(one.exit()).as(one.toString()).isZero();
        assertThat(one.out()).contains("migrate: applied 1 changeSet:").contains("applied   010-has-embedding-column")
                .doesNotContain("applied   000-baseline-tables")
                .contains("recorded without running: 000-baseline-tables");
        assertThat(db.queryString("SELECT string_agg(id || ':' || exectype, ',' ORDER BY orderexecuted) FROM databasechangelog"))
                .isEqualTo("000-baseline-tables:MARK_RAN,010-has-embedding-column:EXECUTED");
        Cli.Result rest = Cli.run("migrate", "--url", db.urlWithCredentials());
        assertThat(rest.exit()).as(rest.toString()).isZero();
        assertThat(rest.out()).contains("already applied: 010-has-embedding-column").doesNotContain("000-baseline-tables");
    }

    @Test
    void rolloutThroughTheCommandLine(TestDatabase db) throws Exception {
        Migrations.baselineOnly(db);
        DataSet.ofSize(3000).load(db);
        String url = db.urlWithCredentials();

        Cli.Result first = Cli.run("migrate", "--url", url, "--tag", "v1");
        assertThat(first.exit()).as(first.toString()).isZero();
        assertThat(first.out())
                .contains("applied   010-has-embedding-column")
                .contains("applied   020-has-embedding-triggers")
                .contains("applied   030-backfill-progress")
                .contains("deferred until the backfill is complete")
                .contains("deferred  040-pending-embedding-index")
                .contains("deferred  050-has-embedding-not-null")
                .contains("tagged: v1");
        // The changelog lock is an advisory lock: Liquibase's lock table never appears.
        assertThat(db.queryString("SELECT to_regclass('public.databasechangeloglock')::text")).isNull();
        assertThat(db.queryLong("SELECT count(*) FROM public.databasechangelog")).isEqualTo(7); // 000, 010, 020, 030, 070, 190, 195

        Cli.Result notReady = Cli.run("status", "--url", url);
        assertThat(notReady.exit()).as(notReady.toString()).isEqualTo(ExitCodes.NOT_READY);
        assertThat(notReady.out())
                .contains("rows still NULL: 3,000 [exact]")
                .contains("dev/test/demo only")
                .contains("deferred    040-pending-embedding-index")
                .contains("index idx_events_pending_embedding: absent")
                .contains("triggers on event_embeddings: 4/4 present, 4 enabled")
                .startsWith("ready for the scheduler: no" + System.lineSeparator() + "not ready: ")
                .contains("column kept, filled and indexed: no");

        db.execute(BACKFILL_BY_HAND);
        Cli.Result second = Cli.run("migrate", "--url", url);
        assertThat(second.exit()).as(second.toString()).isZero();
        assertThat(second.out()).contains("applied   040-pending-embedding-index").contains("applied   050-has-embedding-not-null")
                .doesNotContain("deferred");

        Cli.Result ready = Cli.run("status", "--url", url, "--json");
        assertThat(ready.exit()).as(ready.toString()).isZero();
        JsonNode json = new ObjectMapper().readTree(ready.out());
        assertThat(json.get("ready").asBoolean()).isTrue();
        assertThat(json.get("index").get("state").asText()).isEqualTo("valid");
        assertThat(json.get("backfill").get("method").asText()).isEqualTo("not_null_constraint");
        assertThat(json.get("backfill").get("nullRows").asLong()).isZero();

        Cli.Result again = Cli.run("migrate", "--url", url);
        assertThat(again.exit()).isZero();
        assertThat(again.out()).contains("nothing new applied");

        Cli.Result toTag = Cli.run("rollback", "--url", url, "--to-tag", "v1");
        assertThat(toTag.exit()).as(toTag.toString()).isZero();
        assertThat(toTag.out()).contains("rolled back 2 changeSets")
                .contains("rolled back  050-has-embedding-not-null").contains("rolled back  040-pending-embedding-index");
        assertThat(db.queryString("SELECT to_regclass('public.idx_events_pending_embedding')::text")).isNull();
        assertThat(db.queryLong("SELECT count(*) FROM public.databasechangelog")).isEqualTo(7);

        // --to-changeset keeps the named changeSet and undoes everything after it.
        assertThat(Cli.run("migrate", "--url", url).exit()).isZero();
        Cli.Result back = Cli.run("rollback", "--url", url, "--to-changeset", "030-backfill-progress");
        assertThat(back.exit()).as(back.toString()).isZero();
        assertThat(back.out()).contains("rolled back 5 changeSets"); // 050, 040, 195, 190 and 070 (applied after 030)
        assertThat(db.queryLong("SELECT count(*) FROM public.databasechangelog")).isEqualTo(4);
        assertThat(db.queryString("SELECT is_nullable FROM information_schema.columns WHERE table_name = 'events' AND column_name = 'has_embedding'")).isEqualTo("YES");

        assertThat(Cli.run("migrate", "--url", url).exit()).isZero();
        Cli.Result count = Cli.run("rollback", "--url", url, "--count", "6"); // 195, 190, 070, 050, 040, 030
        assertThat(count.exit()).as(count.toString()).isZero();
        assertThat(count.out()).contains("rolled back 6 changeSets").contains("rolled back  030-backfill-progress");
        assertThat(db.queryLong("SELECT count(*) FROM public.databasechangelog")).isEqualTo(3);
        assertThat(db.queryString("SELECT to_regclass('public.events_has_embedding_backfill')::text")).isNull();

        Cli.Result unknownTag = Cli.run("rollback", "--url", url, "--to-tag", "nope");
        assertThat(unknownTag.exit()).isEqualTo(ExitCodes.USAGE);
        assertThat(unknownTag.errLines()).hasSize(1);
    }
}
