package io.ehe.design.pending;

import io.ehe.design.pending.QueueSql.Claimed;
import io.ehe.testing.PostgresExtension;
import io.ehe.testing.PostgresServer;
import io.ehe.testing.TestDatabase;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import static io.ehe.design.pending.AppSchema.assertExact;
import static io.ehe.design.pending.AppSchema.pending;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The work queue of changeSet 180, one behaviour at a time, through its SQL API: lease and token,
 * fencing of a stale token, attempts counted at claim (an expired lease too), quarantine, retry,
 * pause, fairness of the discovery, the per-model counts. Each test uses its own model (several
 * targets on one app-shaped database) so they do not see each other's pairs. Leases and backoffs are
 * fractions of a second (per-target settings), so the sleeps are short.
 */
@ExtendWith(PostgresExtension.class)
class PendingQueueTest {

    static TestDatabase db;

    @BeforeAll
    static void setUp() {
        AppSchema.install(db, "m-fence", "m-poison", "m-expire", "m-pause", "m-fair", "m-again", "m-args", "m-cli", "m-busy", "m-paths");
        assertThat(AppSchema.cli(db, "backfill")).isZero();
    }

    /** Pending pairs only for this model: the other models' rows embedded away at once. */
    private static long[] events(String model, String org, int n) {
        List<Long> ids = db.queryList("INSERT INTO events (organization_id, payload_text) SELECT '" + org + "', 'text ' || g FROM generate_series(1, " + n
                + ") g RETURNING id", rs -> {
                    try {
                        return rs.getLong(1);
                    } catch (SQLException e) {
                        throw new IllegalStateException(e);
                    }
                });
        String in = ids.stream().map(String::valueOf).collect(Collectors.joining(","));
        db.execute("INSERT INTO event_embeddings (event_id, embedding_model, chunk_index) SELECT e.id, t.model, 0 FROM events e, event_embedding_pending_targets t "
                + "WHERE e.id IN (" + in + ") AND t.model <> '" + model + "'");
        return ids.stream().mapToLong(Long::longValue).toArray();
    }

    private static String state(long event, String model) {
        return db.queryString("SELECT state FROM event_embedding_pending_claims WHERE event_id = " + event + " AND model = '" + model + "'");
    }

    @Test
    void aStaleTokenCannotFailExtendOrReleaseANewerClaim() throws Exception {
        long e = events("m-fence", "org-f", 1)[0];
        Claimed first = QueueSql.claim(db, "m-fence", 10, 1.0, null).get(0);
        assertThat(first.eventId()).isEqualTo(e);
        assertThat(first.attempt()).isEqualTo(1);
        assertThat(QueueSql.claim(db, "m-fence", 10, 1.0, null)).as("hidden while the lease lives").isEmpty();
        Thread.sleep(1100);
        Claimed second = QueueSql.claim(db, "m-fence", 10, 30, null).get(0);
        assertThat(second.attempt()).as("the expired lease counted its attempt").isEqualTo(2);
        assertThat(second.token()).isNotEqualTo(first.token());
        assertThat(QueueSql.fail(db, "m-fence", e, first.token(), "late", true)).as("stale fail").isNull();
        assertThat(QueueSql.extend(db, "m-fence", List.of(e), first.token(), 60)).as("stale extend").isEmpty();
        assertThat(QueueSql.release(db, "m-fence", List.of(e), first.token())).as("stale release").isEmpty();
        assertThat(state(e, "m-fence")).isEqualTo("claimed");
        assertThat(QueueSql.claim(db, "m-fence", 10, 30, null)).as("still held by the second claim").isEmpty();
        assertThat(QueueSql.extend(db, "m-fence", List.of(e), second.token(), 60)).containsExactly(e);
        assertThat(QueueSql.release(db, "m-fence", List.of(e), second.token())).containsExactly(e);
        Claimed third = QueueSql.claim(db, "m-fence", 10, 30, null).get(0);
        assertThat(third.attempt()).as("release gave the attempt back").isEqualTo(2);
        assertThat(QueueSql.fail(db, "m-fence", e, second.token(), "late", true)).as("released token").isNull();
        assertThat(QueueSql.fail(db, "m-fence", e, third.token(), "boom", true)).isEqualTo("backoff");
        assertThat(QueueSql.fail(db, "m-fence", e, third.token(), "twice", true)).as("a failed claim is over").isNull();
    }

