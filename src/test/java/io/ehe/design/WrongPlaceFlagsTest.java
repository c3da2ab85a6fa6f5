package io.ehe.design;

import io.ehe.catalog.Design;
import io.ehe.cli.ExitCodes;
import io.ehe.testing.InProcessCli;
import io.ehe.testing.InProcessCli.Run;
import io.ehe.testing.Migrations;
import io.ehe.testing.PostgresExtension;
import io.ehe.testing.TestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every command agrees with migrate and status where the module is: given a --schema where the tables
 * are not, or a --module-schema other than the one whose module keeps them, the working commands
 * (backfill, verify, configure, targets, partitions, queue) refuse with exit 6 and the flag to pass,
 * changing nothing. Before, they found the real objects through the session's search_path and exited 0
 * (a new-user trial: "configure, backfill, verify, partitions sync and queue sweep exit 0 where status
 * says 6").
 */
@ExtendWith(PostgresExtension.class)
class WrongPlaceFlagsTest {

    @Test
    void workingCommandsRefuseAWrongSchemaOrModuleSchemaAsStatusDoes(TestDatabase db) throws Exception {
        Migrations.migrate(db, true, Design.PENDING_TABLE);
        db.execute("CREATE SCHEMA other",
                "INSERT INTO events (organization_id, payload_text) SELECT 'org', 'text ' || g FROM generate_series(1, 20) g");
        assertThat(InProcessCli.run(db, "backfill")).isZero();
        long pending = db.queryLong("SELECT count(*) FROM event_embedding_pending");

        List<List<String>> commands = List.of(
                List.of("backfill"), List.of("verify"), List.of("configure"), List.of("targets", "add", "m9", "--new-model"),
                List.of("partitions", "sync", "--dry-run"), List.of("queue", "sweep"), List.of("status"));
        for (List<String> command : commands) {
            Run tables = InProcessCli.both(db, concat(command, "--schema", "other"));
            assertThat(tables.exit()).as(command + " --schema other: " + tables.output()).isEqualTo(ExitCodes.WRONG_DATABASE);
            assertThat(tables.output()).contains("pass --schema public");
            Run module = InProcessCli.both(db, concat(command, "--module-schema", "other"));
            assertThat(module.exit()).as(command + " --module-schema other: " + module.output()).isEqualTo(ExitCodes.WRONG_DATABASE);
            assertThat(module.output()).contains("pass --module-schema public");
        }
        assertThat(db.queryLong("SELECT count(*) FROM event_embedding_pending_targets WHERE model = 'm9'")).as("nothing added").isZero();
        assertThat(db.queryLong("SELECT count(*) FROM event_embedding_pending")).isEqualTo(pending);
        assertThat(InProcessCli.run(db, "verify")).as("the right flags still work").isZero();
    }

    private static String[] concat(List<String> command, String... more) {
        String[] all = new String[command.size() + more.length];
        for (int i = 0; i < command.size(); i++) {
            all[i] = command.get(i);
        }
        System.arraycopy(more, 0, all, command.size(), more.length);
        return all;
    }
}
