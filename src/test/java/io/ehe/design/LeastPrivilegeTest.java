package io.ehe.design;

import io.ehe.catalog.Design;
import io.ehe.cli.Main;
import io.ehe.testing.AppTransactions;
import io.ehe.testing.Migrations;
import io.ehe.testing.PostgresServer;
import io.ehe.testing.TestDatabase;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

import static io.ehe.testing.AppTransactions.tx;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 24: installing the module never takes the app's writes down. The tables are owned by a role
 * that is not a superuser, which installs the module; the app's roles keep exactly the DML they had
 * before (app: events SELECT/INSERT/UPDATE, event_embeddings SELECT/INSERT/DELETE; embedding worker:
 * events SELECT, event_embeddings SELECT/INSERT/DELETE) and run every app transaction, also with a
 * hostile search_path (a schema of their own first, even before pg_catalog, holding lookalike tables,
 * functions and an operator that raise); the answer stays exact. On the main of 2026-12-06 every
 * scenario failed at its first app write ("permission denied for table event_embedding_pending_targets"
 * in the pending-table design, "permission denied for table events" for the worker in the column design).
 */
class LeastPrivilegeTest {

    /** The design and question each scenario installs. */
    enum Scenario {
        COLUMN_SEED(Design.COLUMN, false),
        PENDING_SEED(Design.PENDING_TABLE, false),
        PENDING_APP(Design.PENDING_TABLE, true);

        final Design design;
        final boolean app;

        Scenario(Design design, boolean app) {
            this.design = design;
            this.app = app;
        }
    }

    private static final String MODEL = "m1";

    @ParameterizedTest
    @EnumSource(Scenario.class)
    void theAppsRolesWriteWithOnlyTheirOldPrivilegesAndTheAnswerStaysExact(Scenario s) throws Exception {
        Roles r = Roles.install(s);
        for (TestDatabase writer : List.of(r.app, r.worker)) {
            appTransactions(r, writer, s, null);
        }
        assertExact(r.owner, s);
        assertThat(r.owner.queryString("SELECT string_agg(DISTINCT p.proowner::regrole::text, ',') FROM pg_proc p"
                + " WHERE p.prorettype = 'trigger'::regtype AND p.proname LIKE 'ehe\\_%'"))
                .as("every trigger function is the owner's").isEqualTo(r.ownerRole);
    }

    @ParameterizedTest
    @EnumSource(Scenario.class)
    void aHostileSearchPathChangesNothing(Scenario s) throws Exception {
        Roles r = Roles.install(s);
        String evil = r.prefix + "_evil";
        r.app.execute("CREATE SCHEMA " + evil,
                // Open to every role: a definer function searches only schemas its owner may use.
                "GRANT USAGE ON SCHEMA " + evil + " TO PUBLIC",
                // Lookalike tables: a redirected statement would write here.
                "CREATE TABLE " + evil + ".event_embedding_pending (event_id bigint, model text, organization_id text, created_at timestamptz)",
                "CREATE TABLE " + evil + ".event_embedding_pending_targets (model text, state text)",
                "INSERT INTO " + evil + ".event_embedding_pending_targets VALUES ('" + MODEL + "', 'ready'), ('', 'ready')",
                "CREATE TABLE " + evil + ".events (LIKE public.events)",
                "CREATE TABLE " + evil + ".event_embeddings (LIKE public.event_embeddings)",
                // Lookalike functions and an operator the module's bodies would call: each raises.
                "CREATE FUNCTION " + evil + ".hashint8(bigint) RETURNS integer LANGUAGE plpgsql AS $$BEGIN RAISE EXCEPTION 'redirected: hashint8'; END$$",
                "CREATE FUNCTION " + evil + ".hashtext(text) RETURNS integer LANGUAGE plpgsql AS $$BEGIN RAISE EXCEPTION 'redirected: hashtext'; END$$",
                "CREATE FUNCTION " + evil + ".set_config(text, text, boolean) RETURNS text LANGUAGE plpgsql AS $$BEGIN RAISE EXCEPTION 'redirected: set_config'; END$$",
                "CREATE FUNCTION " + evil + ".current_setting(text, boolean) RETURNS text LANGUAGE plpgsql AS $$BEGIN RAISE EXCEPTION 'redirected: current_setting'; END$$",
                "CREATE FUNCTION " + evil + ".pg_advisory_xact_lock(integer, integer) RETURNS void LANGUAGE plpgsql AS $$BEGIN RAISE EXCEPTION 'redirected: lock'; END$$",
                "CREATE FUNCTION " + evil + ".pg_advisory_xact_lock_shared(integer, integer) RETURNS void LANGUAGE plpgsql AS $$BEGIN RAISE EXCEPTION 'redirected: lock'; END$$",
                // Operators the module's bodies use and the app's statements here do not (a lookalike
                // of = would break the app's own statements, which are the app's business).
                "CREATE FUNCTION " + evil + ".int_xor(integer, integer) RETURNS integer LANGUAGE plpgsql AS $$BEGIN RAISE EXCEPTION 'redirected: #'; END$$",
                "CREATE OPERATOR " + evil + ".# (LEFTARG = integer, RIGHTARG = integer, FUNCTION = " + evil + ".int_xor)",
                "CREATE FUNCTION " + evil + ".int_ge(integer, integer) RETURNS boolean LANGUAGE plpgsql AS $$BEGIN RAISE EXCEPTION 'redirected: >='; END$$",
                "CREATE OPERATOR " + evil + ".>= (LEFTARG = integer, RIGHTARG = integer, FUNCTION = " + evil + ".int_ge)",
                "CREATE FUNCTION " + evil + ".text_ne(text, text) RETURNS boolean LANGUAGE plpgsql AS $$BEGIN RAISE EXCEPTION 'redirected: <>'; END$$",
                "CREATE OPERATOR " + evil + ".<> (LEFTARG = text, RIGHTARG = text, FUNCTION = " + evil + ".text_ne)",
                "CREATE FUNCTION " + evil + ".bool_eq(boolean, boolean) RETURNS boolean LANGUAGE plpgsql AS $$BEGIN RAISE EXCEPTION 'redirected: = boolean'; END$$",
                "CREATE OPERATOR " + evil + ".= (LEFTARG = boolean, RIGHTARG = boolean, FUNCTION = " + evil + ".bool_eq)");
        String path = "SET search_path = " + evil + ", pg_catalog, public";
        appTransactions(r, r.app, s, path);
        appTransactions(r, r.worker, s, null);
        assertExact(r.owner, s);
        for (String t : List.of("event_embedding_pending", "events", "event_embeddings")) {
            assertThat(r.app.queryLong("SELECT count(*) FROM " + evil + "." + t)).as("rows written to the lookalike " + t).isZero();
        }
    }

