package io.ehe.design;

import io.ehe.cli.ExitCodes;
import io.ehe.cli.Main;
import io.ehe.testing.AppTransactions;
import io.ehe.testing.AppRoles;
import io.ehe.testing.AppTables;
import io.ehe.testing.PostgresServer;
import io.ehe.testing.TestDatabase;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

import static io.ehe.testing.AppTransactions.tx;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Issue 24, tables outside public: events and event_embeddings in schema {@code app}, the module's
 * objects beside them or in a schema of their own ({@code ehe}), in both designs, installed by an owner
 * that is no superuser and may not create anything in public. The app's role has its old DML on the
 * two tables, USAGE on {@code app} only (none on {@code ehe}) and {@code app} on its search_path; it runs
 * the app's transactions and the answer stays exact. Every command takes --schema/--module-schema;
 * a command given the wrong module schema refuses with exit 6 instead of installing a second copy;
 * rollback leaves nothing of the module in either schema. A role given the exporter's grants as docs/metrics.md
 * lists them (EXECUTE on the two metrics functions, USAGE on a module schema of its own) reads them. On the main of 2026-12-06 there was no
 * --schema and every changeSet named public: the install failed at its first statement.
 */
class NonPublicSchemaTest {

    enum Placement {
        COLUMN_BESIDE("column", "app", false),
        COLUMN_OWN_SCHEMA("column", "ehe", false),
        PENDING_BESIDE("pending-table", "app", false),
        PENDING_APP_OWN_SCHEMA("pending-table", "ehe", true),
        // A superuser installs: the functions run as ehe_definer, which needs USAGE on both schemas (195;
        // a new-user trial met "permission denied for schema ehe" there).
        COLUMN_OWN_SCHEMA_BY_SUPERUSER("column", "ehe", false, true),
        PENDING_APP_OWN_SCHEMA_BY_SUPERUSER("pending-table", "ehe", true, true);

        final String design;
        final String module;
        final boolean appSemantics;
        final boolean superuserInstalls;

        Placement(String design, String module, boolean appSemantics) {
            this(design, module, appSemantics, false);
        }

        Placement(String design, String module, boolean appSemantics, boolean superuserInstalls) {
            this.design = design;
            this.module = module;
            this.appSemantics = appSemantics;
            this.superuserInstalls = superuserInstalls;
        }
    }

    private static final String MODEL = "m1";

