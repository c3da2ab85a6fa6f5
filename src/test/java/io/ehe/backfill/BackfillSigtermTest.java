package io.ehe.backfill;

import io.ehe.cli.ExitCodes;
import io.ehe.testing.TestDatabase;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** SIGTERM and the limits: exit 7, the batch in flight finished whole, a resume completes. */
@Fixture.Loaded(events = 20_000, resetBeforeEach = true)
class BackfillSigtermTest {

    @Test
    void sigtermStopsAfterTheBatchInFlightWithExitSeven(TestDatabase db) throws Exception {
        BackfillProcess p = BackfillProcess.start(db, "--batch-size", "200", "--sleep", "40ms");
        p.awaitCondition(() -> Fixture.batches(db) >= 5, 60);
        p.process().destroy(); // SIGTERM
        assertThat(p.waitFor(30)).as(p.stderr()).isEqualTo(ExitCodes.INTERRUPTED);
        assertThat(p.summaryText("status")).isEqualTo("stopped");
        assertNoHalfBatch(db, p.summary("batches"));
        assertThat(Fixture.nulls(db)).isPositive();

        BackfillSummary resumed = Backfill.run(db.connections(), BackfillSettings.defaults(), null);
        assertThat(resumed.status()).isEqualTo(BackfillSummary.Status.COMPLETE);
        Fixture.assertExact(db);
        p.cleanup();
    }

    @Test
    void sigtermDuringALongBatchLetsItCommit(TestDatabase db) throws Exception {
        // Big batches without pauses: the signal almost surely arrives inside one.
        BackfillProcess p = BackfillProcess.start(db, "--batch-size", "2000", "--sleep", "0ms");
        p.awaitCondition(() -> Fixture.batches(db) >= 2, 60);
        p.process().destroy();
        int code = p.waitFor(30);
        assertThat(code).as(p.stderr()).isIn(ExitCodes.INTERRUPTED, ExitCodes.OK);
        assertNoHalfBatch(db, p.summary("batches"));
        p.cleanup();
    }

    @Test
    void maxRowsStopsWithExitSevenAndResumes(TestDatabase db) throws Exception {
        int code = BackfillEndStateTest.cli(db, "backfill", "--max-rows", "1000", "--batch-size", "300");
        assertThat(code).isEqualTo(ExitCodes.INTERRUPTED);
        assertThat(db.queryLong("SELECT rows_scanned FROM " + ProgressStore.TABLE)).isEqualTo(1000);
        assertThat(db.queryLong("SELECT count(*) FROM public.events WHERE has_embedding IS NOT NULL")).isEqualTo(1000);
        assertThat(BackfillEndStateTest.cli(db, "backfill")).isEqualTo(ExitCodes.OK);
        Fixture.assertExact(db);
    }

    @Test
    void maxDurationStopsWithExitSeven(TestDatabase db) {
        int code = BackfillEndStateTest.cli(db, "backfill", "--max-duration", "1s", "--batch-size", "100", "--sleep", "100ms");
        assertThat(code).isEqualTo(ExitCodes.INTERRUPTED);
        long done = db.queryLong("SELECT count(*) FROM public.events WHERE has_embedding IS NOT NULL");
        assertThat(done).isBetween(100L, 2000L);
    }

    /** Every committed batch is whole: rows up to the cursor are filled, none beyond it. */
    private static void assertNoHalfBatch(TestDatabase db, long batchesInSummary) {
        long cursor = db.queryLong("SELECT last_id FROM " + ProgressStore.TABLE);
        assertThat(db.queryLong("SELECT batches FROM " + ProgressStore.TABLE)).isEqualTo(batchesInSummary);
        assertThat(db.queryLong("SELECT count(*) FROM public.events WHERE has_embedding IS NULL AND id <= " + cursor)).isZero();
        assertThat(db.queryLong("SELECT count(*) FROM public.events WHERE has_embedding IS NOT NULL AND id > " + cursor)).isZero();
        assertThat(db.queryLong("SELECT count(*) FROM public.events WHERE id <= " + cursor))
                .isEqualTo(db.queryLong("SELECT rows_scanned FROM " + ProgressStore.TABLE));
    }
}
