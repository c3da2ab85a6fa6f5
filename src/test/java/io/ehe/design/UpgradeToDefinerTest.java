package io.ehe.design;

import io.ehe.catalog.Design;
import io.ehe.cli.Main;
import io.ehe.testing.Migrations;
import io.ehe.testing.PostgresServer;
import io.ehe.testing.TestDatabase;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 24: a database installed before changeSets 070/170 (the released changeSets only, as main
 * shipped them on 2026-12-06) upgrades while the app writes: the released changeSets' recorded
 * checksums stay as they were (Liquibase validates them before the update), no app write fails, and
 * the answer is exact afterwards.
 */
class UpgradeToDefinerTest {

    @Test
    void theColumnDesignUpgradesWhileTheAppWrites() throws Exception {
        TestDatabase db = PostgresServer.get().createDatabase("upgrade_definer_column");
        Migrations.runner(db, true, Design.COLUMN).update(null, 4); // 000, 010, 020, 030
        db.execute("INSERT INTO events (organization_id, payload_text) SELECT 'org-' || (g % 5), 'text ' || g FROM generate_series(1, 500) g",
                "INSERT INTO event_embeddings (event_id) SELECT id FROM events WHERE id % 3 = 0");
        assertThat(cli(db, "backfill")).isZero();
        List<String> released = checksums(db);
        assertThat(released).noneMatch(r -> r.startsWith("070"));
        upgradeWhileWriting(db, Design.COLUMN);
        assertThat(checksums(db)).containsAll(released).anyMatch(r -> r.startsWith("070-has-embedding-definer-functions"));
        assertThat(db.queryLong("SELECT count(*) FROM events e WHERE e.has_embedding IS DISTINCT FROM"
                + " EXISTS (SELECT 1 FROM event_embeddings x WHERE x.event_id = e.id)")).isZero();
        assertThat(cli(db, "status")).isZero();
    }

    @Test
    void thePendingTableDesignUpgradesWhileTheAppWrites() throws Exception {
        TestDatabase db = PostgresServer.get().createDatabase("upgrade_definer_pending");
        Migrations.runner(db, true, Design.PENDING_TABLE).update(null, 8); // 000, 100 to 160
        db.execute("ALTER TABLE events ADD COLUMN superseded_by bigint",
                "INSERT INTO events (organization_id, payload_text) SELECT 'org-' || (g % 5), 'text ' || g FROM generate_series(1, 500) g",
                "INSERT INTO event_embeddings (event_id, embedding_model) SELECT id, 'm' FROM events WHERE id % 3 = 0");
        assertThat(cli(db, "configure", "--semantics", "app", "--target-model", "m", "--change-question")).isZero();
        assertThat(cli(db, "backfill")).isZero();
        List<String> released = checksums(db);
        assertThat(released).noneMatch(r -> r.startsWith("170"));
        upgradeWhileWriting(db, Design.PENDING_TABLE);
        assertThat(checksums(db)).containsAll(released).anyMatch(r -> r.startsWith("170-pending-definer-functions"));
        assertThat(db.queryLong("""
                SELECT count(*) FROM (
                  SELECT e.id FROM events e WHERE e.payload_text <> '' AND e.superseded_by IS NULL
                     AND NOT EXISTS (SELECT 1 FROM event_embeddings x WHERE x.event_id = e.id AND x.embedding_model = 'm' AND x.chunk_index = 0)
                  EXCEPT SELECT p.event_id FROM event_embedding_pending p WHERE p.model = 'm') d""")).as("missing").isZero();
        assertThat(db.queryLong("""
                SELECT count(*) FROM event_embedding_pending p WHERE NOT EXISTS (
                  SELECT 1 FROM events e WHERE e.id = p.event_id AND e.payload_text <> '' AND e.superseded_by IS NULL
                     AND NOT EXISTS (SELECT 1 FROM event_embeddings x WHERE x.event_id = e.id AND x.embedding_model = 'm' AND x.chunk_index = 0))"""))
                .as("stale").isZero();
        assertThat(cli(db, "status")).isZero();
    }

    /** The app's transactions on another connection throughout the update; none may fail. */
    private static void upgradeWhileWriting(TestDatabase db, Design design) throws Exception {
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger done = new AtomicInteger();
        ExecutorService writer = Executors.newSingleThreadExecutor();
        Future<?> writes = writer.submit(() -> {
            try (Connection c = db.open(); Statement st = c.createStatement()) {
                while (!stop.get() || done.get() < 20) {
                    c.setAutoCommit(false);
                    st.execute("INSERT INTO events (organization_id, payload_text) VALUES ('org-w', 'written during the upgrade')");
                    st.execute("INSERT INTO event_embeddings (event_id, embedding_model) SELECT max(id), 'm' FROM events WHERE organization_id = 'org-w'");
                    st.execute("DELETE FROM event_embeddings WHERE event_id = (SELECT min(id) FROM events WHERE organization_id = 'org-w')");
                    c.commit();
                    done.incrementAndGet();
                }
            }
            return null;
        });
        try {
            Thread.sleep(200);
            Migrations.migrate(db, false, design);
        } finally {
            stop.set(true);
            writes.get(60, TimeUnit.SECONDS);
            writer.shutdownNow();
        }
        assertThat(done.get()).as("app transactions committed during and after the upgrade").isGreaterThanOrEqualTo(20);
    }

    private static List<String> checksums(TestDatabase db) {
        return new ArrayList<>(db.queryStrings("SELECT id || ' ' || md5sum FROM databasechangelog ORDER BY orderexecuted"));
    }

    private static int cli(TestDatabase db, String... args) {
        String[] all = new String[args.length + 1];
        System.arraycopy(args, 0, all, 0, args.length);
        all[args.length] = "--url=" + db.urlWithCredentials();
        return Main.run(all);
    }
}
