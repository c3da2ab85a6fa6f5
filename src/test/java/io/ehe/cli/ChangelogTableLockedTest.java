package io.ehe.cli;

import io.ehe.testing.DataSet;
import io.ehe.testing.Migrations;
import io.ehe.testing.PostgresExtension;
import io.ehe.testing.TestDatabase;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.sql.Connection;
import java.sql.Statement;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Field fault 1: another session holds a lock on public.databasechangelog that blocks an INSERT into
 * it (a backup tool, a long LOCK ... IN SHARE MODE). migrate used to commit a changeSet's DDL, have
 * its history row refused, and from then on fail on "already exists" forever, logging that the
 * blocker "has since ended" and that the changeSet "was rolled back". Now a changeSet's DDL and its
 * history row commit together: the refused run leaves the schema exactly as recorded, names the
 * blocker, and the next run converges.
 */
@ExtendWith(PostgresExtension.class)
class ChangelogTableLockedTest {

    @BeforeAll
    static void tables(TestDatabase db) {
        Migrations.baselineOnly(db);
        DataSet.ofSize(200).load(db);
    }

    @Test
    void aRefusedHistoryRowLeavesNoUnrecordedDdlAndTheRerunConverges(TestDatabase db) throws Exception {
        Cli.Result refused;
        try (Connection blocker = db.open()) {
            blocker.setAutoCommit(false);
            int blockerPid = MigrateBlockedTest.pid(blocker);
            try (Statement st = blocker.createStatement()) {
                st.execute("LOCK TABLE public.databasechangelog IN SHARE MODE");
            }
            refused = Cli.run("migrate", "--url", db.urlWithCredentials(), "--lock-timeout", "2s",
                    "--max-attempts", "2", "--retry-backoff", "200ms");
            assertThat(refused.exit()).as(refused.toString()).isEqualTo(ExitCodes.LOCK_NOT_GRANTED);
            assertThat(refused.errLines().stream().filter(l -> l.startsWith("error:")).toList()).hasSize(1)
                    .allSatisfy(l -> assertThat(l).contains("after 2 attempts").contains("pid " + blockerPid)
                            .contains("on databasechangelog"));
            // the lock is still held while the message is written: it must not claim otherwise
            assertThat(refused.err()).doesNotContain("has since ended").doesNotContain("Could not release lock");
            blocker.rollback();
        }
        // What is recorded is exactly what is applied: nothing of 010 without its row.
        long recorded = db.queryLong("SELECT count(*) FROM public.databasechangelog WHERE id = '010-has-embedding-column'");
        long applied = db.queryLong("SELECT count(*) FROM information_schema.columns WHERE table_schema = 'public'"
                + " AND table_name = 'events' AND column_name = 'has_embedding'");
        assertThat(applied).as(refused.toString()).isEqualTo(recorded);
        assertThat(recorded).isZero();

        Cli.Result rerun = Cli.run("migrate", "--url", db.urlWithCredentials(), "--lock-timeout", "2s");
        assertThat(rerun.exit()).as(rerun.toString()).isZero();
        assertThat(rerun.out()).contains("applied   010-has-embedding-column").contains("applied   020-has-embedding-triggers");
        Cli.Result again = Cli.run("migrate", "--url", db.urlWithCredentials(), "--lock-timeout", "2s");
        assertThat(again.exit()).as(again.toString()).isZero();
    }
}
