package io.ehe.backfill;

import io.ehe.cli.Main;
import io.ehe.testing.PostgresExtension;
import io.ehe.testing.TestDatabase;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** 60k production-shaped events, every case present; the backfill in-process with its defaults. */
@ExtendWith(PostgresExtension.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class BackfillEndStateTest {

    static final int EVENTS = 60_000;

    @BeforeAll
    static void load(TestDatabase db) {
        Fixture.load(db, EVENTS);
        // An event with three embedding rows (two models) and an embedded event with empty text.
        db.execute("INSERT INTO public.event_embeddings (event_id, embedding_model, chunk_index) VALUES (7, 'other-model', 0), (7, 'other-model', 1)",
                "INSERT INTO public.event_embeddings (event_id) SELECT min(id) FROM public.events WHERE payload_text = ''");
        Fixture.reset(db);
    }

    @Test
    @Order(1)
    void fillsEveryRowExactlyWithTheDefaults(TestDatabase db) throws Exception {
        long total = Fixture.events(db);
        long withEmbedding = db.queryLong("SELECT count(DISTINCT event_id) FROM public.event_embeddings");
        assertThat(Fixture.nulls(db)).isEqualTo(total);
        // Every case is in the data: no text, empty text, several embedding rows, pending with text.
        assertThat(db.queryLong("SELECT count(*) FROM public.events WHERE payload_text IS NULL")).isPositive();
        assertThat(db.queryLong("SELECT count(*) FROM public.events WHERE payload_text = ''")).isPositive();
        assertThat(db.queryLong("SELECT count(*) FROM (SELECT event_id FROM public.event_embeddings GROUP BY 1 HAVING count(*) > 1) m")).isPositive();
        assertThat(db.queryLong("""
                SELECT count(*) FROM public.events e WHERE payload_text <> ''
                   AND NOT EXISTS (SELECT 1 FROM public.event_embeddings x WHERE x.event_id = e.id)""")).isPositive();

        List<BatchResult> batches = new ArrayList<>();
        BackfillSummary s = Backfill.run(db.connections(), BackfillSettings.defaults(), new BackfillListener() {
            @Override
            public void onBatch(BatchResult batch) {
                batches.add(batch);
            }
        });

        assertThat(s.status()).isEqualTo(BackfillSummary.Status.COMPLETE);
        Fixture.assertExact(db);
        assertThat(s.rowsTrue()).isEqualTo(withEmbedding);
        assertThat(s.rowsFalse()).isEqualTo(total - withEmbedding);
        assertThat(s.rowsScanned()).isEqualTo(total);
        assertThat(s.sweepFilled()).isZero();
        assertThat(s.batches()).isEqualTo(batches.size()).isGreaterThan(1);
        assertThat(s.lockHolds()).hasSize(batches.size());
        // The windows tile the id space: each starts where the previous one ended.
        for (int i = 1; i < batches.size(); i++) {
            assertThat(batches.get(i).fromExclusive()).isEqualTo(batches.get(i - 1).toInclusive());
        }
        // Adaptive sizing opens with a tenth of the batch size: the cold first batch is the slowest.
        assertThat(batches.get(0).batchSize()).isEqualTo(BackfillSettings.DEFAULT_BATCH_SIZE / 10);
        assertThat(db.queryString("SELECT has_embedding::text FROM public.events WHERE id = 7")).isEqualTo("true");
        assertThat(db.queryString("SELECT done::text FROM " + ProgressStore.TABLE + " WHERE shard_count = 1")).isEqualTo("true");
        System.out.println(s.line());
    }

    @Test
    @Order(2)
    void runningAgainIsAQuickNoOp(TestDatabase db) throws Exception {
        long updatesBefore = db.queryLong("SELECT n_tup_upd FROM pg_stat_user_tables WHERE relname = 'events'");
        BackfillSummary s = Backfill.run(db.connections(), BackfillSettings.defaults(), null);
        assertThat(s.status()).isEqualTo(BackfillSummary.Status.ALREADY_COMPLETE);
        assertThat(s.batches()).isZero();
        assertThat(s.rowsScanned()).isZero();
        assertThat(s.wall()).isLessThan(Duration.ofSeconds(5));
        assertThat(db.queryLong("SELECT n_tup_upd FROM pg_stat_user_tables WHERE relname = 'events'")).isEqualTo(updatesBefore);
        Fixture.assertExact(db);
    }

    @Test
    @Order(3)
    void verifyFindsNothingThenDriftThenRepairsIt(TestDatabase db) {
        assertThat(cli(db, "verify")).isEqualTo(0);
        assertThat(cli(db, "verify", "--sample", "1000")).isEqualTo(0);
        // Drift of every kind, written behind the triggers' back.
        db.execute("""
                UPDATE public.events SET has_embedding = NOT has_embedding
                 WHERE id IN (SELECT id FROM public.events ORDER BY id LIMIT 40)""",
                "UPDATE public.events SET has_embedding = NULL WHERE id IN (SELECT id FROM public.events ORDER BY id DESC LIMIT 3)");
        StringWriter out = new StringWriter();
        assertThat(cli(db, out, "verify")).isEqualTo(8);
        assertThat(out.toString()).contains("nulls=3 mismatches=40");
        out = new StringWriter();
        assertThat(cli(db, out, "verify", "--repair", "--batch-size", "7")).isEqualTo(0);
        assertThat(out.toString()).contains("repaired=43");
        Fixture.assertExact(db);
        assertThat(cli(db, "verify")).isEqualTo(0);
    }

    static int cli(TestDatabase db, String... args) {
        return cli(db, new StringWriter(), args);
    }

    static int cli(TestDatabase db, StringWriter out, String... args) {
        String[] full = new String[args.length + 2];
        System.arraycopy(args, 0, full, 0, args.length);
        full[args.length] = "--url";
        full[args.length + 1] = db.urlWithCredentials();
        CommandLine cli = Main.commandLine();
        java.io.PrintStream old = System.out;
        java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
        System.setOut(new java.io.PrintStream(captured, true));
        try {
            cli.setOut(new PrintWriter(out, true));
            return cli.execute(full);
        } finally {
            System.setOut(old);
            out.write(captured.toString());
            old.print(captured);
        }
    }
}
