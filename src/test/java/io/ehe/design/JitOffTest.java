package io.ehe.design;

import io.ehe.catalog.Design;
import io.ehe.cli.Main;
import io.ehe.testing.DebianPostgres;
import io.ehe.testing.Migrations;
import io.ehe.testing.NestedPlans;
import io.ehe.testing.TestDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.Statement;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The module's functions that a scheduler, a scrape or a timer calls never JIT-compile (changeSets 190
 * and 200, point 8 and point 7): on Debian's PostgreSQL, built with LLVM as most servers in production
 * are, with every jit threshold at 0 in the caller's session, auto_explain (nested statements, at
 * NOTICE level, read back here) shows a "JIT:" section for a plain query of the caller's and for none
 * of the statements inside ehe_queue_claim, ehe_queue_counts, ehe_queue_sweep and the metrics
 * functions of both designs. Each call must show at least one nested statement, so an empty answer
 * cannot pass. The embedded servers of the other tests have no JIT provider, so only this server can
 * tell; it is the same in both passes of the suite (pom.xml runs this class once).
 */
class JitOffTest {

    static DebianPostgres server;
    static TestDatabase pending;
    static TestDatabase column;

    @BeforeAll
    static void setUp() throws Exception {
        server = DebianPostgres.start();
        pending = server.createDatabase("jit_pending");
        Migrations.baselineOnly(pending);
        pending.execute("ALTER TABLE events ADD COLUMN superseded_by bigint");
        Migrations.migrate(pending, false, Design.PENDING_TABLE);
        assertThat(Main.run("configure", "--semantics", "app", "--target-model", "m1", "--new-model",
                "--url=" + pending.urlWithCredentials())).isZero();
        pending.execute("INSERT INTO events (organization_id, payload_text, created_at) "
                        + "SELECT 'org-' || (g % 4), 'text ' || g, now() - make_interval(mins => 300 - g) FROM generate_series(1, 300) g",
                "INSERT INTO event_embeddings (event_id, embedding_model, chunk_index) SELECT id, 'm1', 0 FROM events WHERE id % 3 = 0");
        assertThat(Main.run("backfill", "--url=" + pending.urlWithCredentials())).isZero();

        column = server.createDatabase("jit_column");
        Migrations.migrate(column, true, Design.COLUMN);
    }

    @AfterAll
    static void tearDown() throws Exception {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void theQueueAndMetricsFunctionsOfThePendingTableDesignRunWithoutJit() throws Exception {
        try (Connection c = pending.open(); Statement st = c.createStatement()) {
            explainEverything(st);
            assertThat(NestedPlans.notices(st, "SELECT count(*) FROM event_embedding_pending WHERE model = 'm1'"))
                    .as("a plain query of the caller's is JIT-compiled on this server: the check can see JIT")
                    .anyMatch(n -> n.contains("JIT:"));
            for (String call : List.of("SELECT * FROM ehe_queue_claim('m1', 5, 60)", "SELECT * FROM ehe_queue_counts()",
                    "SELECT ehe_queue_sweep()", "SELECT * FROM ehe_metrics_models()", "SELECT * FROM ehe_metrics_database()",
                    "SELECT * FROM ehe_metrics_pending_models()", "SELECT * FROM ehe_metrics_pending_database()")) {
                assertNoJitInside(st, call);
            }
        }
    }

    @Test
    void theMetricsFunctionsOfTheColumnDesignRunWithoutJit() throws Exception {
        try (Connection c = column.open(); Statement st = c.createStatement()) {
            explainEverything(st);
            assertThat(NestedPlans.notices(st, "SELECT count(*) FROM events WHERE has_embedding IS NOT TRUE"))
                    .anyMatch(n -> n.contains("JIT:"));
            for (String call : List.of("SELECT * FROM ehe_metrics_models()", "SELECT * FROM ehe_metrics_database()",
                    "SELECT * FROM ehe_metrics_column_models()", "SELECT * FROM ehe_metrics_column_database()")) {
                assertNoJitInside(st, call);
            }
        }
    }

    /** JIT for every plan the session runs unless a function turns it off; every statement's plan as a NOTICE. */
    private static void explainEverything(Statement st) throws Exception {
        for (String s : List.of("SET jit = on", "SET jit_above_cost = 0", "SET jit_inline_above_cost = 0",
                "SET jit_optimize_above_cost = 0")) {
            st.execute(s);
        }
        NestedPlans.logAsNotices(st);
    }

    private static void assertNoJitInside(Statement st, String call) throws Exception {
        // The caller's own statement is JIT-compiled (its session says so); only the function's statements count.
        List<String> nested = NestedPlans.notices(st, call).stream().filter(n -> !n.contains("Query Text: " + call)).toList();
        assertThat(nested).as("statements auto_explain saw inside " + call).isNotEmpty();
        assertThat(nested).as("statements inside " + call + " that were JIT-compiled").noneMatch(n -> n.contains("JIT:"));
    }
}
