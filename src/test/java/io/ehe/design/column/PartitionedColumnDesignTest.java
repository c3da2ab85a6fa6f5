package io.ehe.design.column;

import io.ehe.testing.AppTables;
import io.ehe.testing.InProcessCli;
import io.ehe.testing.PostgresServer;
import io.ehe.testing.TestDatabase;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.sql.Connection;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The column design on a partitioned public.events (issue 18), both schemes: range by id with the
 * foreign key, range by created_at with a composite key and no foreign key; each with a sub-partitioned
 * partition and a DEFAULT partition. Through the command line, as an operator runs it.
 */
class PartitionedColumnDesignTest {

    private static final String INDEX = "idx_events_pending_embedding";

    /** BY_ID_BOTH: events by id as BY_ID, and event_embeddings partitioned too (range by event_id, a hash-sub-partitioned partition, DEFAULT). */
    enum Scheme {
        BY_ID, BY_CREATED_AT, BY_ID_BOTH
    }

    static int cli(TestDatabase db, String... args) {
        return InProcessCli.run(db, args);
    }

    /** events partitioned as {@code scheme} says; 6,000 events spread over every leaf, the DEFAULT one included. */
    static void createPartitioned(TestDatabase db, Scheme scheme) {
        // The baseline's columns, not its indexes: the plans asserted here read the module's index alone.
        AppTables events = AppTables.events().withoutIndexes();
        AppTables embeddings = AppTables.embeddings();
        switch (scheme) {
            case BY_ID_BOTH -> {
                events.partitionBy("RANGE (id)", "id")
                        .partition("events_p0", "FOR VALUES FROM (1) TO (3001)");
                embeddings.partitionBy("RANGE (event_id)", "event_id, embedding_model, chunk_index")
                        .partition("event_embeddings_p0", "FOR VALUES FROM (1) TO (3001)")
                        .partition("event_embeddings", "event_embeddings_p1", "FOR VALUES FROM (3001) TO (1000001)", "HASH (event_id)")
                        .partition("event_embeddings_p1", "event_embeddings_p1h0", "FOR VALUES WITH (MODULUS 2, REMAINDER 0)", null)
                        .partition("event_embeddings_p1", "event_embeddings_p1h1", "FOR VALUES WITH (MODULUS 2, REMAINDER 1)", null)
                        .partition("event_embeddings_default", "DEFAULT");
            }
            case BY_ID -> events.partitionBy("RANGE (id)", "id")
                    .partition("events_p0", "FOR VALUES FROM (1) TO (2001)")
                    .partition("events", "events_p1", "FOR VALUES FROM (2001) TO (4001)", "RANGE (id)")
                    .partition("events_p1", "events_p1a", "FOR VALUES FROM (2001) TO (3001)", null)
                    .partition("events_p1", "events_p1b", "FOR VALUES FROM (3001) TO (4001)", null);
            case BY_CREATED_AT -> {
                events.partitionBy("RANGE (created_at)", "id, created_at")
                        .partition("events_2026_01", "FOR VALUES FROM ('2026-01-01') TO ('2026-02-01')")
                        .partition("events", "events_2026_02", "FOR VALUES FROM ('2026-02-01') TO ('2026-03-01')", "HASH (id)")
                        .partition("events_2026_02", "events_2026_02_h0", "FOR VALUES WITH (MODULUS 2, REMAINDER 0)", null)
                        .partition("events_2026_02", "events_2026_02_h1", "FOR VALUES WITH (MODULUS 2, REMAINDER 1)", null);
                embeddings.withoutForeignKey();
            }
        }
        events.partition("events_default", "DEFAULT").create(db);
        embeddings.create(db);
        // ids 1..6000: by id, 1-2000 in p0, 2001-4000 in p1a/p1b, the rest in DEFAULT; by created_at, a third
        // in January, a third in February (both hash leaves), a third in DEFAULT (March).
        db.execute("""
                INSERT INTO public.events (id, organization_id, payload_text, created_at)
                SELECT g, 'org-' || (g % 7), CASE WHEN g % 11 = 0 THEN '' ELSE 'text ' || g END,
                       timestamptz '2026-01-01' + ((g - 1) / 2000) * interval '31 days' + (g % 2000) * interval '1 minute'
                  FROM generate_series(1, 6000) g WHERE g % 10 <> 5""",
                "SELECT setval(pg_get_serial_sequence('public.events', 'id'), 6000)",
                "INSERT INTO public.event_embeddings (event_id) SELECT id FROM public.events WHERE id % 3 <> 0",
                "ANALYZE public.events");
    }