    @Test
    void aPoisonPairIsQuarantinedAfterMaxAttemptsWhileTheRestOfItsOrganizationIsEmbedded() throws Exception {
        db.execute("SELECT ehe_queue_configure('m-poison', 0.01, 0.03, 3)");
        long[] ids = events("m-poison", "org-p", 30);
        long poison = ids[29];
        int calls = 0;
        try (Connection c = db.open()) {
            for (int idle = 0; idle < 20; calls++) {
                List<Claimed> got = QueueSql.claim(c, "m-poison", 7, 30, null);
                if (got.isEmpty()) {
                    idle++;
                    Thread.sleep(20);
                    continue;
                }
                for (Claimed p : got) {
                    if (p.eventId() == poison) {
                        assertThat(QueueSql.fail(c, "m-poison", p.eventId(), p.token(), "HTTP 400: input too long", true)).isNotNull();
                    } else {
                        QueueSql.embed(c, p.eventId(), "m-poison");
                    }
                }
            }
        }
        assertThat(db.queryLong("SELECT count(*) FROM event_embedding_pending WHERE model = 'm-poison'")).isEqualTo(1);
        assertThat(pending(db, poison, "m-poison")).isTrue();
        assertThat(db.queryString("SELECT state || ' ' || attempts || ' ' || last_error FROM event_embedding_pending_failed WHERE model = 'm-poison' AND event_id = " + poison))
                .isEqualTo("quarantined 3 HTTP 400: input too long");
        assertThat(QueueSql.counts(db, "m-poison")).containsExactly(1, 0, 0, 0, 1);
        assertThat(QueueSql.claim(db, "m-poison", 7, 30, null)).as("quarantined: out of discovery and pick").isEmpty();
        assertThat(QueueSql.claim(db, "m-poison", 7, 30, "org-p")).as("and of the pick by organization").isEmpty();
        assertThat(db.queryLong("SELECT ehe_queue_retry('m-poison')")).isEqualTo(1);
        Claimed again = QueueSql.claim(db, "m-poison", 7, 30, null).get(0);
        assertThat(again.eventId()).isEqualTo(poison);
        assertThat(again.attempt()).as("a retry starts the attempts afresh").isEqualTo(1);
        assertExact(db);
    }

    @Test
    void anExpiredLeaseCountsAsAnAttemptSoACrashingInputIsQuarantined() throws Exception {
        db.execute("SELECT ehe_queue_configure('m-expire', 0.01, 0.03, 2)");
        long e = events("m-expire", "org-x", 1)[0];
        assertThat(QueueSql.claim(db, "m-expire", 1, 0.1, null).get(0).attempt()).isEqualTo(1);
        Thread.sleep(150);
        assertThat(QueueSql.claim(db, "m-expire", 1, 0.1, null).get(0).attempt()).isEqualTo(2);
        Thread.sleep(150);
        assertThat(QueueSql.claim(db, "m-expire", 1, 0.1, null)).as("max attempts reached by expired leases").isEmpty();
        assertThat(db.queryString("SELECT state || ' ' || attempts || ' ' || last_error FROM event_embedding_pending_failed WHERE event_id = " + e))
                .isEqualTo("quarantined 2 lease expired (attempt 2)");
    }

    @Test
    void aPausedModelClaimsNothingAndLosesNoAttempts() throws Exception {
        db.execute("SELECT ehe_queue_configure('m-pause', 0.01, 0.03, 2)");
        long[] ids = events("m-pause", "org-z", 3);
        List<Claimed> got = QueueSql.claim(db, "m-pause", 3, 30, null);
        assertThat(got).hasSize(3).allMatch(p -> p.attempt() == 1);
        // A 429: the worker pauses the model and gives its claims back.
        db.execute("SELECT ehe_queue_pause('m-pause', 'infinity', 'HTTP 429')");
        assertThat(QueueSql.release(db, "m-pause", got.stream().map(Claimed::eventId).toList(), got.get(0).token())).hasSize(3);
        for (int i = 0; i < 5; i++) {
            assertThat(QueueSql.claim(db, "m-pause", 3, 0.05, null)).as("paused").isEmpty();
        }
        assertThat(db.queryString("SELECT paused_until FROM ehe_queue_counts() WHERE model = 'm-pause'")).isEqualTo("infinity");
        assertThat(db.queryLong("SELECT ehe_queue_resume('m-pause')::int")).isEqualTo(1);
        // Paused until a time: claimable again once it has passed.
        db.execute("SELECT ehe_queue_pause('m-pause', clock_timestamp() + interval '2 seconds')");
        assertThat(QueueSql.claim(db, "m-pause", 3, 30, null)).isEmpty();
        Thread.sleep(2100);
        List<Claimed> after = QueueSql.claim(db, "m-pause", 3, 30, null);
        assertThat(after).extracting(Claimed::eventId).containsExactlyInAnyOrder(ids[0], ids[1], ids[2]);
        assertThat(after).as("the pause cost no attempt").allMatch(p -> p.attempt() == 1);
    }

