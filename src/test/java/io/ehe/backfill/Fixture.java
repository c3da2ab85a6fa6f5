package io.ehe.backfill;

import io.ehe.testing.DataSet;
import io.ehe.testing.Migrations;
import io.ehe.testing.PostgresExtension;
import io.ehe.testing.TestDatabase;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.platform.commons.support.AnnotationSupport;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

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

    /**
     * A test class on this fixture (its database from {@link PostgresExtension}): {@link #load} of
     * {@code events} rows before all its tests; with {@code resetBeforeEach}, {@link #reset} before each.
     */
    @Retention(RetentionPolicy.RUNTIME)
    @Target(ElementType.TYPE)
    @ExtendWith({PostgresExtension.class, Loading.class})
    @interface Loaded {
        int events();

        boolean resetBeforeEach() default false;
    }

    /** What {@link Loaded} does. */
    static final class Loading implements BeforeAllCallback, BeforeEachCallback {

        private static Loaded of(ExtensionContext context) {
            return AnnotationSupport.findAnnotation(context.getRequiredTestClass(), Loaded.class).orElseThrow();
        }

        @Override
        public void beforeAll(ExtensionContext context) {
            load(PostgresExtension.database(context), of(context).events());
        }

        @Override
        public void beforeEach(ExtensionContext context) {
            if (of(context).resetBeforeEach()) {
                reset(PostgresExtension.database(context));
            }
        }
    }

    /** The most batches any shard of the run in progress (or last run) has recorded. */
    static long batches(TestDatabase db) {
        return db.queryLong("SELECT coalesce(max(batches), 0) FROM " + ProgressStore.TABLE);
    }

    /** {@link Backfill#run} on a thread of its own, with {@code settings} and no listener. */
    static Future<BackfillSummary> runInBackground(TestDatabase db, BackfillSettings settings) {
        ExecutorService one = Executors.newSingleThreadExecutor();
        try {
            return one.submit(() -> Backfill.run(db.connections(), settings, null));
        } finally {
            one.shutdown();
        }
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
