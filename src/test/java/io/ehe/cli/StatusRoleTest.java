package io.ehe.cli;

import io.ehe.catalog.Design;
import io.ehe.testing.AppRoles;
import io.ehe.testing.PostgresExtension;
import io.ehe.testing.PostgresServer;
import io.ehe.testing.TestDatabase;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 28, finding 1 of a new-user trial: status run as the app's writer role or as the scheduler's
 * reader role (named at install with --reader-role) ended in exit 1 and a raw "permission denied for
 * table event_embedding_pending_readers". Status reads the module's own tables, which only its owner
 * may read; run as any other role it now refuses with exit 6 and one line naming the role it needs,
 * and prints nothing on stdout (a half report would read as an answer). The owner still gets the
 * report, so the refusal is about the role and nothing else.
 */
@ExtendWith(PostgresExtension.class)
class StatusRoleTest {

    @ParameterizedTest
    @EnumSource(Design.class)
    void statusAsANonOwnerRoleRefusesWithOneLineNamingTheOwner(Design design) {
        TestDatabase admin = PostgresServer.get().createDatabase("status_role_" + design.id().replace('-', '_'));
        AppRoles roles = AppRoles.create(admin).createTablesAsOwner();
        TestDatabase owner = roles.owner();
        assertThat(Cli.run("migrate", "--url", owner.urlWithCredentials(), "--design", design.id(),
                "--reader-role", roles.readerRole()).exit()).isZero();
        owner.execute("INSERT INTO public.events (organization_id, payload_text) SELECT 'org' || (g % 3), 'text ' || g FROM generate_series(1, 20) g");
        assertThat(Cli.run("backfill", "--url", owner.urlWithCredentials()).exit()).isZero();

        Cli.Result asOwner = Cli.run("status", "--url", owner.urlWithCredentials());
        assertThat(asOwner.exit()).as(asOwner.toString()).isIn(ExitCodes.OK, ExitCodes.NOT_READY);
        assertThat(asOwner.out()).startsWith("ready for the scheduler: ");

        for (TestDatabase other : List.of(roles.app(), roles.reader())) {
            for (List<String> args : List.of(List.of("status"), List.of("status", "--json"))) {
                List<String> all = new java.util.ArrayList<>(args);
                all.add("--url");
                all.add(other.urlWithCredentials());
                Cli.Result r = Cli.run(all.toArray(new String[0]));
                assertThat(r.exit()).as(other.user() + " " + args + ": " + r).isEqualTo(ExitCodes.WRONG_DATABASE);
                assertThat(r.out()).as("nothing on stdout").isEmpty();
                assertThat(r.errLines()).as(r.toString()).hasSize(1);
                String line = r.errLines().get(0);
                assertThat(line).startsWith("error: status needs the module's owner role " + roles.ownerRole())
                        .contains("role " + other.user() + " ")
                        .doesNotContain("permission denied for")
                        .doesNotContain(AppRoles.PASSWORD);
            }
        }
    }
}