    static long wrongRows(TestDatabase db) {
        return db.queryLong("""
                SELECT count(*) FROM public.events e
                 WHERE e.has_embedding IS DISTINCT FROM EXISTS (SELECT 1 FROM public.event_embeddings x WHERE x.event_id = e.id)""");
    }

    static String exectype(TestDatabase db, String id) {
        return db.queryString("SELECT coalesce((SELECT exectype FROM databasechangelog WHERE id = '" + id + "'), 'none')");
    }

    /** Leaves of events without a valid index attached under the root index. */
    static long leavesWithoutIndex(TestDatabase db) {
        return db.queryLong("""
                SELECT count(*) FROM pg_partition_tree('public.events') t
                 WHERE t.isleaf AND NOT EXISTS (
                       SELECT 1 FROM pg_index i
                        WHERE i.indrelid = t.relid AND i.indisvalid
                          AND to_regclass('public.idx_events_pending_embedding') IN (SELECT relid FROM pg_partition_ancestors(i.indexrelid)))""");
    }

    @ParameterizedTest
    @EnumSource(Scheme.class)
    void installsFillsVerifiesAndReportsReady(Scheme scheme) {
        TestDatabase db = PostgresServer.get().createDatabase("partitioned_column_" + scheme);
        createPartitioned(db, scheme);

        assertThat(cli(db, "migrate")).isZero();
        assertThat(exectype(db, "040-pending-embedding-index")).as("refused on a partitioned table: left out, not recorded").isEqualTo("none");
        assertThat(exectype(db, "045-partitioned-pending-embedding-index")).as("deferred while rows are NULL").isEqualTo("none");
        assertThat(cli(db, "status")).as("not ready before the backfill").isNotZero();

        assertThat(cli(db, "backfill")).isZero();
        // The dry run writes 045's statements out (Liquibase calls a task change in SQL output mode too) and builds nothing.
        assertThat(cli(db, "migrate", "--dry-run")).isZero();
        assertThat(db.queryString("SELECT to_regclass('public." + INDEX + "')::text")).isNull();
        assertThat(db.queryLong("SELECT count(*) FROM pg_class WHERE relname LIKE '%\\_ehe\\_idx'")).isZero();
        assertThat(cli(db, "migrate")).isZero();
        assertThat(exectype(db, "045-partitioned-pending-embedding-index")).isEqualTo("EXECUTED");
        assertThat(exectype(db, "050-has-embedding-not-null")).isEqualTo("EXECUTED");
        assertThat(db.queryString("SELECT indisvalid::text FROM pg_index WHERE indexrelid = 'public." + INDEX + "'::regclass")).isEqualTo("true");
        assertThat(leavesWithoutIndex(db)).isZero();
        assertThat(db.queryString("SELECT is_nullable FROM information_schema.columns WHERE table_name = 'events_default' AND column_name = 'has_embedding'"))
                .as("NOT NULL reached every leaf").isEqualTo("NO");
        assertThat(wrongRows(db)).isZero();
        assertThat(cli(db, "verify")).isZero();
        assertThat(cli(db, "status")).isZero();
        assertThat(cli(db, "migrate")).as("a second migrate has nothing to do").isZero();
        assertThat(exectype(db, "040-pending-embedding-index")).isEqualTo("none");

        // The scheduler's query reads the index on every leaf.
        String plan = String.join("\n", db.queryStrings("""
                EXPLAIN SELECT organization_id, id FROM events
                 WHERE NOT has_embedding AND payload_text IS NOT NULL AND payload_text <> ''
                 ORDER BY organization_id, id LIMIT 100"""));
        assertThat(plan).doesNotContain("Seq Scan");

        // Writes through the parent and naming a leaf keep has_embedding exact.
        String leaf = switch (scheme) {
            case BY_ID -> "events_p1a";
            case BY_ID_BOTH -> "events_p0";
            case BY_CREATED_AT -> "events_2026_01";
        };
        db.execute("INSERT INTO public.events (organization_id, payload_text, created_at) VALUES ('org-1', 'new', '2026-03-05')",
                "INSERT INTO public." + leaf + " (id, organization_id, payload_text, created_at) VALUES (2995, 'org-2', 'named', '2026-01-20')",
                "INSERT INTO public.event_embeddings (event_id) VALUES (2995)",
                "UPDATE public." + leaf + " SET payload_text = 'edited' WHERE id = 2995",
                "INSERT INTO public.event_embeddings (event_id) SELECT max(id) FROM public.events",
                "DELETE FROM public.event_embeddings WHERE event_id IN (1, 2, 2002, 4001)");
        assertThat(wrongRows(db)).isZero();
        assertThat(db.queryLong("SELECT count(*) FROM public." + leaf + " WHERE has_embedding IS NULL")).isZero();

        // A partition created later gets the index and the column's default by itself.
        String newLeaf = scheme == Scheme.BY_CREATED_AT
                ? "CREATE TABLE public.events_2027_01 PARTITION OF public.events FOR VALUES FROM ('2027-01-01') TO ('2027-02-01')"
                : "CREATE TABLE public.events_p9 PARTITION OF public.events FOR VALUES FROM (900001) TO (1000001)";
        db.execute(newLeaf);
        assertThat(leavesWithoutIndex(db)).isZero();
        db.execute("INSERT INTO public.events (id, organization_id, payload_text, created_at) VALUES (900005, 'org-3', 'later', '2027-01-02')");
        assertThat(db.queryString("SELECT has_embedding::text FROM public.events WHERE id = 900005")).isEqualTo("false");
        assertThat(cli(db, "status")).isZero();
        assertThat(cli(db, "verify")).isZero();
    }

