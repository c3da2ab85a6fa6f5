package io.ehe.cli;

import io.ehe.testing.Migrations;
import io.ehe.testing.PgBouncer;
import io.ehe.testing.PostgresExtension;
import io.ehe.testing.TestDatabase;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Field fault 2: through PgBouncer in transaction mode a `status` once left
 * default_transaction_read_only=on on a pooled server connection, and the app's next INSERT through
 * the pool failed. Now every runner session proves, right after connecting, that its startup options
 * reached a server session of its own and that it can write (or is read-only, for status), and is
 * refused with exit 10 before anything is written or set otherwise.
 */
@ExtendWith(PostgresExtension.class)
class PoolerAndReadOnlyTest {

    private static final String READ_ONLY_ROLE = "ehe_read_only_default_role";

    @BeforeAll
    static void tables(TestDatabase db) {
        Migrations.baselineOnly(db);
    }

    private static String applied(TestDatabase db) {
        return db.queryString("SELECT string_agg(id, ',' ORDER BY id) FROM public.databasechangelog")
                + "|" + db.queryLong("SELECT count(*) FROM information_schema.columns WHERE table_name = 'events' AND column_name = 'has_embedding'");
    }

    @Test
    void aTransactionPoolerIsRefusedAndItsServerConnectionsAreLeftAsTheyWere(TestDatabase db) throws Exception {
        String before = applied(db);
        try (PgBouncer bouncer = PgBouncer.transactionMode(db, true)) {
            for (List<String> command : List.of(List.of("status"), List.of("migrate"), List.of("migrate", "--dry-run"), List.of("verify"))) {
                List<String> args = new java.util.ArrayList<>(command);
                args.addAll(List.of("--url", bouncer.jdbcUrl(db)));
                Cli.Result r = Cli.run(args.toArray(String[]::new));
                // the app behind the same pool (one server connection) still writes
                try (Connection app = DriverManager.getConnection(bouncer.jdbcUrl(db)); Statement st = app.createStatement()) {
                    try (ResultSet rs = st.executeQuery("SHOW default_transaction_read_only")) {
                        rs.next();
                        assertThat(rs.getString(1)).as("after " + command).isEqualTo("off");
                    }
                    st.executeUpdate("INSERT INTO public.events (organization_id, payload_text) VALUES ('org-pooled', 'after " + command + "')");
                }
                assertThat(r.exit()).as(r.toString()).isEqualTo(ExitCodes.UNSUITABLE_CONNECTION);
                assertThat(r.errLines()).as(r.toString()).hasSize(1);
                assertThat(r.err()).contains("pooler").contains("connect the runner to PostgreSQL itself");
            }
        }
        assertThat(applied(db)).isEqualTo(before);
    }

    @Test
    void aPoolerThatRefusesStartupOptionsIsExitTenToo(TestDatabase db) throws Exception {
        try (PgBouncer bouncer = PgBouncer.transactionMode(db, false)) {
            Cli.Result r = Cli.run("status", "--url", bouncer.jdbcUrl(db));
            assertThat(r.exit()).as(r.toString()).isEqualTo(ExitCodes.UNSUITABLE_CONNECTION);
            assertThat(r.err()).contains("unsupported startup parameter").contains("connect the runner to PostgreSQL itself");
        }
    }

    @Test
    void aRoleWhoseSessionsStartReadOnlyIsRefusedBeforeAnyWrite(TestDatabase db) {
        String before = applied(db);
        db.execute("DROP ROLE IF EXISTS " + READ_ONLY_ROLE, "CREATE ROLE " + READ_ONLY_ROLE + " LOGIN SUPERUSER",
                "ALTER ROLE " + READ_ONLY_ROLE + " SET default_transaction_read_only = on");
        try {
            String url = db.jdbcUrl().replaceFirst("\\?.*$", "");
            Cli.Result r = Cli.run("migrate", "--url", url, "-U", READ_ONLY_ROLE);
            assertThat(r.exit()).as(r.toString()).isEqualTo(ExitCodes.UNSUITABLE_CONNECTION);
            assertThat(r.err()).contains("start read-only").contains("connect as a role whose sessions can write");
            assertThat(applied(db)).isEqualTo(before);
        } finally {
            db.execute("DROP ROLE IF EXISTS " + READ_ONLY_ROLE);
        }
    }
}
