package io.ehe.roles;

import io.ehe.catalog.Design;
import io.ehe.cli.ExitCodes;
import io.ehe.testing.AppRoles;
import io.ehe.testing.InProcessCli;
import io.ehe.testing.InProcessCli.Captured;
import io.ehe.testing.PostgresExtension;
import io.ehe.testing.TestDatabase;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Issue 24, readers by name, one design per subclass: an owner that is no superuser installs with
 * {@code --reader-role}; the reader runs the documented scheduler queries and nothing else of the
 * module; status lists writers and readers and is not ready once a named reader lost a privilege;
 * a new list re-runs 175 (runOnChange); rolling 175 back takes back exactly what it granted.
 */
@ExtendWith(PostgresExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
abstract class ReaderRolesContract {

    AppRoles roles;
    /** A role a DBA granted the same privileges by hand before the install: the module must leave them. */
    String handGranted;

    /**
     * One design's reading. {@code schedulerQueries}: its documented scheduler queries (README,
     * docs/how-it-works.md), as the scheduler would run them. {@code forbidden}: statements the reader
     * must be refused (the rest of events and event_embeddings, the module's other tables and
     * functions). {@code readerHolds}: the grant the module makes, as has_*_privilege checks it, true
     * while the reader holds it; {@code revokeByHand}: what a DBA revokes by hand in the status test;
     * both with %s for the role.
     */
    record Reading(Design design, List<String> schedulerQueries, List<String> forbidden, String readerHolds, String revokeByHand) {
    }

    private final Reading reading;

    ReaderRolesContract(Reading reading) {
        this.reading = reading;
    }

    Design design() {
        return reading.design();
    }

    List<String> schedulerQueries() {
        return reading.schedulerQueries();
    }

    List<String> forbidden() {
        return reading.forbidden();
    }

    String readerHolds(String role) {
        return reading.readerHolds().formatted(role);
    }

    String revokeByHand(String role) {
        return reading.revokeByHand().formatted(role);
    }

    static Captured cli(TestDatabase db, String... args) {
        return InProcessCli.capture(db, args);
    }

    @Test
    @Order(1)
    void anOwnerThatIsNoSuperuserInstallsAndGrantsTheNamedReader(TestDatabase db) {
        roles = AppRoles.create(db).createTablesAsOwner();
        handGranted = roles.readerRole() + "_dba";
        db.execute("DROP ROLE IF EXISTS " + handGranted, "CREATE ROLE " + handGranted + " LOGIN PASSWORD '" + AppRoles.PASSWORD + "'");
        TestDatabase owner = roles.owner();

        // No reader named: 175 skips itself and is not recorded (the history and rollback counts stay as they were).
        Captured plain = cli(owner, "migrate", "--design", design().id());
        assertThat(plain.code).as(plain.out).isEqualTo(ExitCodes.OK);
        assertThat(plain.out).doesNotContain("175-reader-grants");
        assertThat(owner.queryLong("SELECT count(*) FROM public.databasechangelog WHERE id LIKE '175%'")).isZero();
        assertThat(db.queryString("SELECT to_regclass('" + io.ehe.catalog.ReaderGrants.readersTable(design()) + "')::text")).isNull();

        Captured unknown = cli(owner, "migrate", "--design", design().id(), "--reader-role", "no_such_role_" + db.name());
        assertThat(unknown.code).isEqualTo(ExitCodes.USAGE);
        assertThat(owner.queryLong("SELECT count(*) FROM public.databasechangelog WHERE id LIKE '175%'")).isZero();

        Captured migrate = cli(owner, "migrate", "--design", design().id(), "--reader-role", roles.readerRole());
        assertThat(migrate.code).as(migrate.out).isEqualTo(ExitCodes.OK);
        assertThat(owner.queryLong("SELECT count(*) FROM public.databasechangelog WHERE id = '175-reader-grants-" + design().id() + "'")).isOne();
        assertThat(db.queryString("SELECT " + readerHolds(roles.readerRole()) + "::text")).isEqualTo("true");
        // Events written by the owner (the app's writes under least privilege are the lead's half of issue 24).
        owner.execute("INSERT INTO public.events (organization_id, payload_text) SELECT 'org' || (g % 3), 'text ' || g FROM generate_series(1, 30) g",
                "INSERT INTO public.event_embeddings (event_id) SELECT id FROM public.events WHERE id % 2 = 0");
        assertThat(cli(owner, "backfill").code).isEqualTo(ExitCodes.OK);
        if (design() == Design.COLUMN) {
            assertThat(cli(owner, "migrate", "--design", "column").code).isEqualTo(ExitCodes.OK);
        }
    }

    @Test
    @Order(2)
    void theReaderRunsTheDocumentedQueriesAndNothingElse() {
        TestDatabase reader = roles.reader();
        for (String q : schedulerQueries()) {
            reader.queryList(q, rs -> 1);
        }
        assertThat(reader.queryList(schedulerQueries().get(0), rs -> 1)).isNotEmpty();
        for (String q : forbidden()) {
            assertThatThrownBy(() -> reader.execute(q)).as(q).hasMessageContaining("permission denied");
        }
    }

    @Test
    @Order(3)
    void statusListsWritersAndReadersAndIsNotReadyWhenANamedReaderLostAPrivilege(TestDatabase db) {
        TestDatabase owner = roles.owner();
        Captured ok = cli(owner, "status");
        assertThat(ok.code).as(ok.out).isEqualTo(ExitCodes.OK);
        assertThat(ok.out).contains("can write public.events: ").contains(roles.appRole() + " INSERT/UPDATE")
                .contains(roles.ownerRole() + " INSERT/UPDATE/DELETE")
                .contains("can write public.event_embeddings: ").contains(roles.appRole() + " INSERT/DELETE")
                .contains("reader role " + roles.readerRole() + ": can run the scheduler's queries");
        assertThat(ok.out.lines().filter(l -> l.contains("can write")).anyMatch(l -> l.contains(roles.readerRole()))).isFalse();
        String canRead = ok.out.lines().filter(l -> l.contains("can read the answer: ")).findFirst().orElseThrow();
        List<String> canReadRoles = List.of(canRead.substring(canRead.indexOf(": ") + 2).split(", "));
        assertThat(canReadRoles).contains(roles.readerRole(), roles.ownerRole());
        if (design() == Design.PENDING_TABLE) {
            // The app reads events (its old SELECT), not the module's table.
            assertThat(canReadRoles).doesNotContain(roles.appRole());
        } else {
            assertThat(canReadRoles).contains(roles.appRole());
        }

        owner.execute(revokeByHand(roles.readerRole()));
        // The DBA puts it back by hand, as the message says.
        String text = InProcessCli.notReadyUntilItsFix(owner, "reader role " + roles.readerRole(), "\"privileges\"", "\"readers\"", "\"missing\"");
        assertThat(text).contains("not ready: reader role " + roles.readerRole() + " lacks ");
    }

    /**
     * The triggers keep the answer exact only for READ COMMITTED writers (docs/roles-and-privileges.md):
     * status is not ready while a role that can write the tables, or every role of the database, would
     * start its transactions at REPEATABLE READ or SERIALIZABLE, and names the statement that takes it
     * back; a role that cannot write them may run at any level.
     */
    @Test
    @Order(3)
    void statusIsNotReadyWhileAWriterWouldStartAboveReadCommitted(TestDatabase db) {
        TestDatabase owner = roles.owner();
        db.execute("ALTER ROLE " + roles.readerRole() + " SET default_transaction_isolation = 'serializable'");
        try {
            Captured ok = cli(owner, "status");
            assertThat(ok.code).as(ok.out).isEqualTo(ExitCodes.OK);
            assertThat(ok.out).contains("writers' default isolation: read committed");
        } finally {
            db.execute("ALTER ROLE " + roles.readerRole() + " RESET default_transaction_isolation");
        }
        for (String set : List.of("ALTER ROLE " + roles.appRole() + " IN DATABASE " + db.name() + " SET default_transaction_isolation = 'repeatable read'",
                "ALTER DATABASE " + db.name() + " SET default_transaction_isolation TO SERIALIZABLE")) {
            db.execute(set);
            Captured notReady = cli(owner, "status");
            assertThat(notReady.code).as(notReady.out).isEqualTo(ExitCodes.NOT_READY);
            String line = notReady.out.lines().filter(l -> l.startsWith("not ready: writers start at ")).findFirst().orElseThrow();
            assertThat(line).contains(set.startsWith("ALTER ROLE") ? "role " + roles.appRole() + " in database " + db.name() : "every role in database " + db.name());
            Captured json = cli(owner, "status", "--json");
            assertThat(json.out).contains("\"writerIsolation\"").contains("\"ready\" : false");
            db.execute(line.substring(line.indexOf("fix: ") + 5));
            Captured fixed = cli(owner, "status");
            assertThat(fixed.code).as(set + ", then the fix named: " + fixed.out).isEqualTo(ExitCodes.OK);
        }
    }

    @Test
    @Order(4)
    void aNewListRerunsTheGrantsAndAPlainMigrateKeepsThem(TestDatabase db) {
        TestDatabase owner = roles.owner();
        db.execute(revokeByHand(handGranted).replace("REVOKE", "GRANT").replace(" FROM ", " TO "));
        assertThat(cli(owner, "migrate", "--design", design().id(), "--reader-role", roles.readerRole() + "," + handGranted).code).isEqualTo(ExitCodes.OK);
        // A plain migrate passes the recorded list: nothing re-runs, nothing is lost.
        String sum = owner.queryString("SELECT md5sum || orderexecuted FROM public.databasechangelog WHERE id = '175-reader-grants-" + design().id() + "'");
        assertThat(cli(owner, "migrate", "--design", design().id()).code).isEqualTo(ExitCodes.OK);
        assertThat(owner.queryString("SELECT md5sum || orderexecuted FROM public.databasechangelog WHERE id = '175-reader-grants-" + design().id() + "'")).isEqualTo(sum);
        assertThat(db.queryString("SELECT " + readerHolds(roles.readerRole()) + "::text")).isEqualTo("true");

        assertThat(cli(owner, "migrate", "--design", design().id(), "--reader-role", "none").code).isEqualTo(ExitCodes.OK);
        assertThat(db.queryString("SELECT " + readerHolds(roles.readerRole()) + "::text")).isEqualTo("false");
        assertThat(db.queryString("SELECT " + readerHolds(handGranted) + "::text")).as("granted by hand, kept").isEqualTo("true");
        assertThat(cli(owner, "migrate", "--design", design().id(), "--reader-role", roles.readerRole()).code).isEqualTo(ExitCodes.OK);
        assertThat(db.queryString("SELECT " + readerHolds(roles.readerRole()) + "::text")).isEqualTo("true");
    }

    @Test
    @Order(5)
    void rollingBackTakesBackExactlyWhatWasGranted(TestDatabase db) {
        TestDatabase owner = roles.owner();
        Captured dry = cli(owner, "rollback", "--count", "1", "--dry-run");
        assertThat(cli(owner, "rollback", "--count", "1").code).isEqualTo(ExitCodes.OK);
        assertThat(owner.queryLong("SELECT count(*) FROM public.databasechangelog WHERE id LIKE '175%'")).isZero();
        assertThat(db.queryString("SELECT " + readerHolds(roles.readerRole()) + "::text")).isEqualTo("false");
        assertThat(db.queryString("SELECT " + readerHolds(handGranted) + "::text")).isEqualTo("true");
        assertThat(db.queryLong("SELECT count(*) FROM pg_proc WHERE proname LIKE 'ehe\\_%grant\\_readers'")).isZero();
        assertThat(dry.out).contains("ehe_" + (design() == Design.COLUMN ? "column" : "pending") + "_grant_readers('{}')");
        // And the whole design's rollback leaves no grant to the reader on anything of the module.
        assertThat(cli(owner, "rollback", "--design", design().id()).code).isEqualTo(ExitCodes.OK);
        assertThat(db.queryLong("""
                SELECT count(*) FROM pg_class c, aclexplode(c.relacl) a
                 WHERE a.grantee = (SELECT oid FROM pg_roles WHERE rolname = '%s')""".formatted(roles.readerRole()))).isZero();
        assertThat(db.queryLong("""
                SELECT count(*) FROM pg_attribute t, aclexplode(t.attacl) a
                 WHERE a.grantee = (SELECT oid FROM pg_roles WHERE rolname = '%s')""".formatted(roles.readerRole()))).isZero();
    }
}
