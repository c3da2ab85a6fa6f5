package io.ehe.design.pending;

import io.ehe.cli.ExitCodes;
import io.ehe.testing.PostgresExtension;
import io.ehe.testing.PostgresServer;
import io.ehe.testing.InProcessCli;
import io.ehe.testing.InProcessCli.Run;
import io.ehe.testing.TestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;


import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 28, cases 1-3 and 8 as a new user met them on the pending-table design with the app's
 * question: a bare configure kept nothing, a different question was applied without a word, a
 * backfill said complete while a target was still filling, a model name nobody uses was accepted.
 */
@ExtendWith(PostgresExtension.class)
class OperatorSafetyTest {

    /** An app-semantics database with targets m1, m2 filled and ready (m1 embedded for most events, m2 for a few). */
    private static TestDatabase filled(String name) {
        TestDatabase db = AppSchema.installed(name, "m1", "m2");
        AppSchema.fill(db, 7, 3000, "m1",
                "INSERT INTO event_embeddings (event_id, embedding_model, chunk_index) SELECT id, 'm2', 0 FROM events WHERE id % 3 = 0");
        assertThat(AppSchema.cli(db, "status")).isZero();
        return db;
    }

    /** Everything configure could change, as one string. */
    private static String state(TestDatabase db) {
        return db.queryString("""
                SELECT concat_ws(' | ', (SELECT concat_ws(',', model_column, chunk_column, superseded_column, created_column)
                                           FROM event_embedding_pending_semantics),
                                        (SELECT string_agg(model || ':' || state, ',' ORDER BY model) FROM event_embedding_pending_targets),
                                        (SELECT count(*) FROM event_embedding_pending)::text,
                                        (SELECT count(*) FROM event_embedding_pending_bootstrap)::text)""");
    }

    private static Run run(TestDatabase db, String... args) {
        return InProcessCli.both(db, args);
    }

    /** {@link #run}, which must end with exit {@code exit} (else its output is the failure's message); returns its output. */
    private static String output(int exit, TestDatabase db, String... args) {
        Run r = run(db, args);
        assertThat(r.exit()).as(r.output()).isEqualTo(exit);
        return r.output();
    }

    /** Case 1: a bare configure keeps the installed question; a different one needs --change-question; --dry-run says what. */
    @Test
    void aBareConfigureKeepsTheQuestionAndADifferentOneIsConfirmedExplicitly() {
        TestDatabase db = filled("op_bare_configure");
        String before = state(db);
        assertThat(before).startsWith("embedding_model,chunk_index,superseded_by,created_at | m1:ready,m2:ready | ");

        Run bare = run(db, "configure");
        assertThat(bare.exit()).as(bare.output()).isZero();
        assertThat(bare.output()).contains("semantics unchanged");
        assertThat(state(db)).as("a bare configure changes nothing").isEqualTo(before);

        long rows = db.queryLong("SELECT count(*) FROM event_embedding_pending");
        Run dry = run(db, "configure", "--semantics", "seed", "--dry-run");
        assertThat(dry.exit()).as(dry.output()).isZero();
        assertThat(dry.output()).contains(String.format("%,d rows", rows)).contains("m1 (ready)").contains("m2 (ready)")
                .contains("triggers").contains("nothing was changed");
        // Without --change-question the real runs refuse (exit 13): so do their dry runs (a new-user trial saw no word of it).
        assertThat(dry.output()).contains("would refuse (exit 13)").contains("needs --change-question");
        assertThat(dry.output()).as("read naturally").contains("targets m1 (ready), m2 (ready) dropped")
                .contains("the fill's progress (1 shard row) cleared").contains("; target (any model) would be filling")
                .doesNotContain("target(s)").doesNotContain("1 shard rows");
        assertThat(output(0, db, "migrate", "--design", "pending-table", "--semantics", "seed", "--dry-run"))
                .contains("would refuse (exit 13)").contains("needs --change-question");
        assertThat(output(0, db, "configure", "--semantics", "seed", "--change-question", "--dry-run"))
                .doesNotContain("would refuse").contains("would be filling");
        assertThat(output(0, db, "migrate", "--design", "pending-table", "--semantics", "seed", "--change-question", "--dry-run"))
                .doesNotContain("would refuse").contains("would be filling");
        assertThat(state(db)).isEqualTo(before);

        Run refused = run(db, "configure", "--semantics", "seed");
        assertThat(refused.exit()).as(refused.output()).isEqualTo(ExitCodes.NOT_CONFIRMED);
        assertThat(refused.output()).contains("--change-question").contains("nothing was changed");
        assertThat(state(db)).as("refused: nothing changed").isEqualTo(before);

        Run migrate = run(db, "migrate", "--design", "pending-table", "--semantics", "seed");
        assertThat(migrate.exit()).as("migrate with another question: the same confirmation\n" + migrate.output())
                .isEqualTo(ExitCodes.NOT_CONFIRMED);
        assertThat(state(db)).isEqualTo(before);

        output(0, db, "configure", "--semantics", "seed", "--change-question");
        assertThat(state(db)).isEqualTo(" | :filling | 0 | 0");
    }

