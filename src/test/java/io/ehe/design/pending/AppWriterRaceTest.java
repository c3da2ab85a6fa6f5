package io.ehe.design.pending;

import io.ehe.testing.Interleaving;
import io.ehe.testing.Migrations;
import io.ehe.testing.PostgresExtension;
import io.ehe.testing.PostgresServer;
import io.ehe.testing.TestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongFunction;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The app's real writers racing each other, statement by statement, in both orders: re-embeds of
 * one event (worker FOR SHARE, inline FOR NO KEY UPDATE; the same or two models) and a supersede
 * racing a re-embed of the predecessor. Each pair runs on a database with the module (app
 * semantics, two targets) and on one without it, with and without the foreign key; the module must
 * leave the table exact after every run and add no deadlock: its count may not exceed the count of
 * the same transactions without it.
 */
@ExtendWith(PostgresExtension.class)
class AppWriterRaceTest {

    private static final long STEP_MS = 150;

    private static List<String> reembed(long e, String model, String lock) {
        return Arrays.stream(AppSchema.reembed(e, model, 2, lock).split(";")).filter(s -> !s.isBlank()).toList();
    }

    private static List<String> supersede(long e) {
        return Arrays.stream(AppSchema.supersede(e).split(";")).filter(s -> !s.isBlank()).toList();
    }

    private static final Map<String, List<LongFunction<List<String>>>> PAIRS = new LinkedHashMap<>();

    static {
        PAIRS.put("worker re-embed a / worker re-embed b", List.of(e -> reembed(e, "model-a", "FOR SHARE"), e -> reembed(e, "model-b", "FOR SHARE")));
        PAIRS.put("inline re-embed a / worker re-embed b", List.of(e -> reembed(e, "model-a", "FOR NO KEY UPDATE"), e -> reembed(e, "model-b", "FOR SHARE")));
        PAIRS.put("inline re-embed a / inline re-embed b", List.of(e -> reembed(e, "model-a", "FOR NO KEY UPDATE"), e -> reembed(e, "model-b", "FOR NO KEY UPDATE")));
        PAIRS.put("worker re-embed a / worker re-embed a", List.of(e -> reembed(e, "model-a", "FOR SHARE"), e -> reembed(e, "model-a", "FOR SHARE")));
        PAIRS.put("supersede / worker re-embed a", List.of(AppWriterRaceTest::supersede, e -> reembed(e, "model-a", "FOR SHARE")));
        PAIRS.put("supersede / inline re-embed b", List.of(AppWriterRaceTest::supersede, e -> reembed(e, "model-b", "FOR NO KEY UPDATE")));
    }

    private static TestDatabase plain(String name, boolean foreignKey) {
        TestDatabase db = PostgresServer.get().createDatabase(name);
        Migrations.baselineOnly(db);
        db.execute("ALTER TABLE events ADD COLUMN superseded_by bigint");
        if (!foreignKey) {
            db.execute("ALTER TABLE event_embeddings DROP CONSTRAINT event_embeddings_event_id_fkey");
        }
        return db;
    }

    private static TestDatabase withModule(String name, boolean foreignKey) {
        TestDatabase db = PostgresServer.get().createDatabase(name);
        AppSchema.install(db, "model-a", "model-b");
        if (!foreignKey) {
            db.execute("ALTER TABLE event_embeddings DROP CONSTRAINT event_embeddings_event_id_fkey");
        }
        assertThat(AppSchema.cli(db, "backfill")).isZero();
        return db;
    }

    /** An event embedded with both models, as the races start from. */
    private static long embeddedEvent(TestDatabase db) {
        long e = db.queryLong("INSERT INTO events (organization_id, payload_text) VALUES ('org', 'text') RETURNING id");
        db.execute("INSERT INTO event_embeddings (event_id, embedding_model, chunk_index) VALUES (" + e + ", 'model-a', 0), (" + e + ", 'model-b', 0)");
        return e;
    }

    private static Map<String, Integer> deadlocks(TestDatabase db, boolean checkExact) throws Exception {
        Map<String, Integer> out = new LinkedHashMap<>();
        try (Interleaving run = new Interleaving(db)) {
            for (Map.Entry<String, List<LongFunction<List<String>>>> pair : PAIRS.entrySet()) {
                for (int order = 0; order < 2; order++) {
                    long e = embeddedEvent(db);
                    List<String> first = pair.getValue().get(order).apply(e);
                    List<String> second = pair.getValue().get(1 - order).apply(e);
                    Interleaving.Outcome o = run.run(first, second, STEP_MS);
                    assertThat(o.otherErrors()).as(pair.getKey() + " order " + order).isEmpty();
                    String key = pair.getKey() + (order == 0 ? "" : " (reversed)");
                    out.merge(key, o.deadlocks(), Integer::sum);
                    out.merge(key + " [other SQL errors: " + String.join(",", o.sqlStates()) + "]", 0, Integer::sum);
                    if (checkExact) {
                        AppSchema.assertExact(db);
                    }
                }
            }
        }
        return out;
    }

    @Test
    void theModuleAddsNoDeadlockToTheAppsTransactionsAndStaysExact() throws Exception {
        List<String> report = new ArrayList<>();
        for (boolean fk : new boolean[] {true, false}) {
            String suffix = fk ? "fk" : "nofk";
            Map<String, Integer> without = deadlocks(plain("race_plain_" + suffix, fk), false);
            TestDatabase module = withModule("race_module_" + suffix, fk);
            Map<String, Integer> with = deadlocks(module, true);
            for (String k : with.keySet()) {
                report.add(String.format("%-50s %-6s without module %s, with module %d", k, suffix, without.get(k), with.get(k)));
                assertThat(with.get(k)).as(k + " (" + suffix + "): deadlocks with the module vs without")
                        .isLessThanOrEqualTo(without.getOrDefault(k, 0));
            }
            assertThat(with.keySet()).as("the same errors other than deadlocks, with and without the module").isEqualTo(without.keySet());
            assertThat(AppSchema.cli(module, "verify")).isZero();
        }
        report.forEach(System.out::println);
    }
}
