package io.ehe.migration;

import io.ehe.catalog.Design;
import io.ehe.db.ConnectionFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * The history row of changeSet 040 while its index is INVALID: a rollback of 040 stopped half way (its
 * DROP INDEX CONCURRENTLY first marks the index invalid, then waits for the app's transactions; a
 * signal or a lock timeout there leaves the index INVALID and 040 recorded). 040 runs outside a
 * transaction, so nothing rolls that back; a migrate would then see 040 as applied and leave the
 * INVALID index for good (status: not ready). Found with DeferredIndexInterruptedProcessTest.
 *
 * Why forget the row rather than rebuild here: 040's own SQL (the DROP of a leftover, then the build)
 * is what rebuilds an unrecorded 040, and SQL lives in the changelog. The row describes an index that
 * is not there in usable form, so removing it makes the history say what the database holds. Done
 * under the migration lock (a transaction-level try of the same advisory key): never while another
 * runner works; if one does, this migrate leaves it for the next.
 */
final class InvalidIndexRecord {

    static final String CHANGESET = "040-pending-embedding-index";
    private static final String INDEX = "idx_events_pending_embedding";
    private static final Logger LOG = LoggerFactory.getLogger(InvalidIndexRecord.class);

    private InvalidIndexRecord() {
    }

    /**
     * Removes 040's history row when its index exists and is INVALID (column design only; nothing when
     * the history table, the row or the index is absent, or another runner holds the migration lock).
     *
     * @return true when a row was removed (040 is pending again)
     * @throws SQLException from the server (a lock refused under lock_timeout: the caller's retry)
     */
    static boolean forgetIfInvalid(ConnectionFactory connections, Design design) throws SQLException {
        if (design != Design.COLUMN) {
            return false;
        }
        try (Connection c = connections.open()) {
            c.setAutoCommit(false);
            try (PreparedStatement ps = c.prepareStatement("""
                    SELECT to_regclass('databasechangelog') IS NOT NULL AND pg_catalog.pg_try_advisory_xact_lock(?)
                       AND EXISTS (SELECT 1 FROM pg_catalog.pg_index i WHERE i.indexrelid = to_regclass(?) AND NOT i.indisvalid)""")) {
                ps.setLong(1, AdvisoryLockService.LOCK_KEY);
                ps.setString(2, INDEX);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    if (!rs.getBoolean(1)) {
                        c.rollback();
                        return false;
                    }
                }
            }
            int removed;
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM databasechangelog WHERE id = ? AND author = 'ehe'")) {
                ps.setString(1, CHANGESET);
                removed = ps.executeUpdate();
            }
            c.commit();
            if (removed > 0) {
                LOG.warn("index {} is INVALID (a rollback of {} stopped half way): its history row is removed, so this migrate builds it again",
                        INDEX, CHANGESET);
            }
            return removed > 0;
        }
    }
}