    @ParameterizedTest
    @EnumSource(Scheme.class)
    void rollbackLeavesNoObjectOfTheModuleOnAnyPartition(Scheme scheme) {
        TestDatabase db = PostgresServer.get().createDatabase("partitioned_column_" + scheme);
        createPartitioned(db, scheme);
        assertThat(cli(db, "migrate")).isZero();
        assertThat(cli(db, "backfill", "--then-migrate")).isZero();
        assertThat(cli(db, "rollback", "--design", "column")).isZero();
        assertThat(db.queryLong("SELECT count(*) FROM pg_attribute WHERE attname = 'has_embedding' AND NOT attisdropped")).isZero();
        assertThat(db.queryLong("SELECT count(*) FROM pg_class WHERE relname = '" + INDEX + "' OR relname LIKE '%\\_ehe\\_idx'")).isZero();
        assertThat(db.queryLong("SELECT count(*) FROM pg_trigger WHERE tgname LIKE 'trg_event_embeddings_has_embedding%'")).isZero();
        assertThat(db.queryLong("SELECT count(*) FROM databasechangelog WHERE labels LIKE '%column%'")).isZero();
        // and it installs again
        assertThat(cli(db, "migrate")).isZero();
        assertThat(cli(db, "backfill", "--then-migrate")).isZero();
        assertThat(cli(db, "status")).isZero();
    }

