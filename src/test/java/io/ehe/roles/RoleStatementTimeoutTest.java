package io.ehe.roles;

import io.ehe.catalog.Design;
import io.ehe.testing.AppRoles;
import io.ehe.testing.Migrations;
import io.ehe.testing.PostgresExtension;
import io.ehe.testing.TestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.sql.Connection;
import java.sql.Statement;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 24 (issue 17 leftover): a statement_timeout set on the migrating role ({@code ALTER ROLE ... SET})
 * must not cancel the deferred CREATE INDEX CONCURRENTLY while it waits for an older writer: the
 * runner's sessions set their own timeouts. On main before the fix the build was cancelled after
 * 150 ms and left an INVALID index on every rerun.
 */
@ExtendWith(PostgresExtension.class)
class RoleStatementTimeoutTest {

    private static final String INDEX = "idx_events_pending_embedding";

    @Test
    void theDeferredIndexBuildOutlivesARoleStatementTimeout(TestDatabase db) throws Exception {
        AppRoles roles = AppRoles.create(db).createTablesAsOwner();
        TestDatabase owner = roles.owner();
        owner.execute("INSERT INTO public.events (organization_id, payload_text) SELECT 'o' || (g % 7), 't' || g FROM generate_series(1, 2000) g");
        Migrations.migrate(owner, false, Design.COLUMN);
        assertThat(owner.queryLong("SELECT count(*) FROM public.databasechangelog WHERE id = '040-pending-embedding-index'")).isZero();
        // Stand-in for the backfill: no NULL left, so the next update builds the index.
        owner.execute("UPDATE public.events SET has_embedding = false WHERE has_embedding IS NULL");

        db.execute("ALTER ROLE " + roles.ownerRole() + " SET statement_timeout = '150ms'",
                "ALTER ROLE " + roles.ownerRole() + " SET idle_in_transaction_session_timeout = '150ms'");
        assertThat(owner.queryString("SHOW statement_timeout")).isEqualTo("150ms");

        // An app transaction that wrote events stays open for 1.5 s: CREATE INDEX CONCURRENTLY waits for it.
        try (Connection app = roles.app().open()) {
            app.setAutoCommit(false);
            try (Statement st = app.createStatement()) {
                st.execute("UPDATE public.events SET title = 'x' WHERE id = 1");
            }
            Thread committer = new Thread(() -> {
                try {
                    Thread.sleep(1500);
                    app.commit();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            committer.start();
            Migrations.migrate(owner, false, Design.COLUMN);
            committer.join();
        }

        assertThat(owner.queryLong("SELECT count(*) FROM public.databasechangelog WHERE id = '040-pending-embedding-index'")).isOne();
        assertThat(owner.queryString("SELECT indisvalid::text FROM pg_index WHERE indexrelid = 'public." + INDEX + "'::regclass")).isEqualTo("true");
        assertThat(owner.queryLong("SELECT count(*) FROM public.databasechangelog WHERE id = '050-has-embedding-not-null'")).isOne();
    }
}
