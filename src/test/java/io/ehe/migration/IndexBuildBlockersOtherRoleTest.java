package io.ehe.migration;

import io.ehe.db.PgDuration;
import io.ehe.testing.AppRoles;
import io.ehe.testing.PostgresExtension;
import io.ehe.testing.TestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.sql.Connection;
import java.sql.Statement;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The blockers an index build names when it gave up, read as an owner that is no superuser (issue 24's
 * install path): the app role's open transaction is named although pg_stat_activity hides its start
 * (and so its age) from the owner. Read from pg_stat_activity alone (the migration's own reading before
 * issue 26), the owner saw no transaction and the error said none was found while the app's was open.
 * OlderTransactionsOtherRoleTest proves the same for the wait.
 */
@ExtendWith(PostgresExtension.class)
class IndexBuildBlockersOtherRoleTest {

    @Test
    void theOwnerNamesTheAppsOpenTransactionItCannotSeeTheStartOf(TestDatabase db) throws Exception {
        AppRoles.withAppTransactionHiddenFromOwner(db, (roles, appSession, ownerSession) -> {
            assertThat(IndexBuildBlockers.describe(ownerSession, PgDuration.parse("1s")))
                    .singleElement().asString()
                    .contains("role " + roles.appRole()).contains("transaction start hidden from this role")
                    .doesNotContain("'open'");

            appSession.commit();
            assertThat(IndexBuildBlockers.describe(ownerSession, PgDuration.parse("1s"))).as("none once it ended").isEmpty();
        });
    }

    /** A session whose start the reader sees is named with its role, age and statement start (never its text), once it is as old as the wait. */
    @Test
    void aVisibleTransactionIsNamedOnceItIsAsOldAsTheWait(TestDatabase db) throws Exception {
        try (Connection other = db.open(); Statement st = other.createStatement(); Connection reader = db.open()) {
            other.setAutoCommit(false);
            other.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
            st.executeQuery("SELECT count(*) FROM pg_class WHERE relname = 'visible_blocker'").close();
            assertThat(IndexBuildBlockers.describe(reader, PgDuration.parse("10min"))).as("younger than the wait").isEmpty();
            Thread.sleep(1100);
            assertThat(IndexBuildBlockers.describe(reader, PgDuration.parse("1s"))).singleElement().asString()
                    .startsWith("pid ").contains("(role ").contains("idle in transaction").contains("transaction open since").contains("query started")
                    .doesNotContain("visible_blocker");
            other.rollback();
        }
    }
}
