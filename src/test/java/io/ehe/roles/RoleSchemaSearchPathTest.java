package io.ehe.roles;

import io.ehe.catalog.Design;
import io.ehe.cli.ExitCodes;
import io.ehe.testing.AppRoles;
import io.ehe.testing.InProcessCli;
import io.ehe.testing.Migrations;
import io.ehe.testing.PostgresExtension;
import io.ehe.testing.TestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 24 (issue 17 leftover): a schema named after the migrating role is first on its default
 * search_path ("$user", public). Every command must still agree that the history lives in public:
 * on main before the fix Liquibase created DATABASECHANGELOG in the role's schema and
 * {@code rollback --dry-run} then said "no databasechangelog table".
 */
@ExtendWith(PostgresExtension.class)
class RoleSchemaSearchPathTest {

    @Test
    void theHistoryLivesInPublicWhateverTheRolesSearchPath(TestDatabase db) {
        AppRoles roles = AppRoles.create(db);
        db.execute("CREATE SCHEMA " + roles.ownerRole() + " AUTHORIZATION " + roles.ownerRole());
        TestDatabase owner = roles.owner();
        // The role's own default (the module's sessions override it with a startup option: Schemas).
        try (java.sql.Connection raw = java.sql.DriverManager.getConnection(owner.jdbcUrl(), owner.user(), owner.password());
             java.sql.ResultSet rs = raw.createStatement().executeQuery("SELECT current_schema()")) {
            rs.next();
            assertThat(rs.getString(1)).isEqualTo(roles.ownerRole());
        } catch (java.sql.SQLException e) {
            throw new AssertionError(e);
        }
        roles.createTablesAsOwner();
        Migrations.migrate(owner, false, Design.PENDING_TABLE);

        assertThat(owner.queryString("SELECT to_regclass('public.databasechangelog')::text")).isNotNull();
        assertThat(owner.queryString("SELECT to_regclass('" + roles.ownerRole() + ".databasechangelog')::text")).isNull();
        assertThat(owner.queryString("SELECT to_regclass('" + roles.ownerRole() + ".databasechangeloglock')::text")).isNull();

        PrintStream out = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        int dryRun;
        int status;
        try {
            System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
            dryRun = InProcessCli.run(owner, "rollback", "--count", "1", "--dry-run");
            status = InProcessCli.run(owner, "status");
        } finally {
            System.setOut(out);
        }
        String printed = captured.toString(StandardCharsets.UTF_8);
        assertThat(dryRun).as(printed).isEqualTo(ExitCodes.OK);
        assertThat(printed).doesNotContain("no databasechangelog table");
        assertThat(status).as(printed).isIn(ExitCodes.OK, ExitCodes.NOT_READY);

        // And a real rollback of everything finds the same history and empties it.
        assertThat(InProcessCli.run(owner, "rollback", "--design", "pending-table")).isEqualTo(ExitCodes.OK);
        assertThat(owner.queryLong("SELECT count(*) FROM public.databasechangelog WHERE id LIKE '1%'")).isZero();
    }
}