    @ParameterizedTest
    @EnumSource(Scenario.class)
    void aSuperuserInstallerLeavesNoTriggerFunctionRunningAsASuperuser(Scenario s) throws Exception {
        TestDatabase db = PostgresServer.get().createDatabase("lp_super_" + s.name());
        assertThat(db.queryString("SELECT rolsuper::text FROM pg_roles WHERE rolname = current_user")).isEqualTo("true");
        Migrations.migrate(db, true, s.design);
        if (s.app) {
            db.execute("ALTER TABLE public.events ADD COLUMN superseded_by bigint");
            assertThat(cli(db, "configure", "--semantics", "app", "--target-model", MODEL, "--new-model", "--change-question")).isZero();
        }
        List<String> functions = db.queryStrings("""
                SELECT p.oid::regprocedure::text || ' ' || p.prosecdef || ' ' || r.rolsuper || ' ' || r.rolcanlogin || ' '
                       || coalesce(array_to_string(p.proconfig, ';'), '')
                  FROM pg_proc p JOIN pg_roles r ON r.oid = p.proowner
                 WHERE p.prorettype = 'trigger'::regtype AND p.proname LIKE 'ehe\\_%'
                   AND EXISTS (SELECT 1 FROM pg_trigger g WHERE g.tgfoid = p.oid
                                  AND g.tgrelid IN ('public.events'::regclass, 'public.event_embeddings'::regclass))
                 ORDER BY 1""");
        assertThat(functions).isNotEmpty().allSatisfy(f -> assertThat(f)
                .as("security definer, owner neither superuser nor able to log in, search_path pinned")
                .endsWith(" true false false search_path=pg_catalog, pg_temp"));
        assertThat(db.queryString("SELECT string_agg(DISTINCT p.proowner::regrole::text, ',') FROM pg_proc p"
                + " WHERE p.prorettype = 'trigger'::regtype AND p.proname LIKE 'ehe\\_%' AND EXISTS (SELECT 1 FROM pg_trigger g"
                + " WHERE g.tgfoid = p.oid AND g.tgrelid IN ('public.events'::regclass, 'public.event_embeddings'::regclass))"))
                .as("the functions that run in the app's sessions").isEqualTo("ehe_definer");
        // The app's writes still work, as a superuser (the usual development set-up).
        db.execute("INSERT INTO public.events (organization_id, payload_text) VALUES ('o', 'x')");
        db.execute("INSERT INTO public.event_embeddings (event_id, embedding_model, chunk_index) SELECT max(id), '" + MODEL + "', 0 FROM public.events");
    }