    /**
     * A build stopped half way (one leaf's CREATE INDEX CONCURRENTLY waits for an older transaction and
     * gives up) leaves some leaves attached and one INVALID leftover; the next migrate keeps the first,
     * replaces the second and finishes. Writes through the parent go on during the build.
     */
    @ParameterizedTest
    @EnumSource(Scheme.class)
    void aBuildStoppedHalfWayIsFinishedByTheNextMigrateAndWritesContinue(Scheme scheme) throws Exception {
        TestDatabase db = PostgresServer.get().createDatabase("partitioned_column_" + scheme);
        createPartitioned(db, scheme);
        assertThat(cli(db, "migrate")).isZero();
        assertThat(cli(db, "backfill")).isZero();

        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong written = new AtomicLong();
        AtomicReference<Throwable> writerError = new AtomicReference<>();
        Thread writer = new Thread(() -> {
            try (Connection c = db.open(); Statement st = c.createStatement()) {
                while (!stop.get()) {
                    st.execute("INSERT INTO public.events (organization_id, payload_text, created_at) VALUES ('org-w', 'w', '2026-01-15')");
                    written.incrementAndGet();
                }
            } catch (Throwable t) {
                writerError.set(t);
            }
        });
        writer.start();
        try (Connection holder = db.open()) {
            // An open transaction that has written: every CREATE INDEX CONCURRENTLY waits for it.
            holder.setAutoCommit(false);
            try (Statement st = holder.createStatement()) {
                st.execute("SELECT txid_current()");
            }
            long before = written.get();
            // One attempt: the retry's production backoff (2 s doubling, five attempts) would add half a minute per scheme and prove nothing here.
            int exit = cli(db, "migrate", "--index-lock-timeout", "1s", "--max-attempts", "1");
            assertThat(exit).as("the build gives up on the first leaf that waits").isNotZero();
            assertThat(written.get()).as("writes went on while the build waited").isGreaterThan(before);
            holder.rollback();
        }
        assertThat(db.queryLong("""
                SELECT count(*) FROM pg_index i JOIN pg_class k ON k.oid = i.indexrelid
                 WHERE k.relname LIKE '%\\_ehe\\_idx' AND NOT i.indisvalid""")).as("an INVALID leftover").isPositive();
        assertThat(exectype(db, "045-partitioned-pending-embedding-index")).isEqualTo("none");
        assertThat(cli(db, "status")).isNotZero();

        long before = written.get();
        assertThat(cli(db, "migrate")).isZero();
        assertThat(written.get()).isGreaterThan(before);
        stop.set(true);
        writer.join();
        assertThat(writerError.get()).isNull();
        assertThat(exectype(db, "045-partitioned-pending-embedding-index")).isEqualTo("EXECUTED");
        assertThat(leavesWithoutIndex(db)).isZero();
        assertThat(db.queryLong("""
                SELECT count(*) FROM pg_index i JOIN pg_class k ON k.oid = i.indexrelid
                 WHERE k.relname LIKE '%\\_ehe\\_idx' AND NOT i.indisvalid""")).isZero();
        assertThat(wrongRows(db)).isZero();
        assertThat(cli(db, "status")).isZero();
    }