    /** Case 1: targets remove --dry-run says what it would delete and changes nothing. */
    @Test
    void targetsRemoveDryRunSaysWhatAndChangesNothing() {
        TestDatabase db = filled("op_remove_dry_run");
        String before = state(db);
        long m2 = db.queryLong("SELECT count(*) FROM event_embedding_pending WHERE model = 'm2'");
        assertThat(m2).isPositive();
        assertThat(output(0, db, "targets", "remove", "m2", "--dry-run"))
                .contains(String.format("%,d pending rows", m2)).contains("m2 (ready)").contains("nothing was changed");
        assertThat(state(db)).isEqualTo(before);
    }

    /** Case 3: a model no event_embeddings row uses is refused unless --new-model; a case-only difference is named. */
    @Test
    void aModelNobodyUsesIsRefusedUnlessNew() {
        TestDatabase db = filled("op_typo_model");
        String before = state(db);
        assertThat(output(ExitCodes.NOT_CONFIRMED, db, "targets", "add", "M2"))
                .contains("'M2'").contains("the data says 'm2'").contains("--new-model");
        assertThat(state(db)).isEqualTo(before);

        output(ExitCodes.NOT_CONFIRMED, db, "configure", "--target-model", "m3");
        assertThat(state(db)).isEqualTo(before);

        Run dry = run(db, "targets", "add", "m3", "--dry-run");
        assertThat(dry.exit()).as(dry.output()).isZero();
        assertThat(dry.output()).contains("would refuse target m3 (exit 13)").contains("pass --new-model").contains("nothing was changed")
                .doesNotContain("would add");
        assertThat(state(db)).isEqualTo(before);

        assertThat(run(db, "targets", "add", "m3", "--new-model").exit()).isZero();
        assertThat(db.queryString("SELECT state FROM event_embedding_pending_targets WHERE model = 'm3'")).isEqualTo("filling");
    }

    /**
     * New-user trial, finding 6: {@code targets remove M1} with the target m1 gave no hint that the name
     * differs only in case (targets add had one), and {@code targets add m3 --new-model --dry-run} still
     * said "--new-model needed": a dry run reports what the command would do with the options given.
     * Exit codes unchanged (2 for a name that is not a target; 0 for a dry run).
     */
    @Test
    void removeNamesATargetDifferingInCaseAndADryRunHonoursNewModel() {
        TestDatabase db = filled("op_case_remove");
        String before = state(db);
        Run remove = run(db, "targets", "remove", "M1");
        assertThat(remove.exit()).as(remove.output()).isEqualTo(ExitCodes.USAGE);
        assertThat(remove.output()).contains("'M1' is not a target model").contains("the target 'm1' differs only in case");
        Run unrelated = run(db, "targets", "remove", "m9");
        assertThat(unrelated.exit()).isEqualTo(ExitCodes.USAGE);
        assertThat(unrelated.output()).doesNotContain("differs");
        assertThat(state(db)).isEqualTo(before);

        assertThat(output(0, db, "targets", "add", "m3", "--new-model", "--dry-run"))
                .contains("would add target m3, filling").contains("confirmed by --new-model")
                .contains("nothing was changed").doesNotContain("needed").doesNotContain("refuse");
        assertThat(output(0, db, "configure", "--target-model", "m3", "--new-model", "--dry-run"))
                .contains("would add target(s) m3").contains("confirmed by --new-model")
                .doesNotContain("needed").doesNotContain("refuse");
        assertThat(output(0, db, "configure", "--target-model", "m3", "--dry-run"))
                .contains("would refuse (exit 13)").contains("pass --new-model").doesNotContain("would add");
        assertThat(state(db)).isEqualTo(before);
    }

