package io.ehe.cli;

import io.ehe.testing.DataSet;
import io.ehe.testing.Migrations;
import io.ehe.testing.PostgresExtension;
import io.ehe.testing.TestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * rollback as its own JVM, SIGKILLed between a changeSet's rollback and the delete of its history row
 * (issue 26): another session holds public.databasechangelog IN SHARE MODE, which the delete must wait
 * for. Stock Liquibase commits the rollback's DDL first, so the kill left a changeSet undone but still
 * recorded as applied; here both commit together (AtomicChangeSetDatabase), so the kill leaves the
 * schema exactly as recorded and the next rollback converges.
 */
@ExtendWith(PostgresExtension.class)
class RollbackKilledProcessTest {

    private static final String CHANGESET = "030-backfill-progress";

    @Test
    void aRollbackKilledBeforeItsHistoryRowLeavesTheSchemaAsRecorded(TestDatabase db, @TempDir Path tmp) throws Exception {
        Migrations.baselineOnly(db);
        DataSet.ofSize(200).load(db);
        assertThat(Cli.run("migrate", "--url", db.urlWithCredentials(), "--count", "3").exit()).isZero(); // 010, 020, 030
        assertThat(Migrations.newestApplied(db)).as("the changeSet --count 1 undoes").isEqualTo(CHANGESET);
        assertThat(applied(db)).isEqualTo(1);

        File out = tmp.resolve("out").toFile();
        File err = tmp.resolve("err").toFile();
        try (Connection blocker = db.open()) {
            blocker.setAutoCommit(false);
            try (Statement st = blocker.createStatement()) {
                st.execute("LOCK TABLE public.databasechangelog IN SHARE MODE");
            }
            Process child = Cli.start(List.of("rollback", "--count", "1", "--url", db.urlWithCredentials(), "--lock-timeout", "10min",
                    "--max-attempts", "1"), out, err);
            Cli.awaitLockWait(db, child, err);
            child.destroyForcibly(); // SIGKILL: no shutdown hook, no cleanup
            assertThat(child.waitFor(10, TimeUnit.SECONDS)).isTrue();
            // The server notices the vanished client and ends its transaction.
            long killedAt = System.currentTimeMillis();
            while (db.queryLong("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                    + " AND application_name = 'events-has-embedding'") > 0) {
                assertThat(System.currentTimeMillis() - killedAt).as("the killed session outlived the process").isLessThan(10_000);
                Thread.sleep(50);
            }
            blocker.rollback();
        }
        // What is recorded is exactly what is applied.
        assertThat(applied(db)).as("030's table is there exactly when 030 is recorded").isEqualTo(Migrations.recorded(db, CHANGESET));

        Cli.Result rerun = Cli.run("rollback", "--count", "1", "--url", db.urlWithCredentials(), "--lock-timeout", "2s");
        assertThat(rerun.exit()).as(rerun.toString()).isZero();
        assertThat(Migrations.recorded(db, CHANGESET)).isZero();
        assertThat(applied(db)).isZero();
    }

    private static long applied(TestDatabase db) {
        return db.queryLong("SELECT count(*) FROM pg_class WHERE oid = to_regclass('public.events_has_embedding_backfill')");
    }
}
