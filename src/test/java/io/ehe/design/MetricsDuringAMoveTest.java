package io.ehe.design;

import io.ehe.catalog.Design;
import io.ehe.cli.Main;
import io.ehe.testing.AppRoles;
import io.ehe.testing.Migrations;
import io.ehe.testing.PostgresExtension;
import io.ehe.testing.TestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * ChangeSets 190, point 8: while a database holds both designs (a move between them), the exporter's
 * two functions answer for both (one ehe_metrics_database() row per design; ehe_metrics_models() from
 * the pending-table design, one series per model), keep the exporter's grant through the second
 * install, and outlive the rollback of either design until the last one goes. Installed as the
 * tables' owner (the documented path): a superuser install hands every module function to ehe_definer,
 * and 070's released rollback revokes that role's SELECT on events, which the other design still needs.
 */
@ExtendWith(PostgresExtension.class)
class MetricsDuringAMoveTest {

    private static int cli(TestDatabase db, String... args) {
        String[] all = new String[args.length + 1];
        System.arraycopy(args, 0, all, 0, args.length);
        all[args.length] = "--url=" + db.urlWithCredentials();
        return Main.run(all);
    }

    private static List<String> rows(TestDatabase db, String sql) {
        return db.queryStrings(sql);
    }

    private static long metricsFunctions(TestDatabase db) {
        return db.queryLong("SELECT count(*) FROM pg_proc WHERE proname IN ('ehe_metrics_models', 'ehe_metrics_database')");
    }

    @Test
    void bothDesignsAnswerAndTheSharedFunctionsGoWithTheLastDesign(TestDatabase admin) {
        AppRoles roles = AppRoles.create(admin).createTablesAsOwner();
        TestDatabase db = roles.owner();
        db.execute("INSERT INTO events (organization_id, payload_text) SELECT 'org-' || (g % 3), 'text ' || g FROM generate_series(1, 50) g",
                "INSERT INTO event_embeddings (event_id) SELECT id FROM events WHERE id % 2 = 0");
        admin.execute("CREATE ROLE ehe_move_exporter LOGIN");
        Migrations.migrate(db, false, Design.COLUMN);
        db.execute("GRANT EXECUTE ON FUNCTION public.ehe_metrics_models(), public.ehe_metrics_database() TO ehe_move_exporter");
        assertThat(rows(db, "SELECT design FROM ehe_metrics_database()")).containsExactly("column");
        assertThat(rows(db, "SELECT model FROM ehe_metrics_models()")).containsExactly("(any)");

        Migrations.migrate(db, false, Design.PENDING_TABLE);
        assertThat(cli(db, "backfill", "--design", "pending-table")).isZero();
        assertThat(rows(db, "SELECT design FROM ehe_metrics_database() ORDER BY 1")).containsExactly("column", "pending-table");
        assertThat(rows(db, "SELECT model || ' ' || pending_pairs FROM ehe_metrics_models()"))
                .as("the pending-table design's target '' (any model): one series").containsExactly("(any) 25");
        assertThat(db.queryString("SELECT has_function_privilege('ehe_move_exporter', 'public.ehe_metrics_models()', 'EXECUTE')::text"))
                .as("the grant survives the second design's CREATE OR REPLACE").isEqualTo("true");

        assertThat(cli(db, "rollback", "--design", "column")).isZero();
        assertThat(rows(db, "SELECT design FROM ehe_metrics_database()")).containsExactly("pending-table");
        assertThat(metricsFunctions(db)).as("still there for the pending-table design").isEqualTo(2);

        assertThat(cli(db, "rollback", "--design", "pending-table")).isZero();
        assertThat(db.queryLong("SELECT count(*) FROM pg_proc WHERE proname LIKE 'ehe\\_metrics\\_%'")).as("gone with the last design").isZero();
    }
}