    @Test
    void otherOrganizationsAreServedWhileOneHolds10kPairsInBackoff() {
        db.execute("SELECT ehe_queue_configure('m-fair', 3600, 7200, 5)");
        long[] small = events("m-fair", "org-small", 5);
        events("m-fair", "org-big", 10_000);
        for (int i = 0; i < 10; i++) {
            assertThat(db.queryLong("SELECT count(ehe_queue_fail('m-fair', c.event_id, c.claim_token, 'HTTP 500', true)) FROM ehe_queue_claim('m-fair', 1000, 60, 'org-big') c"))
                    .isEqualTo(1000);
        }
        assertThat(QueueSql.counts(db, "m-fair")).containsExactly(10_005, 5, 0, 10_000, 0);
        List<Claimed> got = QueueSql.claim(db, "m-fair", 100, 60, null);
        assertThat(got).as("the discovery ranks claimable pairs only").extracting(Claimed::organizationId).containsOnly("org-small");
        assertThat(got).extracting(Claimed::eventId).containsExactlyInAnyOrder(small[0], small[1], small[2], small[3], small[4]);
        assertThat(db.queryLong("SELECT count(*) FROM event_embedding_pending_failed WHERE model = 'm-fair' AND state = 'backoff' AND retry_at > now()"))
                .isEqualTo(10_000);
    }

    @Test
    void pairsUnderALiveLeaseDoNotCountForTheDiscovery() {
        events("m-busy", "org-busy", 50);
        long[] quiet = events("m-busy", "org-quiet", 10);
        assertThat(QueueSql.claim(db, "m-busy", 45, 600, "org-busy")).hasSize(45);
        // org-busy has 50 pending pairs but 5 claimable, org-quiet 10: the discovery ranks claimable pairs only
        // (180 points 2-3: a live lease hides its pair whatever the pending row's xmin).
        List<Claimed> got = QueueSql.claim(db, "m-busy", 100, 60, null);
        assertThat(got).extracting(Claimed::organizationId).containsOnly("org-quiet");
        assertThat(got).extracting(Claimed::eventId).containsExactlyInAnyOrder(java.util.Arrays.stream(quiet).boxed().toArray(Long[]::new));
    }

    @Test
    void aPairThatLeavesTakesItsClaimRowAlongAndStartsAfreshWhenItComesBack() throws Exception {
        long e = events("m-again", "org-a", 1)[0];
        Claimed c = QueueSql.claim(db, "m-again", 1, 30, null).get(0);
        try (Connection conn = db.open()) {
            QueueSql.embed(conn, e, "m-again");
        }
        // 200 points 2-3: the app's write that made the pair done deleted its live lease with it.
        assertThat(state(e, "m-again")).as("the done pair's claim row").isNull();
        assertThat(QueueSql.fail(db, "m-again", e, c.token(), "late", true)).as("done: the token holds nothing").isNull();
        db.execute("DELETE FROM event_embeddings WHERE event_id = " + e + " AND embedding_model = 'm-again'");
        c = QueueSql.claim(db, "m-again", 1, 30, null).get(0);
        assertThat(c.attempt()).as("back in the queue with fresh attempts").isEqualTo(1);
        // A live lease of a pair still pending is never swept.
        Thread.sleep(5); // the sweep keeps rows changed at or after its start
        assertThat(db.queryLong("SELECT ehe_queue_sweep()")).isZero();
        assertThat(state(e, "m-again")).isEqualTo("claimed");
        assertThat(QueueSql.fail(db, "m-again", e, c.token(), "HTTP 400", false)).as("not retryable").isEqualTo("quarantined");
        // A quarantined pair the app embeds anyway is done too: its row goes with it.
        try (Connection conn = db.open()) {
            QueueSql.embed(conn, e, "m-again");
        }
        assertThat(state(e, "m-again")).isNull();
        // Quarantined again, then the embedding deleted: a new pending row, a new history.
        db.execute("DELETE FROM event_embeddings WHERE event_id = " + e + " AND embedding_model = 'm-again'");
        c = QueueSql.claim(db, "m-again", 1, 30, null).get(0);
        assertThat(QueueSql.fail(db, "m-again", e, c.token(), "HTTP 400", false)).isEqualTo("quarantined");
        // An UPDATE of the pending row (180 point 2's in-place case) deletes nothing: the quarantine stays.
        db.execute("UPDATE events SET organization_id = 'org-moved' WHERE id = " + e);
        assertThat(state(e, "m-again")).isEqualTo("quarantined");
        db.execute("UPDATE events SET organization_id = 'org-a' WHERE id = " + e);
        // A delete the module makes itself (depth 0: here by hand, as targets remove and verify --repair do)
        // leaves the claim row to the sweep; the pair back as a new pending row (a new xmin) is not hidden by it.
        db.execute("DELETE FROM event_embedding_pending WHERE event_id = " + e + " AND model = 'm-again'");
        assertThat(state(e, "m-again")).isEqualTo("quarantined");
        db.execute("INSERT INTO event_embedding_pending (event_id, model, organization_id, created_at) SELECT id, 'm-again', organization_id, created_at FROM events WHERE id = " + e);
        assertThat(QueueSql.counts(db, "m-again")).as("the old quarantine matches no pending row").containsExactly(1, 1, 0, 0, 0);
        c = QueueSql.claim(db, "m-again", 1, 30, null).get(0);
        assertThat(c.attempt()).isEqualTo(1);
        assertThat(QueueSql.release(db, "m-again", List.of(e), c.token())).containsExactly(e);
        Thread.sleep(5); // the sweep keeps rows changed at or after its start
        assertThat(db.queryLong("SELECT ehe_queue_sweep()")).as("a released pair still pending keeps its history").isZero();
        AppSchema.assertExact(db);
    }

