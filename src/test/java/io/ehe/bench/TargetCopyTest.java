package io.ehe.bench;

import io.ehe.cli.ExitCodes;
import io.ehe.testing.Catalog;
import io.ehe.testing.DataSet;
import io.ehe.testing.Migrations;
import io.ehe.testing.PostgresExtension;
import io.ehe.testing.TestDatabase;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.postgresql.PGConnection;
import org.postgresql.PGProperty;
import org.postgresql.replication.LogSequenceNumber;
import org.postgresql.replication.PGReplicationStream;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code make bench BENCH_ARGS='--target-url ... --i-know-this-is-a-disposable-copy'} ({@link TargetCopy})
 * against a scratch database with the app's schema at tiny scale: it refuses without the flag and while a
 * replication stream or an active slot reads the server's WAL, writing nothing; a run leaves the catalog
 * and the rows as it found them; no part of the password is printed.
 */
@ExtendWith(PostgresExtension.class)
class TargetCopyTest {

    private static final String PASSWORD = "Zq8-not-in-any-output";

    static TestDatabase db;

    @BeforeAll
    static void setUp(TestDatabase database) {
        db = database;
        Migrations.baselineOnly(db);
        db.execute("ALTER TABLE events ADD COLUMN superseded_by bigint", "ALTER TABLE events ALTER COLUMN organization_id DROP NOT NULL");
        DataSet.ofSize(3_000).load(db);
        db.execute("UPDATE events SET superseded_by = id + 1 WHERE id % 97 = 0");
        db.execute("DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'ehe_bench_owner') THEN "
                + "CREATE ROLE ehe_bench_owner LOGIN SUPERUSER PASSWORD '" + PASSWORD + "'; END IF; END $$");
    }

    /** The database's URL with the owner and the password in it, as a user would pass it. */
    private static String url() {
        return db.jdbcUrl().replaceAll("[?&]user=[^&]*", "") + (db.jdbcUrl().replaceAll("[?&]user=[^&]*", "").contains("?") ? "&" : "?")
                + "user=ehe_bench_owner&password=" + PASSWORD;
    }

    private record Run(int code, String out, String err) {
    }

    private static Run run(Path dir, boolean flag) {
        Map<String, String> opt = new LinkedHashMap<>();
        opt.put("target-url", url());
        if (flag) {
            opt.put(TargetCopy.DISPOSABLE_FLAG, "true");
        }
        opt.put("target-out", dir.resolve("target.md").toString());
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        int code = TargetCopy.run(opt, 1, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        Run r = new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        assertThat(r.out() + r.err()).as("no part of the password is printed").doesNotContain(PASSWORD).doesNotContain(PASSWORD.substring(0, 6));
        return r;
    }

    private static String state() throws Exception {
        try (Connection c = db.open()) {
            return Catalog.snapshot(db) + TargetCopy.snapshot(c);
        }
    }

    @Test
    void aTinyRunReportsBothBacklogsAndLeavesTheDatabaseAsItFoundIt(@TempDir Path dir) throws Exception {
        String before = state();
        Run r = run(dir, true);
        assertThat(r.code()).as(r.err()).isEqualTo(ExitCodes.OK);
        assertThat(r.out()).contains("plan: will CREATE SCHEMA ehe_bench").contains("DROP SCHEMA ehe_bench CASCADE");
        assertThat(r.out().indexOf("plan:")).as("the plan is printed before anything is measured").isLessThan(r.out().indexOf("| backlog |"));
        String report = Files.readString(dir.resolve("target.md"));
        assertThat(report).contains("| yours (bge-base-en-v1.5) | discovery |").contains("| model swap (" + TargetCopy.SWAP_MODEL + ") | pick |")
                .contains("catalog snapshot and row counts of events and event_embeddings equal to before").doesNotContain("**no**");
        assertThat(state()).as("catalog and rows after the run").isEqualTo(before);
    }

    @Test
    void withoutTheFlagItRefusesBeforeConnecting(@TempDir Path dir) throws Exception {
        String before = state();
        Run r = run(dir, false);
        assertThat(r.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(r.err()).contains("--" + TargetCopy.DISPOSABLE_FLAG);
        assertThat(r.out()).isEmpty();
        assertThat(state()).isEqualTo(before);
    }

    @Test
    void anActiveReplicationSlotMakesItRefuse(@TempDir Path dir) throws Exception {
        db.execute("SELECT pg_create_physical_replication_slot('ehe_bench_test_slot', true)");
        try (Connection walReceiver = replicationConnection(); PGReplicationStream stream = physicalStream(walReceiver, "ehe_bench_test_slot")) {
            awaitSlotActive();
            String before = state();
            Run r = run(dir, true);
            assertThat(r.code()).isEqualTo(ExitCodes.UNSUITABLE_CONNECTION);
            assertThat(r.err()).contains("replication slots are in use: ehe_bench_test_slot (physical)");
            assertThat(r.out()).as("nothing planned, nothing written").isEmpty();
            assertThat(state()).isEqualTo(before);
        } finally {
            db.execute("SELECT pg_drop_replication_slot('ehe_bench_test_slot') FROM pg_replication_slots WHERE slot_name = 'ehe_bench_test_slot' AND NOT active");
        }
    }

    @Test
    void aReplicaStreamingWithoutASlotMakesItRefuse(@TempDir Path dir) throws Exception {
        try (Connection walReceiver = replicationConnection(); PGReplicationStream stream = physicalStream(walReceiver, null)) {
            for (int i = 0; i < 100 && db.queryLong("SELECT count(*) FROM pg_stat_replication") == 0; i++) {
                Thread.sleep(50);
            }
            Run r = run(dir, true);
            assertThat(r.code()).isEqualTo(ExitCodes.UNSUITABLE_CONNECTION);
            assertThat(r.err()).contains("streams WAL to 1 receiver(s) (pg_stat_replication)");
        }
    }

    private static Connection replicationConnection() throws Exception {
        Properties p = new Properties();
        PGProperty.USER.set(p, db.user());
        if (db.password() != null) {
            PGProperty.PASSWORD.set(p, db.password());
        }
        PGProperty.REPLICATION.set(p, "true");
        PGProperty.ASSUME_MIN_SERVER_VERSION.set(p, "9.4");
        PGProperty.PREFER_QUERY_MODE.set(p, "simple");
        return DriverManager.getConnection(db.jdbcUrl().replaceAll("[?&]user=[^&]*", ""), p);
    }

    /** Starts at the flush position: the insert position may be ahead of it, and the server refuses a start beyond what it has flushed (seen on 14). */
    private static PGReplicationStream physicalStream(Connection c, String slot) throws Exception {
        LogSequenceNumber at = LogSequenceNumber.valueOf(db.queryString("SELECT pg_current_wal_flush_lsn()::text"));
        var builder = c.unwrap(PGConnection.class).getReplicationAPI().replicationStream().physical().withStartPosition(at);
        return (slot == null ? builder : builder.withSlotName(slot)).start();
    }

    private static void awaitSlotActive() throws InterruptedException {
        for (int i = 0; i < 100 && db.queryLong("SELECT count(*) FROM pg_replication_slots WHERE active") == 0; i++) {
            Thread.sleep(50);
        }
    }
}
