package io.ehe.cli;

import io.ehe.migration.AdvisoryLockService;
import io.ehe.testing.Migrations;
import io.ehe.testing.PostgresExtension;
import io.ehe.testing.ShippedCli;
import io.ehe.testing.TestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * migrate while another session holds the migration (advisory) lock: the runner says who holds it
 * while it waits (the lock service logs through java.util.logging so that it needs nothing but
 * liquibase-core in an app; the runner routes that into its own log), then gives up with exit 4.
 */
@ExtendWith(PostgresExtension.class)
class MigrationLockWaitTest {

    @Test
    void aHeldMigrationLockIsNamedWhileWaitingAndEndsInExit4(TestDatabase db) throws Exception {
        Migrations.createUpstreamTables(db);
        try (Connection holder = db.open(); Statement st = holder.createStatement()) {
            st.execute("SELECT pg_advisory_lock(" + AdvisoryLockService.LOCK_KEY + ")");
            ShippedCli.Result r = ShippedCli.run(Map.of("JAVA_TOOL_OPTIONS", "-Dehe.migrationLockWaitMillis=2000"), Duration.ofMinutes(2),
                    "migrate", "--url", db.urlWithCredentials());
            assertThat(r.exit()).as("%s", r).isEqualTo(ExitCodes.LOCK_NOT_GRANTED);
            assertThat(r.err()).contains("waiting for the migration lock, held by pid");
        }
    }
}
