package io.ehe.migration;

import io.ehe.testing.DataSet;
import io.ehe.testing.Migrations;
import io.ehe.testing.PostgresExtension;
import io.ehe.testing.TestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A changeSet's rollback whose history-row delete fails commits none of its rollback (issue 26, item 5):
 * a trigger on databasechangelog refuses the DELETE, as a revoked privilege or a policy would. Stock
 * Liquibase commits the rollback's DDL before the delete, so the refusal left 030's table dropped but 030
 * still recorded as applied; AtomicChangeSetDatabase holds the commit until the row is gone, so the
 * refused delete takes the DROP back with it. RollbackKilledProcessTest proves the same for a kill.
 */
@ExtendWith(PostgresExtension.class)
class RollbackHistoryDeleteFailsTest {

    private static final String CHANGESET = "030-backfill-progress";

    @Test
    void aRefusedHistoryDeleteKeepsTheChangeSetsObjects(TestDatabase db) throws Exception {
        Migrations.baselineOnly(db);
        DataSet.ofSize(50).load(db);
        ChangelogRunner runner = Migrations.runner(db, true);
        runner.update(null, 3); // 010, 020, 030
        assertThat(Migrations.newestApplied(db)).as("the changeSet a rollback of 1 undoes").isEqualTo(CHANGESET);
        assertThat(applied(db)).isOne();
        db.execute("""
                CREATE FUNCTION public.refuse_history_delete() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN RAISE EXCEPTION 'history delete refused by test'; END $$""",
                "CREATE TRIGGER refuse_history_delete BEFORE DELETE ON public.databasechangelog"
                        + " FOR EACH ROW EXECUTE FUNCTION public.refuse_history_delete()");

        assertThatThrownBy(() -> runner.rollbackCount(1)).hasStackTraceContaining("history delete refused by test");

        assertThat(Migrations.recorded(db, CHANGESET)).as("030 still recorded").isOne();
        assertThat(applied(db)).as("030's table still there: its DROP was not committed without the delete").isOne();

        db.execute("DROP TRIGGER refuse_history_delete ON public.databasechangelog", "DROP FUNCTION public.refuse_history_delete()");
        runner.rollbackCount(1);
        assertThat(Migrations.recorded(db, CHANGESET)).isZero();
        assertThat(applied(db)).isZero();
    }

    private static long applied(TestDatabase db) {
        return db.queryLong("SELECT count(*) FROM pg_class WHERE oid = to_regclass('public.events_has_embedding_backfill')");
    }
}
