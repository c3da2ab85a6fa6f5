package io.ehe.testing;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The app's side of a test: its statements run as one committed transaction, and the check that the
 * module's answer is exact after them (either design, either question, tables and module in any schema).
 */
public final class AppTransactions {

    private AppTransactions() {
    }

    /** {@code sql} in one transaction on {@code c} (through {@code st}), committed; rolled back and rethrown on an error; autocommit on after. */
    public static void tx(Connection c, Statement st, String... sql) throws SQLException {
        c.setAutoCommit(false);
        try {
            for (String s : sql) {
                st.execute(s);
            }
            c.commit();
        } catch (SQLException e) {
            c.rollback();
            throw e;
        } finally {
            c.setAutoCommit(true);
        }
    }

    /**
     * Read as {@code owner}: the column design's has_embedding equals EXISTS(embedding rows); the
     * pending-table design's pending pairs are exactly the live, unembedded (event, target) pairs (the
     * app's question: not superseded, chunk 0 of the target model counts), and some are pending.
     *
     * @param tables schema of events and event_embeddings; {@code module}: schema of the module's tables
     */
    public static void assertExact(TestDatabase owner, boolean columnDesign, boolean appSemantics, String tables, String module) {
        if (columnDesign) {
            assertThat(owner.queryLong("SELECT count(*) FROM " + tables + ".events e WHERE e.has_embedding IS DISTINCT FROM"
                    + " EXISTS (SELECT 1 FROM " + tables + ".event_embeddings x WHERE x.event_id = e.id)")).as("stale has_embedding").isZero();
            return;
        }
        String live = "e.payload_text IS NOT NULL AND e.payload_text <> '' AND e.organization_id IS NOT NULL"
                + (appSemantics ? " AND e.superseded_by IS NULL" : "");
        String counts = appSemantics ? "x.embedding_model = t.model AND x.chunk_index = 0" : "true";
        String want = "SELECT e.id, t.model FROM " + tables + ".events e CROSS JOIN " + module + ".event_embedding_pending_targets t"
                + " WHERE " + live + " AND NOT EXISTS (SELECT 1 FROM " + tables + ".event_embeddings x WHERE x.event_id = e.id AND " + counts + ")";
        assertThat(owner.queryLong("SELECT count(*) FROM (" + want + ") w WHERE NOT EXISTS (SELECT 1 FROM " + module + ".event_embedding_pending p"
                + " WHERE p.event_id = w.id AND p.model = w.model)")).as("missing pending pairs").isZero();
        assertThat(owner.queryLong("SELECT count(*) FROM " + module + ".event_embedding_pending p WHERE (p.event_id, p.model) NOT IN (SELECT * FROM ("
                + want + ") w)")).as("stale pending pairs").isZero();
        assertThat(owner.queryLong("SELECT count(*) FROM " + module + ".event_embedding_pending")).as("the scenario leaves pairs pending").isPositive();
    }
}
