package io.ehe.design.pending;

import io.ehe.catalog.Design;
import io.ehe.catalog.QueueGrants;
import io.ehe.cli.ExitCodes;
import io.ehe.design.pending.QueueSql.Claimed;
import io.ehe.testing.AppRoles;
import io.ehe.testing.InProcessCli;
import io.ehe.testing.InProcessCli.Captured;
import io.ehe.testing.Migrations;
import io.ehe.testing.PostgresExtension;
import io.ehe.testing.PostgresServer;
import io.ehe.testing.TestDatabase;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

import java.sql.Connection;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Issue 27, queue roles by name (changeSet 185): an owner that is no superuser installs the pending-table
 * design with {@code --queue-role}; the worker role, with that grant and USAGE on public only, runs the
 * documented loop (claim, extend, fail, release, pause; the embedding written by the app's role with its old
 * DML) and is refused everything else of the module; status lists the queue roles and is not ready once one
 * lost a privilege; a new list re-runs 185 (runOnChange) and takes back only what it granted; rolling 185
 * back revokes it. A superuser installer (functions handed to ehe_definer) grants the same.
 */
@ExtendWith(PostgresExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class QueueRolesTest {

    private static final String MODEL = "m1";
    private static final String CLAIM = "ehe_queue_claim(text,integer,double precision,text,integer)";

    AppRoles roles;
    String worker;
    /** A role a DBA granted EXECUTE on the claim by hand before it was named: the module must leave that grant. */
    String handGranted;

    static Captured cli(TestDatabase db, String... args) {
        return InProcessCli.capture(db, args);
    }

    private static String holds(TestDatabase db, String role, String function) {
        return db.queryString("SELECT has_function_privilege('" + role + "', '" + function + "', 'EXECUTE')::text");
    }

    private static long history185(TestDatabase db) {
        return db.queryLong("SELECT count(*) FROM public.databasechangelog WHERE id = '185-queue-grants'");
    }

    @Test
    @Order(1)
    void anOwnerThatIsNoSuperuserInstallsAndGrantsTheNamedWorkerTheLoopsCallsOnly(TestDatabase db) {
        roles = AppRoles.create(db).createTablesAsOwner();
        worker = roles.ownerRole().replace("_owner", "_worker");
        handGranted = worker + "_dba";
        for (String r : List.of(worker, handGranted)) {
            db.execute("DROP ROLE IF EXISTS " + r, "CREATE ROLE " + r + " LOGIN NOSUPERUSER NOINHERIT PASSWORD '" + AppRoles.PASSWORD + "'",
                    "GRANT USAGE ON SCHEMA public TO " + r);
        }
        TestDatabase owner = roles.owner();
        owner.execute("ALTER TABLE public.events ADD COLUMN superseded_by bigint");

        // No queue role named: 185 skips itself and is not recorded; the worker cannot claim.
        Captured plain = cli(owner, "migrate", "--design", "pending-table", "--semantics", "app", "--target-model", MODEL, "--new-model");
        assertThat(plain.code).as(plain.out).isEqualTo(ExitCodes.OK);
        assertThat(plain.out).doesNotContain("185-queue-grants");
        assertThat(history185(owner)).isZero();
        assertThat(db.queryString("SELECT to_regclass('" + QueueGrants.ROLES_TABLE + "')::text")).isNull();
        assertThatThrownBy(() -> QueueSql.claim(roles.as(worker), MODEL, 10, 30, null)).hasMessageContaining("permission denied");

        Captured unknown = cli(owner, "migrate", "--queue-role", "no_such_role_" + db.name());
        assertThat(unknown.code).isEqualTo(ExitCodes.USAGE);
        assertThat(history185(owner)).isZero();
        assertThat(cli(owner, "migrate", "--design", "column", "--queue-role", worker).code).as("the column design has no queue")
                .isEqualTo(ExitCodes.USAGE);

        Captured migrate = cli(owner, "migrate", "--queue-role", worker);
        assertThat(migrate.code).as(migrate.out).isEqualTo(ExitCodes.OK);
        assertThat(history185(owner)).isOne();
        for (String fn : QueueGrants.WORKER_CALLS) {
            assertThat(holds(db, worker, fn)).as(fn).isEqualTo("true");
        }
        for (String fn : List.of("public.ehe_queue_resume(text)", "public.ehe_queue_retry(text,bigint[],text)",
                "public.ehe_queue_configure(text,double precision,double precision,integer)", "public.ehe_queue_sweep(integer)",
                "public.ehe_queue_counts()", "public.ehe_pending_grant_queue_roles(text[])")) {
            assertThat(holds(db, worker, fn)).as(fn).isEqualTo("false");
        }
        owner.execute("INSERT INTO public.events (organization_id, payload_text) SELECT 'org' || (g % 3), 'text ' || g FROM generate_series(1, 30) g");
        assertThat(cli(owner, "backfill").code).isEqualTo(ExitCodes.OK);
    }

    @Test
    @Order(2)
    void theWorkerRunsTheDocumentedLoopAndNothingElse() throws Exception {
        TestDatabase w = roles.as(worker);
        TestDatabase owner = roles.owner();
        List<Claimed> got = QueueSql.claim(w, MODEL, 10, 30, null);
        assertThat(got).hasSize(10);
        String org = got.get(0).organizationId();
        assertThat(got).allMatch(c -> c.organizationId().equals(org));
        List<Long> ids = got.stream().map(Claimed::eventId).toList();
        assertThat(QueueSql.extend(w, MODEL, ids, got.get(0).token(), 60)).containsExactlyInAnyOrderElementsOf(ids);
        // Done is the app's own write, with the DML the app always had.
        try (Connection app = roles.app().open()) {
            for (Claimed c : got.subList(0, 7)) {
                QueueSql.embed(app, c.eventId(), MODEL);
            }
        }
        assertThat(QueueSql.fail(w, MODEL, got.get(7).eventId(), got.get(7).token(), "HTTP 503", true)).isEqualTo("backoff");
        assertThat(QueueSql.fail(w, MODEL, got.get(8).eventId(), got.get(8).token(), "HTTP 400: input too long", false)).isEqualTo("quarantined");
        assertThat(QueueSql.release(w, MODEL, List.of(got.get(9).eventId()), got.get(9).token())).containsExactly(got.get(9).eventId());
        assertThat(QueueSql.counts(owner, MODEL)).containsExactly(23, 21, 0, 1, 1);
        // A provider failure: the documented mapping pauses the model; resuming is the operator's.
        w.execute("SELECT ehe_queue_pause('" + MODEL + "', now() + interval '1 hour', 'HTTP 429')");
        assertThat(QueueSql.claim(w, MODEL, 10, 30, null)).as("paused").isEmpty();
        assertThatThrownBy(() -> w.execute("SELECT ehe_queue_resume('" + MODEL + "')")).hasMessageContaining("permission denied");
        assertThat(cli(owner, "queue", "resume", MODEL).code).isEqualTo(ExitCodes.OK);
        assertThat(QueueSql.claim(w, MODEL, 10, 30, null)).hasSize(10);
        AppSchema.assertExact(owner);

        for (String q : List.of("SELECT ehe_queue_retry('" + MODEL + "')", "SELECT ehe_queue_configure('" + MODEL + "', 1, 2, 3)",
                "SELECT ehe_queue_sweep()", "SELECT * FROM ehe_queue_counts()", "SELECT ehe_pending_grant_queue_roles('{}')",
                "SELECT 1 FROM public.event_embedding_pending_claims", "SELECT 1 FROM public.event_embedding_pending_failed",
                "SELECT 1 FROM public.event_embedding_pending", "SELECT 1 FROM public.event_embedding_pending_queue_settings",
                "SELECT 1 FROM public.event_embedding_pending_queue_roles", "SELECT 1 FROM public.events LIMIT 1",
                "DELETE FROM public.event_embedding_pending_claims")) {
            assertThatThrownBy(() -> w.execute(q)).as(q).hasMessageContaining("permission denied");
        }
    }

    @Test
    @Order(3)
    void statusListsTheQueueRolesAndIsNotReadyWhenOneLostAPrivilege() {
        TestDatabase owner = roles.owner();
        Captured ok = cli(owner, "status");
        assertThat(ok.code).as(ok.out).isEqualTo(ExitCodes.OK);
        assertThat(ok.out).contains("queue role " + worker + ": can work the queue");
        String can = ok.out.lines().filter(l -> l.contains("can work the queue: ")).findFirst().orElseThrow();
        assertThat(List.of(can.substring(can.indexOf(": ") + 2).split(", "))).contains(worker, roles.ownerRole())
                .doesNotContain(roles.appRole(), roles.readerRole());

        owner.execute("REVOKE EXECUTE ON FUNCTION " + CLAIM + " FROM " + worker);
        String text = InProcessCli.notReadyUntilItsFix(owner, "queue role " + worker, "\"queueRoles\"", "\"canWorkQueue\"");
        assertThat(text).contains("not ready: queue role " + worker + " lacks EXECUTE ON FUNCTION public." + CLAIM)
                .contains("fix: GRANT EXECUTE ON FUNCTION public." + CLAIM + " TO " + worker);
    }

    @Test
    @Order(4)
    void aNewListRerunsTheGrantsAndTakesBackOnlyWhatTheModuleGranted(TestDatabase db) {
        TestDatabase owner = roles.owner();
        owner.execute("GRANT EXECUTE ON FUNCTION " + CLAIM + " TO " + handGranted);
        assertThat(cli(owner, "migrate", "--queue-role", worker + "," + handGranted).code).isEqualTo(ExitCodes.OK);
        for (String fn : QueueGrants.WORKER_CALLS) {
            assertThat(holds(db, handGranted, fn)).as(fn).isEqualTo("true");
        }
        // A plain migrate passes the recorded list: nothing re-runs, nothing is lost.
        String sum = owner.queryString("SELECT md5sum || orderexecuted FROM public.databasechangelog WHERE id = '185-queue-grants'");
        assertThat(cli(owner, "migrate").code).isEqualTo(ExitCodes.OK);
        assertThat(owner.queryString("SELECT md5sum || orderexecuted FROM public.databasechangelog WHERE id = '185-queue-grants'")).isEqualTo(sum);

        assertThat(cli(owner, "migrate", "--queue-role", "none").code).isEqualTo(ExitCodes.OK);
        for (String fn : QueueGrants.WORKER_CALLS) {
            assertThat(holds(db, worker, fn)).as(fn).isEqualTo("false");
            assertThat(holds(db, handGranted, fn)).as(fn + ", kept only where granted by hand").isEqualTo(String.valueOf(fn.equals(CLAIM)));
        }
        Captured none = cli(owner, "status");
        assertThat(none.out).contains("queue roles named: none (migrate --queue-role ROLE)");
        assertThat(cli(owner, "migrate", "--queue-role", worker).code).isEqualTo(ExitCodes.OK);
        assertThat(holds(db, worker, CLAIM)).isEqualTo("true");
    }

    @Test
    @Order(5)
    void rollingBackTakesBackExactlyWhatWasGranted(TestDatabase db) {
        TestDatabase owner = roles.owner();
        Captured dry = cli(owner, "rollback", "--count", "1", "--dry-run");
        assertThat(dry.out).contains("ehe_pending_grant_queue_roles('{}')");
        assertThat(cli(owner, "rollback", "--count", "1").code).isEqualTo(ExitCodes.OK);
        assertThat(history185(owner)).isZero();
        for (String fn : QueueGrants.WORKER_CALLS) {
            assertThat(holds(db, worker, fn)).as(fn).isEqualTo("false");
        }
        assertThat(holds(db, handGranted, CLAIM)).as("granted by hand, kept").isEqualTo("true");
        assertThat(db.queryString("SELECT to_regprocedure('public.ehe_pending_grant_queue_roles(text[])')::text")).isNull();
        assertThat(db.queryString("SELECT to_regclass('" + QueueGrants.ROLES_TABLE + "')::text")).isNull();
        // Named again, then the whole design's rollback: no grant to the worker is left on anything.
        assertThat(cli(owner, "migrate", "--queue-role", worker).code).isEqualTo(ExitCodes.OK);
        assertThat(cli(owner, "rollback", "--design", "pending-table").code).isEqualTo(ExitCodes.OK);
        assertThat(db.queryLong("""
                SELECT count(*) FROM pg_proc p, aclexplode(p.proacl) a
                 WHERE a.grantee = (SELECT oid FROM pg_roles WHERE rolname = '%s')""".formatted(worker))).isZero();
    }

    @Test
    @Order(6)
    void aSuperuserInstallerGrantsTheFunctionsItHandedToEheDefiner() throws Exception {
        TestDatabase su = PostgresServer.get().createDatabase("queue_roles_super");
        Migrations.runner(su, true, Design.PENDING_TABLE).queueRoles(List.of(worker)).update(null, null);
        assertThat(su.queryString("SELECT proowner::regrole::text FROM pg_proc WHERE oid = '" + CLAIM + "'::regprocedure")).isEqualTo("ehe_definer");
        su.execute("GRANT USAGE ON SCHEMA public TO " + worker, "INSERT INTO public.events (organization_id, payload_text) VALUES ('o', 'x')");
        TestDatabase w = new AppRoles(su, roles.ownerRole(), roles.appRole(), roles.readerRole()).as(worker);
        assertThat(QueueSql.claim(w, "", 10, 30, null)).hasSize(1);
        Migrations.runner(su, true, Design.PENDING_TABLE).queueRoles(List.of("none")).update(null, null);
        assertThatThrownBy(() -> QueueSql.claim(w, "", 10, 30, null)).hasMessageContaining("permission denied");
    }
}
