package io.ehe.design.pending;

import io.ehe.testing.Migrations;
import io.ehe.testing.PostgresExtension;
import io.ehe.testing.TestDatabase;
import io.ehe.testing.TwoSessions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import static io.ehe.design.pending.AppSchema.assertExact;
import static io.ehe.design.pending.AppSchema.pending;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 24's exactness gap: where event_embeddings has no foreign key to events, an embedding can be
 * committed before its event; the event's insert then must not leave a pending pair (changeSet 170,
 * point 7). On the main of 2026-12-06 (140/150's insert trigger) both tests left a stale pair.
 */
@ExtendWith(PostgresExtension.class)
class NoForeignKeyTest {

    static TestDatabase db;

    @BeforeAll
    static void setUp() {
        Migrations.baselineOnly(db);
        db.execute("ALTER TABLE events ADD COLUMN superseded_by bigint",
                "ALTER TABLE events ALTER COLUMN organization_id DROP NOT NULL",
                "ALTER TABLE event_embeddings DROP CONSTRAINT event_embeddings_event_id_fkey");
        AppSchema.installOnExisting(db, "model-a", "model-b");
        assertThat(AppSchema.cli(db, "backfill")).isZero();
        assertThat(db.queryString("SELECT obj_description('public.ehe_pending_on_event_insert()'::regprocedure, 'pg_proc')"))
                .contains("no foreign key");
    }

    private static String insertEvent(long id) {
        return "INSERT INTO events (id, organization_id, payload_text) VALUES (" + id + ", 'org', 'text')";
    }

    private static String embedForModelA(long id) {
        return "INSERT INTO event_embeddings (event_id, embedding_model, chunk_index) VALUES (" + id + ", 'model-a', 0)";
    }

    /**
     * The event's insert and a model-a embedding's in two transactions, {@code eventFirst} or not; the
     * second waits for the first (no foreign key: the module's key makes it), then the first commits:
     * {@link TwoSessions#inTurn}. Then model-a has nothing pending for the event, model-b does.
     */
    private static void raceTheEventAndItsEmbedding(long id, boolean eventFirst) throws Exception {
        try (TwoSessions s = new TwoSessions(db)) {
            if (eventFirst) {
                s.inTurn(insertEvent(id), embedForModelA(id), true);
            } else {
                s.inTurn(embedForModelA(id), insertEvent(id), true);
            }
        }
        assertThat(pending(db, id, "model-a")).isFalse();
        assertThat(pending(db, id, "model-b")).isTrue();
        assertExact(db);
    }

    @Test
    void anEmbeddingCommittedBeforeItsEventLeavesNoPendingPair() {
        long id = db.queryLong("SELECT coalesce(max(id), 0) + 1000 FROM events");
        db.execute(embedForModelA(id));
        db.execute(insertEvent(id));
        assertThat(pending(db, id, "model-a")).as("embedded before the event arrived").isFalse();
        assertThat(pending(db, id, "model-b")).as("the other target still needs it").isTrue();
        assertExact(db);
    }

    @Test
    void anEmbeddingCommittedWhileItsEventIsBeingInsertedLeavesNoPendingPair() throws Exception {
        raceTheEventAndItsEmbedding(db.queryLong("SELECT coalesce(max(id), 0) + 2000 FROM events"), true);
    }

    @Test
    void theOtherOrderToo() throws Exception {
        raceTheEventAndItsEmbedding(db.queryLong("SELECT coalesce(max(id), 0) + 3000 FROM events"), false);
    }

    @Test
    void statusNamesAForeignKeyAddedSinceTheTriggersWereGeneratedAndConfigureRewritesThem() throws Exception {
        try {
            db.execute("DELETE FROM event_embeddings x WHERE NOT EXISTS (SELECT 1 FROM events e WHERE e.id = x.event_id)",
                    "ALTER TABLE event_embeddings ADD CONSTRAINT zz_fk FOREIGN KEY (event_id) REFERENCES events (id) NOT VALID");
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            java.io.PrintStream was = System.out;
            System.setOut(new java.io.PrintStream(out, true, java.nio.charset.StandardCharsets.UTF_8));
            int exit;
            try {
                exit = AppSchema.cli(db, "status");
            } finally {
                System.setOut(was);
            }
            assertThat(exit).isEqualTo(io.ehe.cli.ExitCodes.NOT_READY);
            assertThat(out.toString(java.nio.charset.StandardCharsets.UTF_8))
                    .contains("generated for no foreign key from event_embeddings to events, and the table now has one");
            assertThat(AppSchema.cli(db, "configure", "--semantics", "app", "--target-model", "model-a", "--target-model", "model-b", "--new-model")).isZero();
            assertThat(db.queryString("SELECT obj_description('public.ehe_pending_on_event_insert()'::regprocedure, 'pg_proc')"))
                    .contains("for a foreign key");
            assertThat(AppSchema.cli(db, "status")).isZero();
        } finally {
            db.execute("ALTER TABLE event_embeddings DROP CONSTRAINT IF EXISTS zz_fk");
            assertThat(AppSchema.cli(db, "configure", "--semantics", "app", "--target-model", "model-a", "--target-model", "model-b", "--new-model")).isZero();
        }
    }

    @Test
    void statusNamesTriggerBodiesThatNameOtherTargetsThanTheTable() throws Exception {
        db.execute("ALTER TABLE event_embedding_pending_targets DISABLE TRIGGER trg_event_embedding_pending_targets_bodies");
        try {
            db.execute("INSERT INTO event_embedding_pending_targets (model, state) VALUES ('model-z', 'ready')");
            assertThat(AppSchema.cli(db, "status")).as("bodies without model-z").isEqualTo(io.ehe.cli.ExitCodes.NOT_READY);
        } finally {
            db.execute("DELETE FROM event_embedding_pending_targets WHERE model = 'model-z'",
                    "ALTER TABLE event_embedding_pending_targets ENABLE TRIGGER trg_event_embedding_pending_targets_bodies");
        }
        assertThat(AppSchema.cli(db, "status")).isZero();
        db.execute("INSERT INTO event_embedding_pending_targets (model, state) VALUES ('model-z', 'ready')");
        assertThat(db.queryString("SELECT prosrc FROM pg_proc WHERE oid = 'public.ehe_pending_on_embedding_insert()'::regprocedure"))
                .as("the targets trigger rewrote the bodies").contains("model-z");
        db.execute("DELETE FROM event_embedding_pending_targets WHERE model = 'model-z'");
        assertThat(db.queryString("SELECT prosrc FROM pg_proc WHERE oid = 'public.ehe_pending_on_embedding_insert()'::regprocedure"))
                .doesNotContain("model-z");
    }
}
