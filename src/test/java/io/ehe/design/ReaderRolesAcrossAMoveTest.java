package io.ehe.design;

import io.ehe.catalog.Design;
import io.ehe.cli.ExitCodes;
import io.ehe.testing.AppRoles;
import io.ehe.testing.InProcessCli;
import io.ehe.testing.PostgresExtension;
import io.ehe.testing.TestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The reader roles recorded for one design carry over a move to the other (issue 24, new-user trial
 * finding 8: after the move the scheduler's role could not read the new design's answer). The move is
 * the runbook's (docs/runbooks.md#moving-a-database-between-designs), each command as written there,
 * by an owner that is no superuser: the new design's grants go to the roles recorded for the old one,
 * the reader runs the new design's documented query, status lists it and says ready; a role the
 * operator names at the move's migrate replaces the recorded ones.
 */
@ExtendWith(PostgresExtension.class)
class ReaderRolesAcrossAMoveTest {

    static final String PENDING_QUERY = "SELECT event_id FROM event_embedding_pending WHERE model = '' AND organization_id = 'org1'"
            + " ORDER BY created_at DESC, event_id DESC LIMIT 100";
    static final String COLUMN_QUERY = "SELECT organization_id, id FROM events WHERE NOT has_embedding AND payload_text <> ''"
            + " ORDER BY organization_id, id LIMIT 100";

    record Run(int code, String out) {
    }

    static Run cli(TestDatabase db, String... args) {
        PrintStream out = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        int code;
        try {
            System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
            code = InProcessCli.run(db, args);
        } finally {
            System.setOut(out);
        }
        return new Run(code, captured.toString(StandardCharsets.UTF_8));
    }

    static void ok(TestDatabase db, String... args) {
        Run r = cli(db, args);
        assertThat(r.code()).as(String.join(" ", args) + "\n" + r.out()).isEqualTo(ExitCodes.OK);
    }

    /** One database per class: each test starts from the upstream tables, the last test's roles and objects dropped. */
    static AppRoles installed(TestDatabase db, Design design) {
        String base = db.name().toLowerCase(java.util.Locale.ROOT);
        db.execute("DO $$ BEGIN IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '" + base + "_owner') THEN"
                + " DROP OWNED BY " + base + "_owner, " + base + "_app, " + base + "_reader CASCADE; END IF; END $$");
        AppRoles roles = AppRoles.create(db).createTablesAsOwner();
        TestDatabase owner = roles.owner();
        owner.execute("INSERT INTO public.events (organization_id, payload_text) SELECT 'org' || (g % 3), 'text ' || g FROM generate_series(1, 30) g",
                "INSERT INTO public.event_embeddings (event_id) SELECT id FROM public.events WHERE id % 2 = 0");
        ok(owner, "migrate", "--design", design.id(), "--reader-role", roles.readerRole());
        ok(owner, "backfill", "--then-migrate");
        ok(owner, "status");
        return roles;
    }

    /** The runbook's steps 1, 2 and 4 (3 is the app's config change): install, fill, status, roll the old design back. */
    static void move(TestDatabase owner, Design from, Design to, String... extraMigrateArgs) {
        String[] migrate = new String[3 + extraMigrateArgs.length];
        migrate[0] = "migrate";
        migrate[1] = "--design";
        migrate[2] = to.id();
        System.arraycopy(extraMigrateArgs, 0, migrate, 3, extraMigrateArgs.length);
        ok(owner, migrate);
        if (to == Design.COLUMN) {
            ok(owner, "backfill", "--design", "column", "--then-migrate");
        } else {
            ok(owner, "backfill", "--design", "pending-table");
        }
        ok(owner, "status", "--design", to.id());
        ok(owner, "rollback", "--design", from.id());
    }

    @Test
    void pendingTableToColumnKeepsTheReader(TestDatabase db) {
        AppRoles roles = installed(db, Design.PENDING_TABLE);
        assertThat(roles.reader().queryList(PENDING_QUERY, rs -> 1)).isNotEmpty();

        move(roles.owner(), Design.PENDING_TABLE, Design.COLUMN);

        assertThat(roles.reader().queryList(COLUMN_QUERY, rs -> 1)).isNotEmpty();
        Run status = cli(roles.owner(), "status");
        assertThat(status.code()).as(status.out()).isEqualTo(ExitCodes.OK);
        assertThat(status.out()).contains("reader role " + roles.readerRole() + ": can run the scheduler's queries");
        // Status checks the carried reader: a lost privilege makes it not ready.
        roles.owner().execute("REVOKE SELECT (has_embedding) ON public.events FROM " + roles.readerRole());
        Run lost = cli(roles.owner(), "status");
        assertThat(lost.code()).as(lost.out()).isEqualTo(ExitCodes.NOT_READY);
        assertThat(lost.out()).contains("not ready: reader role " + roles.readerRole() + " lacks ");
    }

    @Test
    void columnToPendingTableKeepsTheReader(TestDatabase db) {
        AppRoles roles = installed(db, Design.COLUMN);
        assertThat(roles.reader().queryList(COLUMN_QUERY, rs -> 1)).isNotEmpty();

        move(roles.owner(), Design.COLUMN, Design.PENDING_TABLE);

        assertThat(roles.reader().queryList(PENDING_QUERY, rs -> 1)).isNotEmpty();
        Run status = cli(roles.owner(), "status");
        assertThat(status.code()).as(status.out()).isEqualTo(ExitCodes.OK);
        assertThat(status.out()).contains("reader role " + roles.readerRole() + ": can run the scheduler's queries");
    }

    @Test
    void readersNamedAtTheMoveReplaceTheRecordedOnes(TestDatabase db) {
        AppRoles roles = installed(db, Design.PENDING_TABLE);

        move(roles.owner(), Design.PENDING_TABLE, Design.COLUMN, "--reader-role", "none");

        assertThat(db.queryString("SELECT has_column_privilege('" + roles.readerRole() + "', 'public.events', 'has_embedding', 'SELECT')::text"))
                .isEqualTo("false");
        Run status = cli(roles.owner(), "status");
        assertThat(status.code()).as(status.out()).isEqualTo(ExitCodes.OK);
        assertThat(status.out()).contains("reader roles named: none");
    }
}
