package io.ehe.design.pending;

import io.ehe.catalog.Design;
import io.ehe.cli.Main;
import io.ehe.testing.Migrations;
import io.ehe.testing.PostgresServer;
import io.ehe.testing.TestDatabase;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A database shaped like the app of October 2026 (../shared/reference/upstream-followups.md, last
 * section): the baseline tables plus events.superseded_by, organization_id nullable; and the app's
 * question, computed independently of the module, for the tests to compare against.
 */
final class AppSchema {

    private AppSchema() {
    }

    /** Baseline + superseded_by; the pending-table design installed with the app's semantics and these targets. */
    static void install(TestDatabase db, String... targets) {
        Migrations.baselineOnly(db);
        db.execute("ALTER TABLE events ADD COLUMN superseded_by bigint",
                "ALTER TABLE events ALTER COLUMN organization_id DROP NOT NULL");
        installOnExisting(db, targets);
    }

    /** A new database of the test server named {@code name}, {@link #install}ed with these targets. */
    static TestDatabase installed(String name, String... targets) {
        TestDatabase db = PostgresServer.get().createDatabase(name);
        install(db, targets);
        return db;
    }

    /** The pending-table design with the app's semantics on app-shaped tables that already exist (e.g. PartitionedSchema's). */
    static void installOnExisting(TestDatabase db, String... targets) {
        Migrations.migrate(db, false, Design.PENDING_TABLE);
        String[] args = new String[5 + 2 * targets.length];
        args[0] = "configure";
        args[1] = "--semantics";
        args[2] = "app";
        int i = 3;
        for (String t : targets) {
            args[i++] = "--target-model";
            args[i++] = t;
        }
        // The tests install before they insert any embedding: every target is a new model.
        args[i++] = "--new-model";
        args[i] = "--url=" + db.urlWithCredentials();
        assertThat(Main.run(args)).as("configure --semantics app").isZero();
    }

    /** The installed question's four columns (- for none) and the targets with their state. */
    static String question(TestDatabase db) {
        return db.queryString("""
                SELECT concat_ws(' | ', (SELECT concat_ws(',', coalesce(model_column, '-'), coalesce(chunk_column, '-'),
                                                      coalesce(superseded_column, '-'), coalesce(created_column, '-'))
                                           FROM event_embedding_pending_semantics),
                                        (SELECT string_agg(model || ':' || state, ',' ORDER BY model) FROM event_embedding_pending_targets))""");
    }

    static int cli(TestDatabase db, String... args) {
        String[] all = new String[args.length + 1];
        System.arraycopy(args, 0, all, 0, args.length);
        all[args.length] = "--url=" + db.urlWithCredentials();
        return Main.run(all);
    }

    /** The app's own definition, per (event, model) of the ready and filling targets. */
    private static final String WANT = """
            SELECT e.id, t.model, e.organization_id FROM events e CROSS JOIN event_embedding_pending_targets t
             WHERE t.state %s AND e.payload_text IS NOT NULL AND e.payload_text <> ''
               AND e.organization_id IS NOT NULL AND e.superseded_by IS NULL
               AND NOT EXISTS (SELECT 1 FROM event_embeddings x
                                WHERE x.event_id = e.id AND x.embedding_model = t.model AND x.chunk_index = 0)""";

    /** (event, model) pairs of ready targets the app would call pending that have no row. */
    static long missing(TestDatabase db) {
        return db.queryLong("SELECT count(*) FROM (" + WANT.formatted("= 'ready'") + ") w WHERE NOT EXISTS "
                + "(SELECT 1 FROM event_embedding_pending p WHERE p.event_id = w.id AND p.model = w.model)");
    }

    /** Rows the app would not call pending (or with another organization), for every target not being removed. */
    static long stale(TestDatabase db) {
        return db.queryLong("""
                SELECT count(*) FROM event_embedding_pending p
                  JOIN event_embedding_pending_targets t ON t.model = p.model AND t.state <> 'removing'
                 WHERE NOT EXISTS (SELECT 1 FROM events e
                                    WHERE e.id = p.event_id AND e.organization_id = p.organization_id
                                      AND e.payload_text IS NOT NULL AND e.payload_text <> '' AND e.superseded_by IS NULL
                                      AND NOT EXISTS (SELECT 1 FROM event_embeddings x
                                                       WHERE x.event_id = e.id AND x.embedding_model = p.model AND x.chunk_index = 0))""");
    }

    static void assertExact(TestDatabase db) {
        assertThat(missing(db)).as("(event, model) pairs missing from event_embedding_pending").isZero();
        assertThat(stale(db)).as("stale rows in event_embedding_pending").isZero();
    }

    static boolean pending(TestDatabase db, long event, String model) {
        return db.queryLong("SELECT count(*) FROM event_embedding_pending WHERE event_id = " + event + " AND model = '" + model + "'") > 0;
    }

    /** Runs {@code sql}, then answers {@link #pending} for {@code event} and {@code model}. */
    static boolean pendingAfter(TestDatabase db, String sql, long event, String model) {
        db.execute(sql);
        return pending(db, event, model);
    }

    /**
     * Fills an installed database: {@code events} events of {@code organizations} organizations
     * ('org-' || g % organizations, text 'text ' || g), nine in ten (id % 10 &lt;&gt; 0) embedded for
     * {@code model} (chunk 0); then the statements {@code more}; then a backfill, which must succeed.
     */
    static void fill(TestDatabase db, int organizations, int events, String model, String... more) {
        db.execute("INSERT INTO events (organization_id, payload_text) SELECT 'org-' || (g % " + organizations + "), 'text ' || g"
                        + " FROM generate_series(1, " + events + ") g",
                "INSERT INTO event_embeddings (event_id, embedding_model, chunk_index) SELECT id, '" + model + "', 0 FROM events WHERE id % 10 <> 0");
        db.execute(more);
        assertThat(cli(db, "backfill")).as("backfill").isZero();
    }

    static long event(TestDatabase db, String org, String text) {
        return db.queryLong("INSERT INTO events (organization_id, payload_text) VALUES ("
                + (org == null ? "NULL" : "'" + org + "'") + ", " + (text == null ? "NULL" : "'" + text + "'") + ") RETURNING id");
    }

    /** The app's re-embed of one (event, model): lock the live event, delete its rows, insert each chunk. */
    static String reembed(long event, String model, int chunks, String lock) {
        StringBuilder sql = new StringBuilder("SELECT 1 FROM events WHERE id = " + event + " AND superseded_by IS NULL " + lock + ";"
                + "DELETE FROM event_embeddings WHERE event_id = " + event + " AND embedding_model = '" + model + "';");
        for (int c = 0; c < chunks; c++) {
            sql.append("INSERT INTO event_embeddings (event_id, embedding_model, chunk_index, embedding) VALUES (")
                    .append(event).append(", '").append(model).append("', ").append(c).append(", '{0.1,0.2}');");
        }
        return sql.toString();
    }

    /** The app's supersede: insert the successor, stamp the predecessor, delete all its embedding rows. */
    static String supersede(long event) {
        return "INSERT INTO events (organization_id, payload_text) SELECT organization_id, payload_text || ' v2' FROM events WHERE id = " + event + ";"
                + "UPDATE events SET superseded_by = lastval() WHERE id = " + event + ";"
                + "DELETE FROM event_embeddings WHERE event_id = " + event + ";";
    }
}
