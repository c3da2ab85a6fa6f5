package io.ehe.cli;

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
 * migrate as its own JVM, SIGKILLed while it waits for a lock with the migration lock held: the
 * lock must die with the process, so the next migrate proceeds at once (stock Liquibase's
 * DATABASECHANGELOGLOCK row would make it wait and fail: liquibase#1311).
 */
@ExtendWith(PostgresExtension.class)
class MigrateKilledProcessTest {

    @Test
    void aSigkilledMigrateNeverBlocksTheNextOne(TestDatabase db, @TempDir Path tmp) throws Exception {
        Migrations.baselineOnly(db);
        db.execute("INSERT INTO public.events (organization_id, payload_text) SELECT 'org-' || (g % 3), 'text ' || g FROM generate_series(1, 500) g");
        File out = tmp.resolve("out").toFile();
        File err = tmp.resolve("err").toFile();
        Process child;
        try (Connection blocker = db.open()) {
            blocker.setAutoCommit(false);
            try (Statement st = blocker.createStatement()) {
                st.execute("LOCK TABLE public.events IN ROW EXCLUSIVE MODE");
            }
            // A long lock_timeout: the child sits waiting on the events lock, holding the migration lock.
            child = Cli.start(List.of("migrate", "--url", db.urlWithCredentials(), "--lock-timeout", "10min", "--max-attempts", "1"), out, err);
            Cli.awaitLockWait(db, child, err);
            assertThat(db.queryLong(Cli.HOLDS_MIGRATION_LOCK)).as("the child holds the migration lock while it waits").isEqualTo(1);

            child.destroyForcibly(); // SIGKILL: no shutdown hook, no cleanup
            assertThat(child.waitFor(10, TimeUnit.SECONDS)).isTrue();
            assertThat(child.exitValue()).isEqualTo(137);

            // The server notices the vanished client (client_connection_check_interval) and frees its locks.
            long killedAt = System.nanoTime();
            while (db.queryLong(Cli.HOLDS_MIGRATION_LOCK) > 0) {
                assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt)).as("migration lock outlived the process").isLessThan(10_000);
                Thread.sleep(50);
            }
            System.err.println("migration lock released " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt) + " ms after SIGKILL");
            blocker.commit();
        }
        assertThat(db.queryString("SELECT to_regclass('public.databasechangeloglock')::text")).isNull();

        long t0 = System.nanoTime();
        Cli.Result second = Cli.run("migrate", "--url", db.urlWithCredentials(), "--lock-timeout", "10min", "--max-attempts", "1");
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertThat(second.exit()).as(second.toString()).isZero();
        assertThat(second.err()).doesNotContain("waiting for the migration lock");
        assertThat(second.out()).contains("applied   010-has-embedding-column");
        assertThat(ms).isLessThan(20_000);
        assertThat(db.queryLong(Cli.HOLDS_MIGRATION_LOCK)).isZero();
    }
}