    @Test
    void badArgumentsAreRefusedWithOneLine() {
        events("m-args", "org-b", 1);
        for (String call : List.of("SELECT * FROM ehe_queue_claim('no-such-model', 1, 30)", "SELECT * FROM ehe_queue_claim('m-args', 0, 30)",
                "SELECT * FROM ehe_queue_claim('m-args', 1, -1)", "SELECT * FROM ehe_queue_claim('m-args', 1, 'NaN')",
                "SELECT ehe_queue_fail('m-args', 1, NULL, 'x', true)", "SELECT ehe_queue_pause('m-args', NULL)")) {
            assertThatThrownBy(() -> db.execute(call)).as(call).rootCause().hasMessageContaining("ehe_queue_")
                    .satisfies(t -> assertThat(((SQLException) t).getSQLState()).isEqualTo("22023"));
        }
    }

    @Test
    void everyQueueFunctionIsSecurityDefinerWithAPinnedSearchPathAndNoPublicExecute() {
        List<String> bad = db.queryStrings("""
                SELECT p.proname FROM pg_proc p WHERE p.proname LIKE 'ehe_queue_%'
                   AND NOT (p.prosecdef AND 'search_path=pg_catalog, pg_temp' = ANY (p.proconfig)
                            AND NOT has_function_privilege('public', p.oid, 'EXECUTE'))""");
        assertThat(bad).isEmpty();
        assertThat(db.queryLong("SELECT count(*) FROM pg_proc WHERE proname LIKE 'ehe_queue_%'")).isEqualTo(13);
        // Installed by a superuser here: the functions a worker calls must not run with superuser rights (170 point 1).
        assertThat(db.queryString("SELECT string_agg(DISTINCT r.rolname || ' super=' || r.rolsuper, ',') FROM pg_proc p"
                + " JOIN pg_roles r ON r.oid = p.proowner WHERE p.proname LIKE 'ehe_queue_%'")).isEqualTo("ehe_definer super=false");
        assertThat(Set.of(db.queryString("SELECT has_table_privilege('public', 'event_embedding_pending_failed', 'SELECT')::text"))).containsOnly("false");
    }

    @Test
    void theFreezeOfAPendingRowKeepsItsXminSoItsClaimStillCounts() {
        TestDatabase fresh = PostgresServer.get().createDatabase("queue_freeze");
        AppSchema.install(fresh, "m");
        long e = AppSchema.event(fresh, "org", "text");
        Claimed c = QueueSql.claim(fresh, "m", 1, 30, null).get(0);
        assertThat(QueueSql.fail(fresh, "m", e, c.token(), "HTTP 400", false)).isEqualTo("quarantined");
        fresh.execute("VACUUM (FREEZE) event_embedding_pending");
        assertThat(QueueSql.counts(fresh, "m")).containsExactly(1, 0, 0, 0, 1);
    }

