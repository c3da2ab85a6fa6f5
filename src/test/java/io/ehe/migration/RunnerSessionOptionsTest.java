package io.ehe.migration;

import io.ehe.db.ConnectionFactory;
import io.ehe.db.DatabaseUrl;
import io.ehe.testing.PostgresExtension;
import io.ehe.testing.TestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;

import static org.assertj.core.api.Assertions.assertThat;

/** The runner's writing sessions carry lock_timeout as a startup option: RESET returns to it, not to "wait forever". */
@ExtendWith(PostgresExtension.class)
class RunnerSessionOptionsTest {

    private static String show(Connection c, String sql) throws Exception {
        try (Statement st = c.createStatement()) {
            boolean rows = st.execute(sql);
            if (!rows) {
                return null;
            }
            try (ResultSet rs = st.getResultSet()) {
                rs.next();
                return rs.getString(1);
            }
        }
    }

    @Test
    void lockTimeoutSurvivesResetAndOtherOptionsAreKept(TestDatabase db) throws Exception {
        DatabaseUrl base = DatabaseUrl.parse(db.jdbcUrl() + "&options=-c%20work_mem%3D7MB%20-c%20search_path%3Dother,public&ApplicationName=my%20app")
                .withCredentials(db.user(), db.password());
        DatabaseUrl url = SessionOptions.withLockTimeout(base, "750ms");
        try (Connection c = new ConnectionFactory(url, "ehe-test").open()) {
            assertThat(show(c, "SHOW lock_timeout")).isEqualTo("750ms");
            show(c, "SET lock_timeout = '10min'");
            show(c, "RESET lock_timeout");
            assertThat(show(c, "SHOW lock_timeout")).isEqualTo("750ms");
            assertThat(show(c, "SHOW work_mem")).as("the caller's own option").isEqualTo("7MB");
            // Except search_path: the module's sessions pin theirs (Schemas), whatever the URL asks.
            assertThat(show(c, "SHOW search_path")).isEqualTo("public,pg_temp");
        }
        assertThat(url.jdbcUrl()).doesNotContain("password");
    }
}
