package io.ehe.testing;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The roles of a production-shaped database (issue 24), created once per test database: an owner that
 * is no superuser (it owns events and event_embeddings and installs the module), an app role with only
 * the DML it always had (events: SELECT, INSERT, UPDATE; event_embeddings: SELECT, INSERT, DELETE) and a
 * reader role (the scheduler) with nothing but CONNECT, which the module's reader option grants to.
 *
 * Roles are cluster-wide, so their names start with the database's (unique per test class on the
 * shared server): {@code <db>_owner}, {@code <db>_app}, {@code <db>_reader}. Every role logs in with
 * the same password, so the fixture works on a password-checking server (Testcontainers) as on the
 * embedded one (trust). Usage:
 * <pre>
 *   AppRoles roles = AppRoles.create(db);      // as the test server's superuser
 *   roles.createTablesAsOwner();               // the baseline tables, owned by the owner; the app's DML granted
 *   Migrations.migrate(roles.owner(), false, Design.PENDING_TABLE);
 *   roles.app().execute("INSERT INTO public.events ...");
 * </pre>
 */
public record AppRoles(TestDatabase admin, String ownerRole, String appRole, String readerRole) {

    public static final String PASSWORD = "ehe-role-pw";

    /** Creates the three roles (dropping leftovers of an earlier run of the same database name). */
    public static AppRoles create(TestDatabase admin) {
        String base = admin.name().toLowerCase(Locale.ROOT);
        if (base.length() > 55) {
            base = base.substring(0, 55);
        }
        AppRoles roles = new AppRoles(admin, base + "_owner", base + "_app", base + "_reader");
        for (String role : new String[] {roles.ownerRole, roles.appRole, roles.readerRole}) {
            admin.execute("DROP ROLE IF EXISTS " + role,
                    "CREATE ROLE " + role + " LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT PASSWORD '" + PASSWORD + "'");
        }
        // INHERIT for the app: the usual shape, so membership-granted rights would count (status lists them).
        admin.execute("ALTER ROLE " + roles.appRole + " INHERIT",
                // The owner creates objects in public (PostgreSQL 15+ no longer lets PUBLIC do that).
                "GRANT USAGE, CREATE ON SCHEMA public TO " + roles.ownerRole,
                "GRANT USAGE ON SCHEMA public TO " + roles.appRole + ", " + roles.readerRole);
        return roles;
    }

    /** The same database, logged in as {@code role}. */
    public TestDatabase as(String role) {
        String url = admin.jdbcUrl().replaceAll("([?&])user=[^&]*", "$1user=" + role);
        return new TestDatabase(admin.name(), url, role, PASSWORD);
    }

    public TestDatabase owner() {
        return as(ownerRole);
    }

    public TestDatabase app() {
        return as(appRole);
    }

    public TestDatabase reader() {
        return as(readerRole);
    }

    /**
     * The upstream tables created by the owner (the module's baseline changeSet, run as the owner, so
     * DATABASECHANGELOG is the owner's too), then the app's old DML granted by the owner.
     */
    public AppRoles createTablesAsOwner() {
        Migrations.baselineOnly(owner());
        grantAppDml();
        return this;
    }

    /** The app's DML as it was before the module: nothing on the module's own tables. */
    public void grantAppDml() {
        owner().execute(
                "GRANT SELECT, INSERT, UPDATE ON public.events TO " + appRole,
                "GRANT SELECT, INSERT, DELETE ON public.event_embeddings TO " + appRole);
    }

    /** What a test checks as the owner while the app role's transaction is open and hidden from it. */
    public interface WhileHidden {
        void check(AppRoles roles, Connection appSession, Connection ownerSession) throws Exception;
    }

    /**
     * On {@code db}: the roles ({@link #create}) and the tables as the owner's ({@link #createTablesAsOwner});
     * then {@code check} with the app role's transaction open and hidden from the owner
     * ({@link #openAppTransactionHiddenFromOwner}) and a session of the owner. Both sessions closed after.
     */
    public static void withAppTransactionHiddenFromOwner(TestDatabase db, WhileHidden check) throws Exception {
        AppRoles roles = create(db).createTablesAsOwner();
        try (Connection appSession = roles.openAppTransactionHiddenFromOwner(); Connection ownerSession = roles.owner().open()) {
            check.check(roles, appSession, ownerSession);
        }
    }

    /**
     * A session of the app role with a transaction open (it inserted an event, not committed), whose start
     * pg_stat_activity hides from the owner (no pg_read_all_stats): asserted before it is returned. Commit
     * it to end the transaction; closing it rolls back.
     */
    public Connection openAppTransactionHiddenFromOwner() throws SQLException {
        TestDatabase app = app();
        Connection appSession = DriverManager.getConnection(app.jdbcUrl(), app.user(), app.password());
        appSession.setAutoCommit(false);
        try (Statement st = appSession.createStatement()) {
            st.execute("INSERT INTO public.events (organization_id, payload_text) VALUES ('org-1', 'open')");
        }
        assertThat(owner().queryString("SELECT coalesce(xact_start::text, 'hidden') FROM pg_stat_activity WHERE usename = '" + appRole + "'"))
                .as("the premise: the owner cannot see when the app's transaction began").isEqualTo("hidden");
        return appSession;
    }
}