    @ParameterizedTest
    @EnumSource(Placement.class)
    void bothDesignsWorkOnTablesOutsidePublic(Placement p) throws Exception {
        TestDatabase admin = PostgresServer.get().createDatabase("nps_" + p.name().toLowerCase());
        AppRoles roles = AppRoles.create(admin);
        String owner = roles.ownerRole();
        admin.execute("REVOKE CREATE ON SCHEMA public FROM PUBLIC", "REVOKE CREATE ON SCHEMA public FROM " + owner,
                "CREATE SCHEMA app AUTHORIZATION " + owner,
                "ALTER ROLE " + roles.appRole() + " IN DATABASE " + admin.name() + " SET search_path = app");
        if (!p.module.equals("app")) {
            admin.execute("CREATE SCHEMA " + p.module + " AUTHORIZATION " + owner);
        }
        TestDatabase tablesOwner = roles.owner();
        TestDatabase ownerDb = p.superuserInstalls ? admin : tablesOwner;
        tablesOwner.execute(AppTables.events().inSchema("app").appColumns().sql().toArray(String[]::new));
        tablesOwner.execute(AppTables.embeddings().inSchema("app").sql().toArray(String[]::new));
        tablesOwner.execute("GRANT USAGE ON SCHEMA app TO " + roles.appRole(),
                "GRANT SELECT, INSERT, UPDATE ON app.events TO " + roles.appRole(),
                "GRANT SELECT, INSERT, DELETE ON app.event_embeddings TO " + roles.appRole(),
                "INSERT INTO app.events (organization_id, payload_text) SELECT 'org-' || (g % 4), 'old ' || g FROM generate_series(1, 60) g",
                "INSERT INTO app.event_embeddings (event_id, embedding_model, chunk_index) SELECT id, '" + MODEL + "', 0 FROM app.events WHERE id % 2 = 0");

        List<String> schemas = List.of("--schema", "app", "--module-schema", p.module);
        assertThat(cli(ownerDb, schemas, "migrate", "--design", p.design)).as("migrate").isZero();
        if (p.appSemantics) {
            assertThat(cli(ownerDb, schemas, "configure", "--semantics", "app", "--target-model", MODEL, "--change-question")).as("configure").isZero();
        }
        assertThat(cli(ownerDb, schemas, "backfill")).as("backfill").isZero();
        if (p.design.equals("column")) {
            assertThat(cli(ownerDb, schemas, "migrate")).as("migrate after the backfill (index, NOT NULL)").isZero();
        }
        assertThat(cli(ownerDb, schemas, "status")).as("status").isZero();

        if (p.superuserInstalls) {
            assertThat(ownerDb.queryLong("SELECT count(*) FROM pg_proc WHERE pronamespace = '" + p.module + "'::regnamespace"
                    + " AND proowner = to_regrole('ehe_definer')")).as("functions run as ehe_definer").isPositive();
        }
        appTransactions(roles.app(), p);
        assertExact(ownerDb, p);
        assertThat(cli(ownerDb, schemas, "verify")).as("verify").isZero();

        // The exporter's grants as docs/metrics.md gives them (the app's role stands in for the exporter's):
        // EXECUTE on the two metrics functions, and USAGE on the module schema where it is not one the role has.
        String exporter = roles.appRole();
        ownerDb.execute("GRANT EXECUTE ON FUNCTION " + p.module + ".ehe_metrics_models(), " + p.module + ".ehe_metrics_database() TO " + exporter);
        if (!p.module.equals("app")) {
            assertThatThrownBy(() -> roles.app().queryLong("SELECT ready FROM " + p.module + ".ehe_metrics_database()"))
                    .as("a scrape without USAGE on the module schema").hasMessageContaining("permission denied for schema " + p.module);
            ownerDb.execute("GRANT USAGE ON SCHEMA " + p.module + " TO " + exporter);
        }
        assertThat(roles.app().queryLong("SELECT ready FROM " + p.module + ".ehe_metrics_database()")).as("the exporter's scrape: ready").isEqualTo(1);
        assertThat(roles.app().queryLong("SELECT sum(pending_pairs) FROM " + p.module + ".ehe_metrics_models()")).as("the exporter's scrape: pending")
                .isEqualTo(p.design.equals("column")
                        ? ownerDb.queryLong("SELECT count(*) FROM app.events e WHERE e.payload_text <> '' AND NOT EXISTS (SELECT 1 FROM app.event_embeddings x WHERE x.event_id = e.id)")
                        : ownerDb.queryLong("SELECT count(*) FROM " + p.module + ".event_embedding_pending"));

        assertThat(ownerDb.queryLong("SELECT count(*) FROM pg_class WHERE relnamespace = 'public'::regnamespace")
                + ownerDb.queryLong("SELECT count(*) FROM pg_proc WHERE pronamespace = 'public'::regnamespace"))
                .as("nothing of the module in public").isZero();
        assertThat(ownerDb.queryString("SELECT to_regclass('" + p.module + ".databasechangelog')::text")).as("history in the module schema").isNotNull();
        if (!p.module.equals("app")) {
            assertThat(ownerDb.queryLong("SELECT count(*) FROM pg_proc WHERE pronamespace = 'app'::regnamespace AND proname LIKE 'ehe\\_%'"))
                    .as("module functions in the tables' schema").isZero();
            assertThat(cli(ownerDb, List.of("--schema", "app", "--module-schema", "app"), "status"))
                    .as("status told the wrong module schema").isEqualTo(ExitCodes.WRONG_DATABASE);
            assertThat(cli(ownerDb, List.of("--schema", "app"), "migrate", "--design", p.design))
                    .as("a migrate with the wrong module schema installs no second copy").isEqualTo(ExitCodes.WRONG_DATABASE);
        }
        assertThat(cli(ownerDb, List.of(), "status")).as("status with the default schema (public has no tables)").isEqualTo(ExitCodes.WRONG_DATABASE);

        assertThat(cli(ownerDb, schemas, "rollback", "--design", p.design)).as("rollback").isZero();
        assertThat(ownerDb.queryLong("SELECT count(*) FROM pg_proc WHERE proname LIKE 'ehe\\_%'")).as("module functions after the rollback").isZero();
        if (p.superuserInstalls) {
            assertThat(ownerDb.queryString("SELECT coalesce(bool_or(has_schema_privilege(r.oid, s.oid, 'USAGE'))::text, 'no role')"
                    + " FROM pg_roles r, pg_namespace s WHERE r.rolname = 'ehe_definer' AND s.nspname IN ('app', '" + p.module + "')"))
                    .as("ehe_definer's USAGE taken back").isIn("false", "no role");
        }
        assertThat(ownerDb.queryLong("SELECT count(*) FROM pg_class WHERE relname LIKE 'event_embedding_pending%' OR relname LIKE 'events_has_embedding%'"))
                .as("module tables after the rollback").isZero();
        assertThat(ownerDb.queryLong("SELECT count(*) FROM pg_attribute WHERE attrelid = 'app.events'::regclass AND attname = 'has_embedding' AND NOT attisdropped"))
                .as("has_embedding after the rollback").isZero();
        TestDatabase app = roles.app();
        try (Connection c = java.sql.DriverManager.getConnection(app.jdbcUrl(), app.user(), app.password()); Statement st = c.createStatement()) {
            st.execute("INSERT INTO event_embeddings (event_id, embedding_model, chunk_index) SELECT max(id), 'other', 0 FROM events");
        }
    }

