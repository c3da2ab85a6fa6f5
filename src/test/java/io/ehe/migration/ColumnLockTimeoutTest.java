package io.ehe.migration;

import io.ehe.db.SqlErrors;
import io.ehe.testing.Migrations;
import io.ehe.testing.PostgresExtension;
import io.ehe.testing.TestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/** 010 gives up within its lock_timeout when a transaction holds events, instead of queueing everyone behind it. */
@ExtendWith(PostgresExtension.class)
class ColumnLockTimeoutTest {

    @Test
    void alterGivesUpWithinTheLockTimeout(TestDatabase db) throws Exception {
        Migrations.createUpstreamTables(db);
        db.execute("INSERT INTO events (organization_id, payload_text) VALUES ('o', 't')");
        ChangelogRunner runner = new ChangelogRunner(db.connections(),
                MigrationSettings.defaults().withLockTimeout("700ms").withRetries(1, Duration.ofMillis(10)));
        try (Connection blocker = db.open()) {
            blocker.setAutoCommit(false);
            try (Statement st = blocker.createStatement()) {
                st.execute("SELECT * FROM events FOR UPDATE"); // an ordinary open transaction on events
            }
            long start = System.nanoTime();
            Throwable failure = catchThrowable(() -> runner.update(null, 1)); // 010
            long millis = (System.nanoTime() - start) / 1_000_000;

            assertThat(SqlErrors.isLockNotGranted(failure)).as("failed on lock_timeout: %s", failure).isTrue();
            // The whole update (connection, changelog parsing, baseline check) plus the 700 ms wait.
            assertThat(millis).isLessThan(700 + 4000);
            blocker.rollback();
        }
        assertThat(db.queryLong("SELECT count(*) FROM information_schema.columns WHERE table_name = 'events' AND column_name = 'has_embedding'"))
                .as("the refused changeSet left nothing behind").isZero();
        assertThat(db.queryLong("SELECT count(*) FROM databasechangelog WHERE id = '010-has-embedding-column'")).isZero();

        runner.update(null, null);
        assertThat(db.queryLong("SELECT count(*) FROM databasechangelog WHERE id = '010-has-embedding-column'")).isOne();
    }
}