    /**
     * Case 3 at install: migrate with a mistyped target model is refused before its first changeSet (a
     * new-user trial saw every changeSet applied, then exit 13 and "nothing was changed"); a model that is
     * already a target passes the check on later migrates (the chart passes its targets every time).
     */
    @Test
    void migrateRefusesAMistypedTargetModelBeforeItsFirstChangeSet() {
        TestDatabase db = PostgresServer.get().createDatabase("op_typo_migrate");
        io.ehe.testing.Migrations.baselineOnly(db);
        db.execute("ALTER TABLE events ADD COLUMN superseded_by bigint",
                "INSERT INTO events (organization_id, payload_text) SELECT 'org-1', 'text ' || g FROM generate_series(1, 20) g",
                "INSERT INTO event_embeddings (event_id, embedding_model, chunk_index) SELECT id, 'm1', 0 FROM events WHERE id % 2 = 0");
        long history = db.queryLong("SELECT count(*) FROM databasechangelog");

        // The dry run says what the real run does (a new-user trial saw "M1 filling", exit 0, on a fresh database).
        assertThat(output(0, db, "migrate", "--design", "pending-table", "--semantics", "app", "--target-model", "M1", "--dry-run"))
                .contains("would refuse (exit 13)").contains("the data says 'm1'").doesNotContain("filling");
        assertThat(output(0, db, "migrate", "--design", "pending-table", "--semantics", "app", "--target-model", "m7", "--new-model", "--dry-run"))
                .contains("m7 filling").doesNotContain("refuse");

        assertThat(output(ExitCodes.NOT_CONFIRMED, db, "migrate", "--design", "pending-table", "--semantics", "app", "--target-model", "M1"))
                .contains("the data says 'm1'").contains("no changeSet applied");
        assertThat(db.queryLong("SELECT count(*) FROM databasechangelog")).as("history rows").isEqualTo(history);
        assertThat(db.queryString("SELECT to_regclass('event_embedding_pending')::text")).isNull();

        // Part of the rollout and the configure step do not go together (a trial saw 100 applied, then exit 9).
        for (String dry : new String[] {"--dry-run", "--tag=t1"}) {
            assertThat(output(ExitCodes.USAGE, db, "migrate", "--design", "pending-table", "--semantics", "app", "--target-model", "m1",
                    "--count", "1", dry)).contains("--count applies part of the changelog").contains("nothing was changed");
        }
        assertThat(db.queryLong("SELECT count(*) FROM databasechangelog")).as("history rows").isEqualTo(history);

        output(0, db, "migrate", "--design", "pending-table", "--semantics", "app", "--target-model", "m1", "--change-question");
        assertThat(run(db, "migrate", "--semantics", "app", "--target-model", "m1").exit()).as("the target again").isZero();
    }

    /** Case 3: a column that differs only in case from an existing one is refused before any change, naming it. */
    @Test
    void aColumnThatDiffersOnlyInCaseIsRefusedNamingIt() {
        TestDatabase db = filled("op_typo_column");
        db.execute("ALTER TABLE events ADD COLUMN \"Deleted_By\" bigint");
        String before = state(db);
        assertThat(output(ExitCodes.USAGE, db, "configure", "--semantics", "app", "--superseded-column", "deleted_by", "--target-model", "m1", "--change-question"))
                .contains("events.deleted_by").contains("\"Deleted_By\"").contains("nothing was changed");
        assertThat(state(db)).isEqualTo(before);
    }