    @ParameterizedTest
    @EnumSource(Scenario.class)
    void statusIsNotReadyWhereATriggerFunctionRunsAsTheWriter(Scenario s) throws Exception {
        Roles r = Roles.install(s);
        String function = r.owner.queryString("SELECT min(p.oid::regprocedure::text) FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid"
                + " WHERE t.tgrelid = 'public.event_embeddings'::regclass AND NOT t.tgisinternal");
        r.owner.execute("ALTER FUNCTION " + function + " SECURITY INVOKER");
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        java.io.PrintStream was = System.out;
        System.setOut(new java.io.PrintStream(out, true, java.nio.charset.StandardCharsets.UTF_8));
        int exit;
        try {
            exit = cli(r.owner, "status");
        } finally {
            System.setOut(was);
        }
        assertThat(exit).isEqualTo(io.ehe.cli.ExitCodes.NOT_READY);
        assertThat(out.toString(java.nio.charset.StandardCharsets.UTF_8)).contains("trigger function " + function + " runs with the writer's privileges");
        r.owner.execute("ALTER FUNCTION " + function + " SECURITY DEFINER");
        assertThat(cli(r.owner, "status")).isZero();
    }

    @ParameterizedTest
    @EnumSource(Scenario.class)
    void rollbackByTheOwnerLeavesNoModuleFunction(Scenario s) throws Exception {
        Roles r = Roles.install(s);
        appTransactions(r, r.app, s, null);
        assertThat(cli(r.owner, "rollback", "--design", s.design.name().toLowerCase().replace('_', '-'))).as("rollback --design").isZero();
        assertThat(r.owner.queryLong("SELECT count(*) FROM pg_proc WHERE proname LIKE 'ehe\\_%' AND pronamespace = 'public'::regnamespace"))
                .as("module functions left after the rollback").isZero();
        // The app's writes go on as before the install.
        r.worker.execute("INSERT INTO public.event_embeddings (event_id, embedding_model, chunk_index) SELECT max(id), 'other', 0 FROM public.events");
    }

    /** Every app transaction of upstream-followups.md's last section, each committed, as {@code writer}. */
    private static void appTransactions(Roles r, TestDatabase writer, Scenario s, String sessionSetup) throws SQLException {
        boolean canUpdateEvents = writer == r.app;
        try (Connection c = writer.open(); Statement st = c.createStatement()) {
            if (sessionSetup != null) {
                st.execute(sessionSetup);
            }
            long a = insertEvent(r, st);
            long b = insertEvent(r, st);
            // Embedding insert (a new event's chunks).
            tx(c, st, embed(a, 0), embed(a, 1), embed(b, 0));
            // Re-embed one (event, model): lock the live event (FOR SHARE needs UPDATE on events), delete, insert.
            String lock = canUpdateEvents ? "SELECT 1 FROM public.events WHERE id = " + a + " FOR SHARE" : "SELECT 1 FROM public.events WHERE id = " + a;
            tx(c, st, lock, "DELETE FROM public.event_embeddings WHERE event_id = " + a + " AND embedding_model = '" + MODEL + "'", embed(a, 0));
            // Embedding delete, then a bulk insert over the 256-key threshold (the table-lock path).
            tx(c, st, "DELETE FROM public.event_embeddings WHERE event_id = " + b);
            long first = r.owner.queryLong("SELECT coalesce(max(id), 0) FROM public.events");
            if (canUpdateEvents) {
                tx(c, st, "INSERT INTO public.events (organization_id, payload_text) SELECT 'org-' || (g % 3), 'bulk ' || g FROM generate_series(1, 300) g");
            }
            tx(c, st, "INSERT INTO public.event_embeddings (event_id, embedding_model, chunk_index) SELECT e.id, '" + MODEL + "', 0"
                    + " FROM public.events e WHERE e.id > " + first + " AND NOT EXISTS (SELECT 1 FROM public.event_embeddings x WHERE x.event_id = e.id)");
            if (canUpdateEvents) {
                // In-place update of columns the module does not watch, and of the text.
                tx(c, st, "UPDATE public.events SET metadata = '{\"k\": 1}' WHERE id = " + a);
                tx(c, st, "UPDATE public.events SET payload_text = 'changed' WHERE id = " + b);
                tx(c, st, "UPDATE public.events SET payload_text = '' WHERE id = " + a);
                if (s.app) {
                    // Supersede: insert the successor, stamp the predecessor, delete its embedding rows.
                    long d = insertEvent(r, st);
                    tx(c, st, embed(d, 0));
                    tx(c, st, "INSERT INTO public.events (organization_id, payload_text) SELECT organization_id, payload_text || ' v2' FROM public.events WHERE id = " + d,
                            "UPDATE public.events SET superseded_by = (SELECT max(id) FROM public.events) WHERE id = " + d,
                            "DELETE FROM public.event_embeddings WHERE event_id = " + d);
                }
            }
        }
    }

