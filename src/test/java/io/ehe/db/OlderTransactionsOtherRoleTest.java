package io.ehe.db;

import io.ehe.testing.AppRoles;
import io.ehe.testing.PostgresExtension;
import io.ehe.testing.TestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The wait for older transactions, run as an owner that is no superuser (issue 24's install path),
 * must see the app role's open transaction although pg_stat_activity hides its start from the owner.
 * On main before the fix the wait returned at once (a new-user trial: the fill called a target ready
 * that missed the event the app's open transaction inserted, and targets remove left a row behind).
 */
@ExtendWith(PostgresExtension.class)
class OlderTransactionsOtherRoleTest {

    @Test
    void theOwnerWaitsForTheAppsOpenTransactionItCannotSeeTheStartOf(TestDatabase db) throws Exception {
        AppRoles roles = AppRoles.create(db);
        roles.createTablesAsOwner();
        TestDatabase owner = roles.owner();
        TestDatabase app = roles.app();
        try (Connection appSession = DriverManager.getConnection(app.jdbcUrl(), app.user(), app.password());
             Statement st = appSession.createStatement();
             Connection ownerSession = owner.open()) {
            appSession.setAutoCommit(false);
            st.execute("INSERT INTO public.events (organization_id, payload_text) VALUES ('org-1', 'open')");
            assertThat(owner.queryString("SELECT coalesce(xact_start::text, 'hidden') FROM pg_stat_activity WHERE usename = '" + roles.appRole() + "'"))
                    .as("the premise: the owner cannot see when the app's transaction began").isEqualTo("hidden");

            assertThatThrownBy(() -> OlderTransactions.waitFor(ownerSession, OlderTransactions.serverNow(ownerSession), Duration.ofMillis(800), "the test"))
                    .isInstanceOf(OlderTransactions.StillOpenException.class)
                    .hasMessageContaining("role " + roles.appRole());

            appSession.commit();
            long started = System.nanoTime();
            OlderTransactions.waitFor(ownerSession, OlderTransactions.serverNow(ownerSession), Duration.ofSeconds(5), "the test");
            assertThat(Duration.ofNanos(System.nanoTime() - started)).as("returns once the transaction ended").isLessThan(Duration.ofSeconds(2));

        }
    }
}