    /**
     * Case 2: an interrupted fill of a misspelt model, the model removed and the right one added: the
     * next backfill finishes the old plan, which does not cover the new target. It must not exit 0.
     */
    @Test
    void aBackfillThatLeavesATargetFillingSaysMoreToDo() {
        TestDatabase db = filled("op_more_to_do");
        assertThat(AppSchema.cli(db, "targets", "add", "m33", "--new-model")).isZero();
        assertThat(AppSchema.cli(db, "backfill", "--batch-size", "200", "--max-rows", "400"))
                .as("interrupted by --max-rows").isEqualTo(ExitCodes.INTERRUPTED);
        assertThat(AppSchema.cli(db, "targets", "remove", "m33")).isZero();
        assertThat(AppSchema.cli(db, "targets", "add", "m3", "--new-model")).isZero();

        Run first = run(db, "backfill");
        assertThat(db.queryString("SELECT state FROM event_embedding_pending_targets WHERE model = 'm3'")).isEqualTo("filling");
        assertThat(first.exit()).as("m3 still filling: more to do\n" + first.output()).isEqualTo(ExitCodes.MORE_TO_DO);
        assertThat(first.output()).contains("left=filling:m3");
        assertThat(first.output().lines().filter(l -> l.startsWith("backfill summary:")).count()).as("one summary line").isEqualTo(1);

        assertThat(AppSchema.cli(db, "backfill")).as("the second run fills m3").isZero();
        assertThat(db.queryString("SELECT state FROM event_embedding_pending_targets WHERE model = 'm3'")).isEqualTo("ready");
        AppSchema.assertExact(db);
    }

    /** Heap fetches of the scheduler's newest-first query for {@code model}, forced to its index-only plan. */
    private static long heapFetches(TestDatabase db, String model) throws Exception {
        try (java.sql.Connection c = db.open(); java.sql.Statement st = c.createStatement()) {
            st.execute("SET enable_seqscan = off");
            st.execute("SET enable_bitmapscan = off");
            StringBuilder plan = new StringBuilder();
            try (java.sql.ResultSet rs = st.executeQuery("EXPLAIN (ANALYZE, COSTS OFF) SELECT organization_id, event_id FROM event_embedding_pending "
                    + "WHERE model = '" + model + "' ORDER BY created_at DESC, event_id DESC LIMIT 5000")) {
                while (rs.next()) {
                    plan.append(rs.getString(1)).append('\n');
                }
            }
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("Heap Fetches: (\\d+)").matcher(plan);
            assertThat(m.find()).as("an index-only scan:\n" + plan).isTrue();
            return Long.parseLong(m.group(1));
        }
    }

    /**
     * Case 7: right after a fill (a model swap) and after targets remove, the scheduler's index-only
     * scan reads no heap page: the fill and the removal end with VACUUM (ANALYZE) of the pending table.
     */
    @Test
    void theFillAndARemovalLeaveTheIndexOnlyScanWithoutHeapFetches() throws Exception {
        TestDatabase db = filled("op_vacuum");
        assertThat(run(db, "targets", "add", "m3", "--new-model").exit()).isZero();
        assertThat(run(db, "backfill").exit()).isZero();
        long m3 = db.queryLong("SELECT count(*) FROM event_embedding_pending WHERE model = 'm3'");
        assertThat(m3).isEqualTo(3000);
        long afterFill = heapFetches(db, "m3");
        System.err.println("[op_vacuum] heap fetches after the fill of m3 (" + m3 + " rows): " + afterFill);
        assertThat(afterFill).as("heap fetches right after the fill").isZero();
        assertThat(run(db, "targets", "remove", "m1").exit()).isZero();
        long afterRemove = heapFetches(db, "m2");
        System.err.println("[op_vacuum] heap fetches after targets remove m1: " + afterRemove);
        assertThat(afterRemove).as("heap fetches right after targets remove").isZero();
        assertThat(db.queryLong("SELECT count(*) FROM pg_stat_user_tables WHERE relname = 'event_embedding_pending' AND last_vacuum IS NOT NULL"))
                .isEqualTo(1);
    }

    /** Case 5 (the runner): a later migrate without --design keeps the installed design and never installs the other beside it. */
    @Test
    void aBareMigrateKeepsTheInstalledDesign() {
        org.junit.jupiter.api.Assumptions.assumeTrue(System.getenv("EHE_DESIGN") == null, "EHE_DESIGN is set in this environment");
        TestDatabase db = AppSchema.installed("op_design_once", "m1");
        output(0, db, "migrate");
        assertThat(db.queryLong("SELECT count(*) FROM pg_attribute WHERE attrelid = 'public.events'::regclass AND attname = 'has_embedding'"))
                .as("the column design installed beside the pending-table design").isZero();
        assertThat(db.queryLong("SELECT count(*) FROM databasechangelog WHERE id LIKE '010%'")).isZero();
        assertThat(run(db, "status").exit()).as("one design: status needs no --design").isNotEqualTo(ExitCodes.WRONG_DESIGN);
    }
}