    private static long insertEvent(Roles r, Statement st) throws SQLException {
        if (st.getConnection().getMetaData().getUserName().equals(r.workerRole)) {
            // The worker cannot insert events: the owner does, as the app would.
            return r.owner.queryLong("INSERT INTO public.events (organization_id, payload_text) VALUES ('org-w', 'text') RETURNING id");
        }
        try (var rs = st.executeQuery("INSERT INTO public.events (organization_id, payload_text) VALUES ('org-1', 'text') RETURNING id")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static String embed(long event, int chunk) {
        return "INSERT INTO public.event_embeddings (event_id, embedding_model, chunk_index, embedding) VALUES ("
                + event + ", '" + MODEL + "', " + chunk + ", '{0.1,0.2}')";
    }

    private static void assertExact(TestDatabase owner, Scenario s) {
        AppTransactions.assertExact(owner, s.design == Design.COLUMN, s.app, "public", "public");
    }

    private static int cli(TestDatabase db, String... args) {
        String[] all = new String[args.length + 1];
        System.arraycopy(args, 0, all, 0, args.length);
        all[args.length] = "--url=" + db.urlWithCredentials();
        return Main.run(all);
    }

    /** One database, its owner (no superuser) with the module installed, and the app's two roles. */
    private record Roles(String prefix, String ownerRole, String workerRole, TestDatabase owner, TestDatabase app, TestDatabase worker) {

        static Roles install(Scenario s) {
            TestDatabase admin = PostgresServer.get().createDatabase("lp_" + s.name());
            String p = admin.name();
            String owner = p + "_owner";
            String app = p + "_app";
            String worker = p + "_worker";
            admin.execute("CREATE ROLE " + owner + " LOGIN NOSUPERUSER PASSWORD 'pw'",
                    "CREATE ROLE " + app + " LOGIN NOSUPERUSER PASSWORD 'pw'",
                    "CREATE ROLE " + worker + " LOGIN NOSUPERUSER PASSWORD 'pw'",
                    "GRANT CREATE ON SCHEMA public TO " + owner,
                    "GRANT CREATE ON DATABASE " + p + " TO " + app);
            TestDatabase ownerDb = as(admin, owner);
            Migrations.baselineOnly(ownerDb);
            ownerDb.execute("ALTER TABLE public.events ALTER COLUMN organization_id DROP NOT NULL");
            if (s.app) {
                ownerDb.execute("ALTER TABLE public.events ADD COLUMN superseded_by bigint");
            }
            ownerDb.execute("GRANT SELECT, INSERT, UPDATE ON public.events TO " + app,
                    "GRANT SELECT, INSERT, DELETE ON public.event_embeddings TO " + app,
                    "GRANT SELECT ON public.events TO " + worker,
                    "GRANT SELECT, INSERT, DELETE ON public.event_embeddings TO " + worker,
                    "INSERT INTO public.events (organization_id, payload_text) SELECT 'org-' || (g % 4), 'old ' || g FROM generate_series(1, 50) g",
                    "INSERT INTO public.event_embeddings (event_id, embedding_model, chunk_index) SELECT id, '" + MODEL + "', 0 FROM public.events WHERE id % 2 = 0");
            assertThat(ownerDb.queryString("SELECT current_user")).isEqualTo(owner);
            Migrations.migrate(ownerDb, false, s.design);
            if (s.app) {
                assertThat(cli(ownerDb, "configure", "--semantics", "app", "--target-model", MODEL, "--new-model", "--change-question")).isZero();
            }
            assertThat(cli(ownerDb, "backfill")).isZero();
            if (s.design == Design.COLUMN) {
                Migrations.migrate(ownerDb, false, s.design);
            }
            assertThat(cli(ownerDb, "status")).as("status after the install").isZero();
            return new Roles(p, owner, worker, ownerDb, as(admin, app), as(admin, worker));
        }

        private static TestDatabase as(TestDatabase admin, String role) {
            return new TestDatabase(admin.name(), admin.jdbcUrl().replaceAll("([?&])user=[^&]*&?", "$1").replaceAll("[?&]$", ""), role, "pw");
        }
    }
}
