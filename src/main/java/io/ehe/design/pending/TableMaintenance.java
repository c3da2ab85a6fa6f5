package io.ehe.design.pending;

import io.ehe.db.ConnectionFactory;
import io.ehe.db.PgDuration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;

/**
 * VACUUM (ANALYZE) of the pending table after the writes that leave it with pages not all-visible: the
 * end of a fill (hundreds of thousands of new rows for a model swap) and a target's removal (as many
 * deleted). Until a VACUUM sets the visibility map again, the scheduler's index-only scans fetch every
 * new row from the heap (issue 28: 5,000 heap fetches and 5-25 ms per query instead of about 1 ms),
 * and autovacuum may take minutes to come. VACUUM takes SHARE UPDATE EXCLUSIVE, which blocks no
 * reader or writer; it runs under lock_timeout so a concurrent VACUUM cannot hold the command, and a
 * refusal only logs: the table is correct either way, autovacuum does it later.
 */
final class TableMaintenance {

    private static final Logger LOG = LoggerFactory.getLogger("configure");
    private static final int ATTEMPTS = 5;
    private static final Duration PAUSE = Duration.ofMillis(300);

    /** relpages - relallvisible as VACUUM just recorded them in pg_class. */
    private static long notAllVisible(Statement st, String table) throws SQLException {
        try (java.sql.ResultSet rs = st.executeQuery("SELECT greatest(relpages - relallvisible, 0) FROM pg_class WHERE oid = '" + table + "'::regclass")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private TableMaintenance() {
    }

    /** VACUUM (ANALYZE) {@code table} in autocommit (VACUUM cannot run inside a transaction); never throws for a lock refusal. */
    static void vacuumAnalyze(ConnectionFactory connections, String table, Duration lockTimeout) throws SQLException {
        try (Connection c = connections.open(); Statement st = c.createStatement()) {
            c.setAutoCommit(true);
            st.execute("SET lock_timeout = '" + PgDuration.toSetting(lockTimeout) + "'");
            long started = System.nanoTime();
            try {
                // A page becomes all-visible only once no snapshot older than its rows remains; right after
                // the fill one may still be leaving (the fill's own session closing, an autovacuum ANALYZE),
                // and that VACUUM leaves the newest pages for autovacuum. So: VACUUM, and while pg_class
                // says pages are not all-visible, pause and VACUUM again (cheap: it skips all-visible
                // pages), at most ATTEMPTS times. A transaction of the app older than the rows keeps
                // them not all-visible whatever we do: then autovacuum finishes the job later.
                int attempt = 1;
                st.execute("VACUUM (ANALYZE) " + table);
                while (notAllVisible(st, table) > 0 && attempt < ATTEMPTS) {
                    Thread.sleep(PAUSE.toMillis());
                    st.execute("VACUUM " + table);
                    attempt++;
                }
                long left = notAllVisible(st, table);
                LOG.info("VACUUM (ANALYZE) {}: {} ms, {} run(s), {} page(s) not all-visible", table,
                        (System.nanoTime() - started) / 1_000_000, attempt, left);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (SQLException e) {
                if (!"55P03".equals(e.getSQLState())) {
                    throw e;
                }
                LOG.warn("VACUUM (ANALYZE) {} skipped: another VACUUM holds the table (autovacuum does it later)", table);
            }
        }
    }
}
