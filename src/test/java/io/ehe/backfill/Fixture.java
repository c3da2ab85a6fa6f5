package io.ehe.backfill;

import io.ehe.testing.DataSet;
import io.ehe.testing.Migrations;
import io.ehe.testing.TestDatabase;

import static org.assertj.core.api.Assertions.assertThat;

/** A production-shaped database whose old rows are NULL, and the checks every backfill test makes. */
final class Fixture {

    private Fixture() {
    }

    /** Baseline tables, {@code events} rows loaded before the module, then the module's migration. */
    static void load(TestDatabase db, int events) {
        Migrations.baselineOnly(db);
        DataSet.ofSize(events).load(db);
        Migrations.migrate(db, false);
    }

    /** Back to "nothing backfilled": every row NULL, no progress. */
    static void reset(TestDatabase db) {
        db.execute("UPDATE public.events SET has_embedding = NULL",
                "TRUNCATE " + ProgressStore.TABLE,
                "VACUUM ANALYZE public.events");
    }

    static long nulls(TestDatabase db) {
        return db.queryLong("SELECT count(*) FROM public.events WHERE has_embedding IS NULL");
    }

    /** Rows whose value disagrees with event_embeddings, computed independently of the Verifier. */
    static long wrong(TestDatabase db) {
        return db.queryLong("""
                SELECT count(*) FROM public.events e
                 WHERE e.has_embedding IS NOT NULL
                   AND e.has_embedding <> EXISTS (SELECT 1 FROM public.event_embeddings x WHERE x.event_id = e.id)""");
    }

    static void assertExact(TestDatabase db) {
        assertThat(nulls(db)).as("NULL rows left").isZero();
        assertThat(wrong(db)).as("rows disagreeing with event_embeddings").isZero();
    }

    static long events(TestDatabase db) {
        return db.queryLong("SELECT count(*) FROM public.events");
    }
}
