package io.ehe.cli;

import io.ehe.migration.AdvisoryLockService;
import io.ehe.testing.DataSet;
import io.ehe.testing.Migrations;
import io.ehe.testing.PostgresExtension;
import io.ehe.testing.TestDatabase;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

import java.sql.Connection;
import java.sql.Statement;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 28 (every wait named; new-user trial, finding 10): while a changeSet's statement waits for a
 * lock under a lock_timeout of several seconds, and while the run pauses before its next attempt,
 * migrate and rollback log at least every --wait-log-every which changeSet waits, for whom (pid, role,
 * state, transaction age, query start) and how long the wait may still last; the exit-4 line names the
 * changeSet and the blocker. No line, of the waits, the refusals or the error, quotes the blocker's
 * query text: an app's literals can be customer data (a new-user trial saw them in the refusal lines). A second session holds a lock the changeSet
 * needs for the whole run. In process: logback's console output is what the test reads. Every run on
 * this database uses --lock-timeout 3s (the changeSets' checksums include it).
 */
@ExtendWith(PostgresExtension.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LockWaitLogTest {

    /** In the blocker's query: customer data no output may show. */
    private static final String MARKER = "customer-secret-literal-42";

    @BeforeAll
    static void tables(TestDatabase db) {
        Migrations.baselineOnly(db);
        DataSet.ofSize(500).load(db);
    }

    /**
     * A lock_timeout shorter than the watch's first look: the pause before the next attempt names the
     * blocker the refusal found (a new-user trial saw "blocked last by a session no longer seen" while it
     * held on).
     */
    @Test
    @Order(0)
    void aPauseAfterAShortWaitNamesTheBlockerTheRefusalFound() throws Exception {
        TestDatabase db = io.ehe.testing.PostgresServer.get().createDatabase("short_wait_pause");
        Migrations.baselineOnly(db);
        try (Connection blocker = db.open()) {
            blocker.setAutoCommit(false);
            int blockerPid = MigrateBlockedTest.pid(blocker);
            try (Statement st = blocker.createStatement()) {
                st.executeQuery("SELECT id, '" + MARKER + "' FROM public.events FOR UPDATE").close();
            }
            Cli.Result r = Cli.run("migrate", "--url", db.urlWithCredentials(), "--lock-timeout", "500ms",
                    "--max-attempts", "2", "--retry-backoff", "2500ms", "--wait-log-every", "1s");
            blocker.rollback();
            assertThat(r.exit()).as(r.toString()).isEqualTo(ExitCodes.LOCK_NOT_GRANTED);
            List<String> pauses = r.errLines().stream().filter(l -> l.contains("did not get its lock (attempt 1/2); next attempt in")).toList();
            assertThat(pauses).as(r.toString()).isNotEmpty()
                    .allSatisfy(l -> assertThat(l).contains("blocked last by pid " + blockerPid).doesNotContain("no longer seen"));
            assertThat(r.all()).doesNotContain(MARKER);
        }
    }

    @Test
    @Order(1)
    void migrateLogsTheWaitingChangeSetItsBlockerAndWhatIsLeftEverySecondThenNamesThemInTheExit4Line(TestDatabase db) throws Exception {
        try (Connection blocker = db.open()) {
            blocker.setAutoCommit(false);
            int blockerPid = MigrateBlockedTest.pid(blocker);
            String role = role(blocker);
            try (Statement st = blocker.createStatement()) {
                st.executeQuery("SELECT id, '" + MARKER + "' FROM public.events WHERE id = 1 FOR UPDATE").close();
            }
            Cli.Result r = Cli.run("migrate", "--url", db.urlWithCredentials(), "--lock-timeout", "3s",
                    "--max-attempts", "2", "--retry-backoff", "2500ms", "--wait-log-every", "1s");
            blocker.rollback();
            System.err.println("[migrate, blocked] " + r);

            assertThat(r.exit()).as(r.toString()).isEqualTo(ExitCodes.LOCK_NOT_GRANTED);
            List<String> waits = r.errLines().stream().filter(l -> l.contains("migrate: changeSet 010-has-embedding-column waits for a lock")).toList();
            // two waits of 3 s, one line a second after each began: at least 3 (a loaded machine may drop one)
            assertThat(waits).as(r.toString()).hasSizeGreaterThanOrEqualTo(3)
                    .allSatisfy(l -> assertThat(l).contains("lock_timeout 3s").contains("blocked by pid " + blockerPid + " (role " + role + ", idle in transaction")
                            .contains("transaction open").contains("query started").containsPattern("gives up in about \\d+ s")
                            .doesNotContain(MARKER));
            assertThat(waits.get(0)).contains("(attempt 1/2");
            assertThat(waits.get(waits.size() - 1)).contains("(attempt 2/2");
            List<String> pauses = r.errLines().stream().filter(l -> l.contains("migrate: changeSet 010-has-embedding-column did not get its lock (attempt 1/2); next attempt in")).toList();
            assertThat(pauses).as(r.toString()).isNotEmpty()
                    .allSatisfy(l -> assertThat(l).contains("blocked last by pid " + blockerPid).doesNotContain(MARKER));
            assertThat(r.errLines().stream().filter(l -> l.contains("not granted within lock_timeout 3s (attempt 1/2), waiting for")).toList())
                    .as("the refusal's line").singleElement().asString()
                    .contains("pid " + blockerPid + " (role " + role + ", idle in transaction, transaction open since").contains("query started")
                    .contains("holding RowShareLock on events");
            assertThat(r.errLines().stream().filter(l -> l.startsWith("error:")).toList()).hasSize(1)
                    .allSatisfy(l -> assertThat(l).contains("migrate: changeSet 010-has-embedding-column: lock not granted within lock_timeout 3s after 2 attempts")
                            .contains("pid " + blockerPid + " (role " + role + ", idle in transaction, transaction open since"));
            assertThat(r.all()).as("no line quotes the blocker's query").doesNotContain(MARKER);
        }
        assertThat(db.queryLong("SELECT count(*) FROM public.databasechangelog WHERE id <> '000-baseline-tables'")).isZero();
    }

    @Test
    @Order(2)
    void rollbackLogsItsWaitTheSameWay(TestDatabase db) throws Exception {
        Cli.Result migrated = Cli.run("migrate", "--url", db.urlWithCredentials(), "--lock-timeout", "3s", "--count", "2");
        assertThat(migrated.exit()).as(migrated.toString()).isZero();
        try (Connection blocker = db.open()) {
            blocker.setAutoCommit(false);
            int blockerPid = MigrateBlockedTest.pid(blocker);
            String role = role(blocker);
            try (Statement st = blocker.createStatement()) {
                st.execute("LOCK TABLE public.event_embeddings IN ROW EXCLUSIVE MODE /* " + MARKER + " */"); // 020's DROP TRIGGER waits
            }
            Cli.Result r = Cli.run("rollback", "--url", db.urlWithCredentials(), "--count", "1", "--lock-timeout", "3s",
                    "--max-attempts", "1", "--wait-log-every", "1s");
            blocker.rollback();
            System.err.println("[rollback, blocked] " + r);

            assertThat(r.exit()).as(r.toString()).isEqualTo(ExitCodes.LOCK_NOT_GRANTED);
            assertThat(r.errLines().stream().filter(l -> l.contains("rollback: changeSet 020-has-embedding-triggers waits for a lock")).toList())
                    .as(r.toString()).isNotEmpty()
                    .allSatisfy(l -> assertThat(l).contains("blocked by pid " + blockerPid).doesNotContain(MARKER));
            assertThat(r.errLines().stream().filter(l -> l.startsWith("error:")).toList()).hasSize(1)
                    .allSatisfy(l -> assertThat(l).contains("rollback: changeSet 020-has-embedding-triggers: lock not granted")
                            .contains("pid " + blockerPid + " (role " + role)
                            // What stays and what finishes it: a rollback's own words, not migrate's.
                            .contains("it stays applied and recorded").doesNotContain("run migrate again")
                            .contains("run rollback --to-changeset 010-has-embedding-column"));
            assertThat(r.all()).as("no line quotes the blocker's query").doesNotContain(MARKER);
        }
        assertThat(db.queryLong("SELECT count(*) FROM public.databasechangelog WHERE id = '020-has-embedding-triggers'")).isOne();
    }

    @Test
    @Order(3)
    void theWaitForTheMigrationLockIsLoggedEveryIntervalWithItsHolderAndWhatIsLeft(TestDatabase db) throws Exception {
        try (Connection holder = db.open(); Statement st = holder.createStatement()) {
            int holderPid = MigrateBlockedTest.pid(holder);
            String holderRole = role(holder);
            st.execute("SELECT pg_advisory_lock(" + AdvisoryLockService.LOCK_KEY + ")");
            System.setProperty("ehe.migrationLockWaitMillis", "3500");
            Cli.Result r;
            try {
                r = Cli.run("migrate", "--url", db.urlWithCredentials(), "--lock-timeout", "3s", "--wait-log-every", "1s");
            } finally {
                System.clearProperty("ehe.migrationLockWaitMillis");
            }
            System.err.println("[migrate, migration lock held] " + r);
            assertThat(r.exit()).as(r.toString()).isEqualTo(ExitCodes.LOCK_NOT_GRANTED);
            // 3.5 s, a line each second from the first try: at least 3
            assertThat(r.errLines().stream().filter(l -> l.contains("waiting for the migration lock, held by pid " + holderPid + " (role " + holderRole)).toList())
                    .as(r.toString()).hasSizeGreaterThanOrEqualTo(3)
                    .allSatisfy(l -> assertThat(l).contains("transaction open").contains("query started").containsPattern("gives up in \\d+ s")
                            .doesNotContain("pg_advisory_lock"));
        }
    }

    static String role(Connection c) throws Exception {
        try (Statement st = c.createStatement(); java.sql.ResultSet rs = st.executeQuery("SELECT current_user")) {
            rs.next();
            return rs.getString(1);
        }
    }
}
