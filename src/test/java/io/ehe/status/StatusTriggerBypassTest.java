package io.ehe.status;

import io.ehe.cli.ExitCodes;
import io.ehe.cli.Main;
import io.ehe.testing.DataSet;
import io.ehe.testing.LogicalPublisher;
import io.ehe.testing.Migrations;
import io.ehe.testing.PostgresExtension;
import io.ehe.testing.TestDatabase;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.Statement;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Field fault 5: rows that arrive without the design's triggers (a logical-replication subscriber,
 * pg_restore --disable-triggers, session_replication_role = replica) left has_embedding wrong while
 * `status` said ready. Now status is not ready while a subscription replicates into these tables, or
 * when a sampled drift check finds drift.
 */
@ExtendWith(PostgresExtension.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class StatusTriggerBypassTest {

    record Run(int exit, String out) {
    }

    private static Run status(TestDatabase db, String... more) {
        PrintStream old = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int exit;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8)) {
            System.setOut(o);
            String[] args = new String[2 + more.length + 1];
            args[0] = "status";
            args[1] = "--url";
            args[2] = db.urlWithCredentials();
            System.arraycopy(more, 0, args, 3, more.length);
            exit = Main.run(args);
        } finally {
            System.setOut(old);
        }
        return new Run(exit, out.toString(StandardCharsets.UTF_8));
    }

    @BeforeAll
    static void ready(TestDatabase db) {
        Migrations.baselineOnly(db);
        DataSet.ofSize(300).load(db);
        Migrations.migrate(db, false);
        db.execute("UPDATE public.events e SET has_embedding = EXISTS (SELECT 1 FROM public.event_embeddings x WHERE x.event_id = e.id)"
                + " WHERE has_embedding IS NULL");
        Migrations.migrate(db, false);
    }

    private static long eventWithoutEmbedding(TestDatabase db) {
        return db.queryLong("SELECT max(id) FROM public.events WHERE NOT has_embedding AND payload_text <> ''");
    }

    @Test
    @Order(1)
    void rowsWrittenWithoutTriggersAreFoundBySamplingAndStatusIsNotReady(TestDatabase db) throws Exception {
        Run before = status(db);
        assertThat(before.exit()).as(before.out()).isEqualTo(ExitCodes.OK);
        long id = eventWithoutEmbedding(db);
        // What pg_restore --disable-triggers and a replication apply worker do: no trigger fires.
        try (Connection c = db.open(); Statement st = c.createStatement()) {
            st.execute("SET session_replication_role = replica");
            st.execute("INSERT INTO public.event_embeddings (event_id) VALUES (" + id + ")");
        }
        assertThat(db.queryString("SELECT has_embedding::text FROM public.events WHERE id = " + id)).isEqualTo("false");

        Run drifted = status(db);
        assertThat(drifted.exit()).as(drifted.out()).isEqualTo(ExitCodes.NOT_READY);
        assertThat(drifted.out()).contains("not ready: sampled drift check: 1 of the sampled events disagree");
        Run json = status(db, "--json");
        assertThat(json.exit()).isEqualTo(ExitCodes.NOT_READY);
        assertThat(json.out()).contains("\"ready\" : false").contains("triggerBypass");

        db.execute("UPDATE public.events SET has_embedding = true WHERE id = " + id);
        Run repaired = status(db);
        assertThat(repaired.exit()).as(repaired.out()).isEqualTo(ExitCodes.OK);
    }

    @Test
    @Order(2)
    void aSubscriptionIntoTheseTablesMeansNotReady(TestDatabase db) throws Exception {
        long id = eventWithoutEmbedding(db);
        try (LogicalPublisher publisher = LogicalPublisher.start()) {
            TestDatabase pub = publisher.database();
            Migrations.baselineOnly(pub);
            pub.execute("INSERT INTO public.events (id, organization_id, payload_text) VALUES (" + id + ", 'org-pub', 'published')",
                    "CREATE PUBLICATION ehe_test_pub FOR TABLE public.event_embeddings");
            db.execute("CREATE SUBSCRIPTION ehe_test_sub CONNECTION '" + publisher.conninfo() + "' PUBLICATION ehe_test_pub"
                    + " WITH (copy_data = false)");
            try {
                pub.execute("INSERT INTO public.event_embeddings (event_id) VALUES (" + id + ")");
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (db.queryLong("SELECT count(*) FROM public.event_embeddings WHERE event_id = " + id) == 0) {
                    assertThat(System.nanoTime()).as("the row was not replicated within 60 s").isLessThan(deadline);
                    Thread.sleep(200);
                }
                // replicated: the flag stayed false, the triggers never fired
                assertThat(db.queryString("SELECT has_embedding::text FROM public.events WHERE id = " + id)).isEqualTo("false");
                Run r = status(db);
                assertThat(r.exit()).as(r.out()).isEqualTo(ExitCodes.NOT_READY);
                assertThat(r.out()).contains("not ready: subscription ehe_test_sub (enabled) replicates into event_embeddings")
                        .contains("sampled drift check");
            } finally {
                db.execute("DROP SUBSCRIPTION ehe_test_sub");
            }
        }
    }
}
