package io.ehe.design;

import io.ehe.catalog.Design;

import io.ehe.testing.InProcessCli;
import io.ehe.testing.DataSet;
import io.ehe.testing.Migrations;
import io.ehe.testing.PostgresExtension;
import io.ehe.testing.TestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The runbook's move between designs, through the command line, on a production-shaped database:
 * column → pending-table (install, bootstrap, switch the app, roll the column changeSets back), then
 * back to column. At every step the installed design verifies clean.
 */
@ExtendWith(PostgresExtension.class)
class DesignMoveTest {

    static int cli(TestDatabase db, String... args) {
        return InProcessCli.run(db, args);
    }

    static long count(TestDatabase db, String sql) {
        return db.queryLong(sql);
    }

    @Test
    void columnToPendingTableAndBack(TestDatabase db) {
        Migrations.baselineOnly(db);
        DataSet.ofSize(8_000).load(db);

        // The column design, complete.
        assertThat(cli(db, "migrate")).isZero();
        assertThat(cli(db, "backfill", "--then-migrate")).isZero();
        assertThat(cli(db, "status")).isZero();
        long pendingByColumn = count(db, "SELECT count(*) FROM events WHERE NOT has_embedding AND payload_text <> ''");

        // 1. Install the pending-table design beside it; with both present, commands must be told which.
        assertThat(cli(db, "migrate", "--design", "pending-table")).isZero();
        assertThat(cli(db, "status")).as("both installed, none named").isEqualTo(9);
        assertThat(cli(db, "status", "--design", "pending-table")).as("bootstrap not run").isEqualTo(5);
        // 2. Bootstrap; both answer the same question the same way.
        assertThat(cli(db, "backfill", "--design", "pending-table")).isZero();
        assertThat(cli(db, "verify", "--design", "pending-table")).isZero();
        assertThat(cli(db, "verify", "--design", "column")).isZero();
        assertThat(count(db, "SELECT count(*) FROM event_embedding_pending")).isEqualTo(pendingByColumn);
        // 3. (the app switches its scheduler query) 4. Roll the column design back; the pending table stays.
        assertThat(cli(db, "rollback", "--design", "column")).isZero();
        assertThat(count(db, "SELECT count(*) FROM pg_attribute WHERE attrelid = 'events'::regclass AND attname = 'has_embedding' AND NOT attisdropped")).isZero();
        assertThat(count(db, "SELECT count(*) FROM databasechangelog WHERE labels LIKE 'column%'")).isZero();
        assertThat(cli(db, "status")).isZero();
        db.execute("INSERT INTO events (organization_id, payload_text) VALUES ('org-new', 'after the move')");
        assertThat(cli(db, "verify")).isZero();

        // And back: install the column design again, backfill it, then roll the pending table back.
        assertThat(cli(db, "migrate", "--design", "column")).isZero();
        assertThat(cli(db, "backfill", "--design", "column", "--then-migrate")).isZero();
        assertThat(cli(db, "status", "--design", "column")).isZero();
        assertThat(cli(db, "rollback", "--design", "pending-table")).isZero();
        assertThat(count(db, "SELECT count(*) FROM pg_class WHERE relname LIKE 'event_embedding_pending%'")).isZero();
        assertThat(count(db, "SELECT count(*) FROM pg_trigger WHERE tgname LIKE 'trg_%pending_%'")).isZero();
        assertThat(cli(db, "status")).isZero();
        assertThat(cli(db, "verify")).isZero();
    }

    /**
     * docs/pending-semantics.md, "Events without an organization": where organization_id allows NULL (the
     * app since September 2026), the column design's index counts such events (the seed PR's predicate) and
     * the pending table never holds them; the two backlogs differ by exactly their number, and each design
     * verifies clean by its own rule.
     */
    @Test
    void eventsWithoutAnOrganizationAreTheOnlyDifferenceBetweenTheBacklogs() {
        TestDatabase db = io.ehe.testing.PostgresServer.get().createDatabase("null_organization");
        Migrations.baselineOnly(db);
        DataSet.ofSize(2_000).load(db);
        db.execute("ALTER TABLE events ALTER COLUMN organization_id DROP NOT NULL",
                "INSERT INTO events (organization_id, payload_text) SELECT NULL, 'audit ' || g FROM generate_series(1, 15) g");
        assertThat(cli(db, "migrate")).isZero();
        assertThat(cli(db, "backfill", "--then-migrate")).isZero();
        assertThat(cli(db, "migrate", "--design", "pending-table")).isZero();
        assertThat(cli(db, "backfill", "--design", "pending-table")).isZero();
        assertThat(cli(db, "verify", "--design", "column")).isZero();
        assertThat(cli(db, "verify", "--design", "pending-table")).isZero();

        long byColumn = count(db, "SELECT count(*) FROM events WHERE NOT has_embedding AND payload_text <> ''");
        long byTable = count(db, "SELECT count(*) FROM event_embedding_pending");
        assertThat(byColumn - byTable).as("column %d vs pending table %d", byColumn, byTable).isEqualTo(15);
        assertThat(count(db, "SELECT count(*) FROM events e JOIN event_embedding_pending p ON p.event_id = e.id WHERE e.organization_id IS NULL"))
                .isZero();
    }

    @Test
    void aDesignThatIsNotInstalledIsRefusedWithItsOwnExitCode(TestDatabase db) {
        Migrations.migrate(db, true, Design.COLUMN);
        assertThat(cli(db, "backfill", "--design", "pending-table")).isEqualTo(9);
        assertThat(cli(db, "verify", "--design", "pending-table")).isEqualTo(9);
        assertThat(cli(db, "migrate", "--design", "sideways")).isEqualTo(2);
    }
}