    /**
     * New-user trial: "queue pause M1" where the target is m1 said only "not a target model"; every
     * queue action that takes a model now names the target that differs only in case, as targets remove does.
     */
    @Test
    void aModelDifferingOnlyInCaseIsNamedByEveryQueueAction() {
        for (String[] args : new String[][] {{"queue", "pause", "M-CLI", "--dry-run"}, {"queue", "pause", "M-CLI", "--for", "1h"},
                {"queue", "resume", "M-CLI"}, {"queue", "retry", "M-CLI", "--dry-run"}, {"queue", "failed", "M-CLI"}}) {
            io.ehe.testing.InProcessCli.Run r = io.ehe.testing.InProcessCli.both(db, args);
            assertThat(r.exit()).as(String.join(" ", args) + ": " + r.output()).isEqualTo(io.ehe.cli.ExitCodes.USAGE);
            assertThat(r.output()).as(String.join(" ", args)).contains("model 'M-CLI' is not a target model")
                    .contains("the target 'm-cli' differs only in case");
        }
        io.ehe.testing.InProcessCli.Run none = io.ehe.testing.InProcessCli.both(db, "queue", "resume", "no-such-model");
        assertThat(none.output()).contains("is not a target model").doesNotContain("differs only in case");
    }

    @Test
    void theCliListsRetriesPausesAndResumesAndStatusPrintsTheCounts() throws Exception {
        long[] ids = events("m-cli", "org-c", 2);
        Claimed c = QueueSql.claim(db, "m-cli", 1, 30, "org-c").get(0);
        assertThat(QueueSql.fail(db, "m-cli", c.eventId(), c.token(), "HTTP 400: bad input", false)).isEqualTo("quarantined");
        String out = captured(() -> assertThat(AppSchema.cli(db, "queue", "failed", "m-cli")).isZero());
        assertThat(out).contains(String.valueOf(c.eventId())).contains("quarantined").contains("HTTP 400: bad input").contains("1 row(s)");
        out = captured(() -> assertThat(AppSchema.cli(db, "status", "--json")).isZero());
        com.fasterxml.jackson.databind.JsonNode q = null;
        for (var n : new com.fasterxml.jackson.databind.ObjectMapper().readTree(out).path("queue")) {
            if (n.path("model").asText().equals("m-cli")) {
                q = n;
            }
        }
        assertThat(q).isNotNull();
        assertThat(q.path("pending").asLong()).isEqualTo(2);
        assertThat(q.path("claimable").asLong()).isEqualTo(1);
        assertThat(q.path("quarantined").asLong()).isEqualTo(1);
        assertThat(captured(() -> AppSchema.cli(db, "status"))).contains("work queue (changeSet 180)");
        assertThat(captured(() -> assertThat(AppSchema.cli(db, "queue", "retry", "m-cli", "--dry-run")).isZero())).contains("would retry 1");
        assertThat(QueueSql.counts(db, "m-cli")[4]).as("dry run changed nothing").isEqualTo(1);
        assertThat(AppSchema.cli(db, "queue", "retry", "m-cli", "--event", String.valueOf(ids[0] == c.eventId() ? ids[1] : ids[0]))).isZero();
        assertThat(QueueSql.counts(db, "m-cli")[4]).as("another event named").isEqualTo(1);
        assertThat(AppSchema.cli(db, "queue", "retry", "m-cli", "--organization", "org-c")).isZero();
        assertThat(QueueSql.counts(db, "m-cli")).containsExactly(2, 2, 0, 0, 0);
        assertThat(AppSchema.cli(db, "queue", "pause", "m-cli", "--dry-run")).isZero();
        assertThat(QueueSql.claim(db, "m-cli", 1, 30, null)).hasSize(1);
        assertThat(AppSchema.cli(db, "queue", "pause", "m-cli", "--for", "1h", "--reason", "HTTP 429")).isZero();
        assertThat(QueueSql.claim(db, "m-cli", 1, 30, null)).isEmpty();
        assertThat(AppSchema.cli(db, "queue", "resume", "m-cli")).isZero();
        assertThat(QueueSql.claim(db, "m-cli", 1, 30, null)).hasSize(1);
        assertThat(AppSchema.cli(db, "queue", "retry", "no-such-model")).isEqualTo(io.ehe.cli.ExitCodes.USAGE);
        assertThat(AppSchema.cli(db, "queue", "pause", "m-cli", "--for", "1h", "--until", "2030-01-01T00:00:00Z")).isEqualTo(io.ehe.cli.ExitCodes.USAGE);
        assertThat(AppSchema.cli(db, "queue", "pause", "m-cli", "--until", "tomorrow")).isEqualTo(io.ehe.cli.ExitCodes.USAGE);
        assertThat(AppSchema.cli(db, "queue")).isEqualTo(io.ehe.cli.ExitCodes.USAGE);
    }