    /** The app's transactions, unqualified names on the app role's own search_path (app). */
    private static void appTransactions(TestDatabase app, Placement p) throws SQLException {
        // A plain JDBC session, as the app opens it (the module's own sessions pin their search_path).
        try (Connection c = java.sql.DriverManager.getConnection(app.jdbcUrl(), app.user(), app.password()); Statement st = c.createStatement()) {
            long a = insertEvent(st);
            long b = insertEvent(st);
            tx(c, st, embed(a, 0), embed(a, 1), embed(b, 0));
            tx(c, st, "SELECT 1 FROM events WHERE id = " + a + " FOR SHARE",
                    "DELETE FROM event_embeddings WHERE event_id = " + a + " AND embedding_model = '" + MODEL + "'", embed(a, 0));
            tx(c, st, "DELETE FROM event_embeddings WHERE event_id = " + b);
            tx(c, st, "INSERT INTO events (organization_id, payload_text) SELECT 'org-' || (g % 3), 'bulk ' || g FROM generate_series(1, 300) g");
            tx(c, st, "UPDATE events SET payload_text = '' WHERE id = " + a);
            if (p.appSemantics) {
                long d = insertEvent(st);
                tx(c, st, embed(d, 0));
                tx(c, st, "INSERT INTO events (organization_id, payload_text) SELECT organization_id, payload_text || ' v2' FROM events WHERE id = " + d,
                        "UPDATE events SET superseded_by = (SELECT max(id) FROM events) WHERE id = " + d,
                        "DELETE FROM event_embeddings WHERE event_id = " + d);
            }
        }
    }

    private static long insertEvent(Statement st) throws SQLException {
        try (var rs = st.executeQuery("INSERT INTO events (organization_id, payload_text) VALUES ('org-1', 'text') RETURNING id")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static String embed(long event, int chunk) {
        return "INSERT INTO event_embeddings (event_id, embedding_model, chunk_index) VALUES (" + event + ", '" + MODEL + "', " + chunk + ")";
    }

    private static void assertExact(TestDatabase owner, Placement p) {
        AppTransactions.assertExact(owner, p.design.equals("column"), p.appSemantics, "app", p.module);
    }

    private static int cli(TestDatabase db, List<String> schemas, String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(schemas);
        all.add("--url=" + db.urlWithCredentials());
        return Main.run(all.toArray(String[]::new));
    }
}
