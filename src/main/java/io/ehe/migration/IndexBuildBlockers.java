package io.ehe.migration;

import io.ehe.db.Blocker;
import io.ehe.db.OlderTransactions;
import io.ehe.db.PgDuration;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;

/**
 * What CREATE (or DROP) INDEX CONCURRENTLY waited for: it holds no lock anyone else wants, but waits
 * for every transaction of this database that started before it, on any table, and for prepared
 * transactions. Looked at right after the build gave up, a transaction still open that began at
 * least the wait's timeout ago was open for the whole wait: that is the blocker, whatever it touched.
 * Which transactions are open is {@link OlderTransactions}' reading (it sees other roles' sessions
 * too), worded as every wait line words a blocker ({@link Blocker}).
 */
final class IndexBuildBlockers {

    private IndexBuildBlockers() {
    }

    /**
     * One line per session or prepared transaction of the current database whose transaction is at
     * least {@code waited} old; the caller's own session excluded. Empty when none.
     */
    static List<String> describe(Connection connection, PgDuration waited) throws SQLException {
        return OlderTransactions.openFor(connection, waited.toDuration()).stream().map(Blocker::describe).toList();
    }
}
