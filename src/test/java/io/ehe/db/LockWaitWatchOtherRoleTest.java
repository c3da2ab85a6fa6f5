package io.ehe.db;

import io.ehe.testing.AppRoles;
import io.ehe.testing.PostgresExtension;
import io.ehe.testing.TestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * configure's lock wait, run as an owner that is no superuser (issue 24's install path), waiting for the
 * app role's transaction whose state and start pg_stat_activity hides from the owner: the blocker is
 * still named by its role (pg_stat_activity.usename is shown to every role). A new-user trial saw
 * "pid N (state unknown, transaction start hidden from this role)", no role. Read by the watch while
 * the statement waits (what its log line and its refusal say) and by {@link LockHolders} after it.
 */
@ExtendWith(PostgresExtension.class)
class LockWaitWatchOtherRoleTest {

    @Test
    void theRefusalNamesTheAppsRoleAlthoughItsSessionIsHiddenFromTheOwner(TestDatabase db) throws Exception {
        AppRoles roles = AppRoles.create(db).createTablesAsOwner();
        roles.grantAppDml();
        try (Connection app = roles.openAppTransactionHiddenFromOwner(); Connection owner = roles.owner().open()) {
            int appPid;
            try (Statement st = app.createStatement(); ResultSet rs = st.executeQuery("SELECT pg_backend_pid()")) {
                rs.next();
                appPid = rs.getInt(1);
            }
            owner.setAutoCommit(false);
            SQLException refusal;
            try (Statement st = owner.createStatement();
                 LockWaitWatch watch = LockWaitWatch.start(roles.owner().connections(), owner, "the test", Duration.ofSeconds(3), () -> false)) {
                st.execute("SET LOCAL lock_timeout = '3s'");
                watch.step("locking events");
                SQLException timedOut = catchThrowableOfType(() -> st.execute("LOCK TABLE public.events IN SHARE MODE"), SQLException.class);
                owner.rollback();
                refusal = watch.refused(timedOut, List.of(), "Nothing was changed.");
            }
            String appBlocker = "pid " + appPid + " (role " + roles.appRole() + ", state hidden from this role, transaction start hidden from this role";
            assertThat(refusal.getSQLState()).isEqualTo(SqlErrors.LOCK_NOT_AVAILABLE);
            assertThat(refusal.getMessage()).contains("the test: locking events got no lock within --lock-timeout 3s").contains(appBlocker)
                    .contains("Nothing was changed");
            assertThat(LockHolders.on(owner, List.of("events"))).singleElement().asString().startsWith(appBlocker).endsWith("holding RowExclusiveLock on events");
        }
    }
}