    private interface Body {
        void run() throws Exception;
    }

    private static String captured(Body body) throws Exception {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        java.io.PrintStream old = System.out;
        System.setOut(new java.io.PrintStream(out, true, java.nio.charset.StandardCharsets.UTF_8));
        try {
            body.run();
        } finally {
            System.setOut(old);
        }
        return out.toString(java.nio.charset.StandardCharsets.UTF_8);
    }

    /**
     * Issue 27: the queue must not make the app's re-embed, supersede or event insert dearer. Its only
     * trigger (200's, on pending rows deleted inside the module's triggers) is never called by them, with
     * their deferred triggers run (SET CONSTRAINTS ALL IMMEDIATE) before the count; the first embedding of a
     * pending pair does call it, so the count can see it.
     */
    @Test
    void theAppsReEmbedSupersedeAndEventInsertNeverCallTheQueuesTrigger() throws Exception {
        String m = "m-paths";
        long e1 = events(m, "org-paths", 1)[0];
        try (Connection c = db.open(); var st = c.createStatement()) {
            st.execute("SET track_functions = 'all'");
            c.setAutoCommit(false);
            // The backend keeps committed counts until it reports them (PostgreSQL 15+: at most once a
            // second, between transactions), so each check counts from the first statement of its own
            // transaction, when nothing can be reported until it ends.
            long[] before = calls(st);
            st.execute("INSERT INTO event_embeddings (event_id, embedding_model, chunk_index) VALUES (" + e1 + ", '" + m + "', 0)");
            assertThat(calls(st)[1] - before[1]).as("the first embedding of a pending pair: the count sees the trigger").isPositive();
            c.commit();

            before = calls(st);
            st.execute("INSERT INTO events (organization_id, payload_text) VALUES ('org-paths', 'new text')");
            assertAppPathCallsNoQueueTrigger(c, st, before, "event insert");

            before = calls(st);
            st.execute("SELECT 1 FROM events WHERE id = " + e1 + " AND superseded_by IS NULL FOR SHARE");
            st.execute("DELETE FROM event_embeddings WHERE event_id = " + e1 + " AND embedding_model = '" + m + "'");
            st.execute("INSERT INTO event_embeddings (event_id, embedding_model, chunk_index) VALUES (" + e1 + ", '" + m + "', 0)");
            assertAppPathCallsNoQueueTrigger(c, st, before, "re-embed");

            before = calls(st);
            long e2;
            try (var rs = st.executeQuery("INSERT INTO events (organization_id, payload_text) VALUES ('org-paths', 'successor') RETURNING id")) {
                rs.next();
                e2 = rs.getLong(1);
            }
            st.execute("UPDATE events SET superseded_by = " + e2 + " WHERE id = " + e1);
            st.execute("DELETE FROM event_embeddings WHERE event_id = " + e1);
            assertAppPathCallsNoQueueTrigger(c, st, before, "supersede");
        }
        assertExact(db);
    }

    private static void assertAppPathCallsNoQueueTrigger(Connection c, java.sql.Statement st, long[] before, String path) throws SQLException {
        st.execute("SET CONSTRAINTS ALL IMMEDIATE");
        long[] after = calls(st);
        assertThat(after[0] - before[0]).as(path + ": the module's own triggers ran").isPositive();
        assertThat(after[1] - before[1]).as(path + ": calls of the queue's trigger").isZero();
        c.rollback();
    }

    /** Calls counted so far by this backend: the module's ehe_pending_on_* trigger functions, and 200's queue trigger. */
    private static long[] calls(java.sql.Statement st) throws SQLException {
        try (var rs = st.executeQuery("SELECT coalesce(sum(calls) FILTER (WHERE funcname LIKE 'ehe\\_pending\\_on\\_%'), 0),"
                + " coalesce(sum(calls) FILTER (WHERE funcname = 'ehe_queue_on_pending_delete'), 0) FROM pg_stat_xact_user_functions")) {
            rs.next();
            return new long[] {rs.getLong(1), rs.getLong(2)};
        }
    }
}