    /**
     * event_embeddings partitioned: writes that name one of its partitions (each fires only that
     * partition's triggers), a row moved to another partition by an UPDATE of event_id, a partition
     * created later and one attached after being filled.
     */
    @org.junit.jupiter.api.Test
    void writesNamingAnEmbeddingsPartitionKeepHasEmbeddingExact() {
        TestDatabase db = PostgresServer.get().createDatabase("partitioned_column_embeddings");
        createPartitioned(db, Scheme.BY_ID_BOTH);
        assertThat(cli(db, "migrate")).isZero();
        assertThat(cli(db, "backfill", "--then-migrate")).isZero();
        assertThat(cli(db, "status")).isZero();
        assertThat(db.queryLong("SELECT count(*) FROM pg_trigger WHERE tgname = 'trg_event_embeddings_has_embedding_ins'"))
                .as("020's statement trigger is replaced by 060's row trigger").isZero();

        db.execute("DELETE FROM public.event_embeddings_p0 WHERE event_id BETWEEN 1 AND 50",
                "DELETE FROM public.event_embeddings_p1h1 WHERE event_id BETWEEN 3001 AND 3100",
                "INSERT INTO public.event_embeddings_p0 (event_id) SELECT id FROM public.events WHERE id BETWEEN 1 AND 20",
                "INSERT INTO public.event_embeddings_p1 (event_id, chunk_index) SELECT id, 1 FROM public.events WHERE id > 5990",
                "INSERT INTO public.events (id, organization_id, payload_text) VALUES (-7, 'org-1', 'negative')",
                "INSERT INTO public.event_embeddings_default (event_id) VALUES (-7)",
                "UPDATE public.event_embeddings SET event_id = event_id + 3000, chunk_index = 7 WHERE event_id BETWEEN 21 AND 30 AND event_id + 3000 IN (SELECT id FROM public.events)",
                "DELETE FROM public.event_embeddings_p1 WHERE event_id BETWEEN 3200 AND 3300");
        assertThat(wrongRows(db)).isZero();

        db.execute("CREATE TABLE public.event_embeddings_late PARTITION OF public.event_embeddings FOR VALUES FROM (1000001) TO (2000001)",
                "INSERT INTO public.events (id, organization_id, payload_text) VALUES (1000005, 'org-1', 'late')",
                "INSERT INTO public.event_embeddings_late (event_id) VALUES (1000005)");
        assertThat(db.queryString("SELECT has_embedding::text FROM public.events WHERE id = 1000005")).isEqualTo("true");
        db.execute("DELETE FROM public.event_embeddings_late WHERE event_id = 1000005");
        assertThat(db.queryString("SELECT has_embedding::text FROM public.events WHERE id = 1000005")).isEqualTo("false");
        assertThat(wrongRows(db)).isZero();
        assertThat(cli(db, "verify")).isZero();
        assertThat(cli(db, "status")).isZero();

        // A trigger copy disabled on one partition: status is no longer ready.
        db.execute("ALTER TABLE public.event_embeddings_p0 DISABLE TRIGGER trg_event_embeddings_has_embedding_del_row");
        assertThat(cli(db, "status")).isNotZero();
    }

    /** docs/partitioning.md's retention job, step by step, on events by id with the foreign key and a DEFAULT partition. */
    @org.junit.jupiter.api.Test
    void theRetentionRunbookLeavesItReady() {
        TestDatabase db = PostgresServer.get().createDatabase("partitioned_column_retention");
        createPartitioned(db, Scheme.BY_ID);
        assertThat(cli(db, "migrate")).isZero();
        assertThat(cli(db, "backfill", "--then-migrate")).isZero();

        db.execute("DELETE FROM public.event_embeddings x USING public.events_p0 e WHERE x.event_id = e.id",
                "ALTER TABLE public.events DETACH PARTITION public.events_p0",
                "DROP TABLE public.events_p0");
        assertThat(cli(db, "status")).isZero();
        assertThat(cli(db, "verify")).isZero();
        assertThat(wrongRows(db)).isZero();
    }

    /** Dropping an event_embeddings partition fires no trigger: verify sees the drift, verify --repair fixes it. */
    @org.junit.jupiter.api.Test
    void droppingAnEmbeddingsPartitionIsFoundByVerifyAndRepaired() {
        TestDatabase db = PostgresServer.get().createDatabase("partitioned_column_drop_embeddings");
        createPartitioned(db, Scheme.BY_ID_BOTH);
        assertThat(cli(db, "migrate")).isZero();
        assertThat(cli(db, "backfill", "--then-migrate")).isZero();

        db.execute("DROP TABLE public.event_embeddings_p0");
        assertThat(wrongRows(db)).isPositive();
        assertThat(cli(db, "verify")).as("drift found").isEqualTo(8);
        assertThat(cli(db, "verify", "--repair")).isZero();
        assertThat(wrongRows(db)).isZero();
        assertThat(cli(db, "status")).isZero();
    }
}
