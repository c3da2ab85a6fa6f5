package io.ehe.roles;

import io.ehe.cli.ExitCodes;
import io.ehe.testing.AppRoles;
import io.ehe.testing.InProcessCli;
import io.ehe.testing.PostgresServer;
import io.ehe.testing.TestDatabase;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 24: a migration role that is not the owner of events and event_embeddings (a team that keeps
 * the owner's password elsewhere). As a member of the owner role (INHERIT) it installs, fills, reads
 * status of and rolls back either design; the module's functions are then the migrator's (no
 * superuser) and the app's role writes with its old DML. Without the membership, migrate refuses before
 * its first change (exit 6) and leaves nothing behind; on the main of 2026-12-06 the pending-table
 * design's first changeSet (a table of its own) applied and the second failed half way.
 */
class MigrationRoleTest {

    @ParameterizedTest
    @ValueSource(strings = {"column", "pending-table"})
    void aMemberOfTheOwnerRoleInstallsFillsAndRollsBack(String design) throws Exception {
        TestDatabase admin = PostgresServer.get().createDatabase("mr_" + design.replace('-', '_'));
        AppRoles roles = AppRoles.create(admin);
        String migrator = roles.ownerRole().replace("_owner", "_migrator");
        admin.execute("DROP ROLE IF EXISTS " + migrator,
                "CREATE ROLE " + migrator + " LOGIN NOSUPERUSER INHERIT PASSWORD '" + AppRoles.PASSWORD + "'",
                "GRANT " + roles.ownerRole() + " TO " + migrator);
        roles.createTablesAsOwner();
        roles.owner().execute("INSERT INTO public.events (organization_id, payload_text) SELECT 'org-' || (g % 3), 'old ' || g FROM generate_series(1, 40) g",
                "INSERT INTO public.event_embeddings (event_id, embedding_model, chunk_index) SELECT id, 'm1', 0 FROM public.events WHERE id % 2 = 0");
        TestDatabase m = roles.as(migrator);

        assertThat(InProcessCli.run(m, "migrate", "--design", design)).as("migrate").isZero();
        assertThat(InProcessCli.run(m, "backfill")).as("backfill").isZero();
        if (design.equals("column")) {
            assertThat(InProcessCli.run(m, "migrate")).as("migrate after the backfill").isZero();
        }
        assertThat(InProcessCli.run(m, "status")).as("status").isZero();
        assertThat(m.queryString("SELECT string_agg(DISTINCT p.proowner::regrole::text, ',') FROM pg_proc p WHERE p.proname LIKE 'ehe\\_%'"
                + " AND p.prorettype = 'trigger'::regtype")).as("the trigger functions' owner").isEqualTo(migrator);

        TestDatabase app = roles.app();
        try (Connection c = DriverManager.getConnection(app.jdbcUrl(), app.user(), app.password()); Statement st = c.createStatement()) {
            st.execute("INSERT INTO public.events (organization_id, payload_text) VALUES ('org-1', 'new')");
            st.execute("INSERT INTO public.event_embeddings (event_id, embedding_model, chunk_index) SELECT max(id), 'm1', 0 FROM public.events");
            st.execute("DELETE FROM public.event_embeddings WHERE event_id = 2");
        }
        if (design.equals("column")) {
            assertThat(m.queryLong("SELECT count(*) FROM public.events e WHERE e.has_embedding IS DISTINCT FROM"
                    + " EXISTS (SELECT 1 FROM public.event_embeddings x WHERE x.event_id = e.id)")).as("stale has_embedding").isZero();
        } else {
            assertThat(m.queryLong("SELECT count(*) FROM public.events e WHERE e.payload_text <> '' AND e.organization_id IS NOT NULL"
                    + " AND NOT EXISTS (SELECT 1 FROM public.event_embeddings x WHERE x.event_id = e.id)"))
                    .as("pending pairs equal the events without an embedding")
                    .isEqualTo(m.queryLong("SELECT count(*) FROM public.event_embedding_pending")).isPositive();
        }

        assertThat(InProcessCli.run(m, "rollback", "--design", design)).as("rollback").isZero();
        assertThat(m.queryLong("SELECT count(*) FROM pg_proc WHERE proname LIKE 'ehe\\_%'")).as("module functions after the rollback").isZero();
    }

    @ParameterizedTest
    @ValueSource(strings = {"column", "pending-table"})
    void aRoleThatIsNotAMemberOfTheOwnerChangesNothing(String design) {
        TestDatabase admin = PostgresServer.get().createDatabase("mrn_" + design.replace('-', '_'));
        AppRoles roles = AppRoles.create(admin);
        String stranger = roles.ownerRole().replace("_owner", "_stranger");
        admin.execute("DROP ROLE IF EXISTS " + stranger,
                "CREATE ROLE " + stranger + " LOGIN NOSUPERUSER PASSWORD '" + AppRoles.PASSWORD + "'",
                "GRANT USAGE, CREATE ON SCHEMA public TO " + stranger);
        roles.createTablesAsOwner();
        long before = admin.queryLong("SELECT count(*) FROM pg_class") + admin.queryLong("SELECT count(*) FROM pg_proc")
                + admin.queryLong("SELECT count(*) FROM pg_trigger");
        long ranBefore = admin.queryLong("SELECT count(*) FROM public.databasechangelog");

        int exit = InProcessCli.run(roles.as(stranger), "migrate", "--design", design);

        assertThat(exit).as("migrate by a role that may not alter the tables").isEqualTo(ExitCodes.WRONG_DATABASE);
        assertThat(admin.queryLong("SELECT count(*) FROM public.databasechangelog")).as("history rows").isEqualTo(ranBefore);
        assertThat(admin.queryLong("SELECT count(*) FROM pg_trigger WHERE tgrelid IN ('public.events'::regclass, 'public.event_embeddings'::regclass) AND NOT tgisinternal"))
                .as("module triggers").isZero();
        assertThat(admin.queryLong("SELECT count(*) FROM pg_proc WHERE proname LIKE 'ehe\\_%'")).as("module functions").isZero();
        assertThat(admin.queryLong("SELECT count(*) FROM pg_class") + admin.queryLong("SELECT count(*) FROM pg_proc")
                + admin.queryLong("SELECT count(*) FROM pg_trigger")).as("catalog objects").isEqualTo(before);
    }
}
