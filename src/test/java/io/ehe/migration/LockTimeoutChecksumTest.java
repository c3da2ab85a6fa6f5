package io.ehe.migration;

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

/**
 * The lock timeouts reach the changeSets as session settings, not as substituted text: a run with
 * another --lock-timeout validates the checksums of what an earlier run applied, and the value given
 * is the one the DDL actually waits.
 */
@ExtendWith(PostgresExtension.class)
class LockTimeoutChecksumTest {

    @Test
    void anotherLockTimeoutKeepsChecksumsAndIsTheOneApplied(TestDatabase db) throws Exception {
        Migrations.createUpstreamTables(db);
        db.execute("INSERT INTO events (organization_id, payload_text) VALUES ('o', 't')");
        MigrationSettings slow = MigrationSettings.defaults().withLockTimeout("7s").withRetries(1, Duration.ofMillis(10));
        new ChangelogRunner(db.connections(), slow).update(null, 1); // 010 (the baseline is only recorded: no step)
        String checksum = db.queryString("SELECT md5sum FROM databasechangelog WHERE id = '010-has-embedding-column'");

        // The triggers changeSet under a 600ms timeout while a transaction holds event_embeddings as an INSERT does.
        MigrationSettings quick = MigrationSettings.defaults().withLockTimeout("600ms").withRetries(1, Duration.ofMillis(10));
        try (Connection blocker = db.open(); Statement st = blocker.createStatement()) {
            blocker.setAutoCommit(false);
            st.execute("LOCK TABLE event_embeddings IN ROW EXCLUSIVE MODE");
            long t0 = System.nanoTime();
            Throwable refused = catchThrowable(() -> new ChangelogRunner(db.connections(), quick).update(null, null));
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertThat(refused).as("no checksum complaint, a lock timeout").isNotNull();
            assertThat(io.ehe.db.SqlErrors.isLockNotGranted(refused)).as(String.valueOf(refused)).isTrue();
            assertThat(ms).as("waited the 600ms given, not the 7s of the first run or the 5s default").isLessThan(4000);
            blocker.rollback();
        }
        new ChangelogRunner(db.connections(), quick).update(null, null);
        assertThat(db.queryString("SELECT md5sum FROM databasechangelog WHERE id = '010-has-embedding-column'")).isEqualTo(checksum);
        assertThat(db.queryLong("SELECT count(*) FROM databasechangelog WHERE id = '020-has-embedding-triggers'")).isOne();
    }
}
