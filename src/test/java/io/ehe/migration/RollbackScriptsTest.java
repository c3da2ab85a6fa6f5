package io.ehe.migration;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class RollbackScriptsTest {

    @Test
    void keepsTheRollbackSqlAndItsSquawkHintsOnly() {
        assertThat(RollbackScripts.of(List.of(
                "--liquibase formatted sql",
                "--changeset ehe:x logicalFilePath:x.sql",
                "ALTER TABLE t ADD COLUMN c int;",
                "--rollback -- squawk-ignore ban-drop-column -- why",
                "--rollback ALTER TABLE t DROP COLUMN c;",
                "--rollback",
                "--rollback not required")))
                .containsExactly("-- squawk-ignore ban-drop-column -- why", "ALTER TABLE t DROP COLUMN c;", "");
    }

    @Test
    void aChangeSetOutsideATransactionIsRolledBackOutsideOneToo() {
        assertThat(RollbackScripts.of(List.of(
                "--changeset ehe:y runInTransaction:false",
                "CREATE INDEX CONCURRENTLY i ON t (c);",
                "--rollback DROP INDEX CONCURRENTLY IF EXISTS i;")))
                .containsExactly("-- squawk-disable-assume-in-transaction", "DROP INDEX CONCURRENTLY IF EXISTS i;");
    }

    @Test
    void noRollbackNoScript() {
        assertThat(RollbackScripts.of(List.of("--changeset ehe:z", "SELECT 1;"))).isEmpty();
    }
}
