package io.ehe.status;

import io.ehe.testing.DataSet;
import io.ehe.testing.Migrations;
import io.ehe.testing.PostgresExtension;
import io.ehe.testing.TestDatabase;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

import java.sql.Connection;
import java.sql.Statement;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

/** status read from a real catalog in every state of the rollout. */
@ExtendWith(PostgresExtension.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class StatusReaderTest {

    private static final String INDEX_SQL = "CREATE INDEX CONCURRENTLY idx_events_pending_embedding ON public.events (organization_id, id)"
            + " WHERE NOT has_embedding AND payload_text IS NOT NULL AND payload_text <> ''";

    private static Status read(TestDatabase db, boolean exact, long exactMaxBytes) throws Exception {
        return new StatusReader(db.connections(), exactMaxBytes).read(exact);
    }

    @Test
    @Order(1)
    void beforeMigrate(TestDatabase db) throws Exception {
        Migrations.baselineOnly(db);
        DataSet.ofSize(4000).load(db);
        Status s = read(db, false, StatusReader.DEFAULT_EXACT_MAX_BYTES);
        assertThat(s.ready()).isFalse();
        assertThat(s.column().present()).isFalse();
        assertThat(s.backfill().method()).isEqualTo("column_absent");
        assertThat(s.triggers()).hasSize(4).noneMatch(Status.TriggerLine::present);
        assertThat(s.index().state()).isEqualTo("absent");
        assertThat(s.changeSets()).extracting(Status.ChangeSetLine::state)
                .containsExactly("applied", "pending", "pending", "pending", "deferred", "not_applicable", "deferred", "not_applicable", "pending", "pending", "pending");
        assertThat(s.changeSets().get(0).devOnly()).isTrue();
        assertThat(StatusRenderer.text(s)).contains("column events.has_embedding: absent").contains("column kept, filled and indexed: no");
    }

    @Test
    @Order(2)
    void afterMigrateExactCountEstimateAndProgressRows(TestDatabase db) throws Exception {
        Migrations.migrate(db, false);
        Status exact = read(db, false, StatusReader.DEFAULT_EXACT_MAX_BYTES);
        assertThat(exact.backfill().method()).isEqualTo("exact");
        assertThat(exact.backfill().nullRows()).isEqualTo(4000);
        assertThat(exact.changeSets()).extracting(Status.ChangeSetLine::state)
                .containsExactly("applied", "applied", "applied", "applied", "deferred", "not_applicable", "deferred", "not_applicable", "applied", "applied", "applied");
        assertThat(exact.triggers()).allMatch(Status.TriggerLine::enabled);
        assertThat(exact.ready()).isFalse();
        assertThat(exact.notReadyBecause()).anyMatch(r -> r.contains("4000 rows still NULL"));

        // A large table (here: any size above 0 bytes) is estimated from the statistics, and says so.
        db.execute("UPDATE public.events SET has_embedding = EXISTS (SELECT 1 FROM public.event_embeddings x WHERE x.event_id = events.id) WHERE id <= 3000",
                "ANALYZE public.events");
        Status estimate = read(db, false, 0);
        assertThat(estimate.backfill().method()).isEqualTo("estimate");
        assertThat(estimate.backfill().nullRows()).isBetween(700L, 1300L);
        assertThat(StatusRenderer.text(estimate)).contains("rows still NULL: ~").contains("[estimate]");
        Status forced = read(db, true, 0);
        assertThat(forced.backfill().method()).isEqualTo("exact");
        assertThat(forced.backfill().nullRows()).isEqualTo(1000);

        db.execute("INSERT INTO public.events_has_embedding_backfill (shard, range_start, range_end, last_id, done, batches)"
                + " VALUES ('0', -9223372036854775808, 2000, -9223372036854775808, false, 0), ('1', 2000, NULL, 3000, false, 1)");
        Status progress = read(db, false, StatusReader.DEFAULT_EXACT_MAX_BYTES);
        assertThat(progress.backfill().progress()).extracting(Status.ShardProgress::shard, Status.ShardProgress::lastId, Status.ShardProgress::done)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("0", Long.MIN_VALUE, false), org.assertj.core.groups.Tuple.tuple("1", 3000L, false));
        // Unbounded ends and a shard not started yet read as in the backfill's own log, not as the minimum bigint.
        assertThat(StatusRenderer.text(progress)).containsPattern("\\(-inf, 2000\\]\\s+-inf\\s").contains("(2000, +inf]")
                .doesNotContain("-9223372036854775808");
        assertThat(StatusRenderer.json(progress)).contains("\"lastId\" : 3000");
    }

    @Test
    @Order(3)
    void invalidThenBuildingThenValidIndex(TestDatabase db) throws Exception {
        db.execute("UPDATE public.events SET has_embedding = EXISTS (SELECT 1 FROM public.event_embeddings x WHERE x.event_id = events.id) WHERE has_embedding IS NULL");
        // A failed CONCURRENTLY build leaves an INVALID index behind: a unique index over duplicates.
        try {
            db.execute("CREATE UNIQUE INDEX CONCURRENTLY idx_events_pending_embedding ON public.events (organization_id)"
                    + " WHERE NOT has_embedding AND payload_text IS NOT NULL AND payload_text <> ''");
        } catch (IllegalStateException expected) {
            // could not create unique index
        }
        Status invalid = read(db, false, StatusReader.DEFAULT_EXACT_MAX_BYTES);
        assertThat(invalid.index().state()).isEqualTo("invalid");
        assertThat(invalid.ready()).isFalse();
        db.execute("DROP INDEX public.idx_events_pending_embedding");

        // An open writing transaction makes CREATE INDEX CONCURRENTLY wait mid-build: "building".
        try (Connection writer = db.open()) {
            writer.setAutoCommit(false);
            try (Statement st = writer.createStatement()) {
                st.execute("INSERT INTO public.events (organization_id, payload_text) VALUES ('org-x', 'x')");
            }
            CompletableFuture<Void> build = CompletableFuture.runAsync(() -> db.execute(INDEX_SQL));
            Status building = null;
            for (int i = 0; i < 100; i++) {
                building = read(db, false, StatusReader.DEFAULT_EXACT_MAX_BYTES);
                if (building.index().state().equals("building")) {
                    break;
                }
                Thread.sleep(100);
            }
            assertThat(building.index().state()).isEqualTo("building");
            assertThat(building.index().detail()).contains("waiting");
            writer.commit();
            build.join();
        }
        db.execute("UPDATE public.events SET has_embedding = false WHERE has_embedding IS NULL");
        Status exactZero = read(db, false, StatusReader.DEFAULT_EXACT_MAX_BYTES);
        assertThat(exactZero.index().state()).isEqualTo("valid");
        assertThat(exactZero.backfill().nullRows()).isZero();
        assertThat(exactZero.backfill().method()).isEqualTo("exact");
        assertThat(exactZero.ready()).as(exactZero.notReadyBecause().toString()).isTrue();
        // An estimate of zero is not proof.
        db.execute("ANALYZE public.events");
        assertThat(read(db, false, 0).ready()).isFalse();
    }

    @Test
    @Order(4)
    void aDisabledTriggerIsNotReady(TestDatabase db) throws Exception {
        db.execute("ALTER TABLE public.event_embeddings DISABLE TRIGGER trg_event_embeddings_has_embedding_del");
        Status s = read(db, true, 0);
        assertThat(s.ready()).isFalse();
        assertThat(s.triggers()).filteredOn(t -> !t.enabled()).extracting(Status.TriggerLine::tgenabled).containsExactly("D");
        assertThat(StatusRenderer.text(s)).contains("NOT enabled (tgenabled=D)").contains("column kept, filled and indexed: no");
        db.execute("ALTER TABLE public.event_embeddings ENABLE TRIGGER trg_event_embeddings_has_embedding_del");
        assertThat(read(db, true, 0).ready()).isTrue();
    }
}
