package io.ehe.migration;

import io.ehe.db.OlderTransactions;
import io.ehe.db.OlderTransactions.Blocker;
import io.ehe.db.PgDuration;
import io.ehe.db.Secrets;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.List;

/**
 * What CREATE (or DROP) INDEX CONCURRENTLY waited for: it holds no lock anyone else wants, but waits
 * for every transaction of this database that started before it, on any table, and for prepared
 * transactions. Looked at right after the build gave up, a transaction still open that began at
 * least the wait's timeout ago was open for the whole wait: that is the blocker, whatever it touched.
 * Which transactions are open is {@link OlderTransactions}' reading (it sees other roles' sessions
 * too); this class only words them for the refusal's error line.
 */
final class IndexBuildBlockers {

    private IndexBuildBlockers() {
    }

    /**
     * One line per session (pid and role, state, application, transaction age, query start, the query
     * masked; where this role may not see another role's session, pid and role only) or prepared
     * transaction (gid, owner, age) of the current database whose transaction is at least
     * {@code waited} old; the caller's own session excluded. Empty when none.
     */
    static List<String> describe(Connection connection, PgDuration waited) throws SQLException {
        return OlderTransactions.openFor(connection, waited.toDuration()).stream().map(IndexBuildBlockers::line).toList();
    }

    private static String line(Blocker b) {
        if ("prepared".equals(b.state())) {
            return Secrets.mask(b.who()) + " (prepared " + age(b.age()) + " ago; end it with COMMIT PREPARED or ROLLBACK PREPARED)";
        }
        String app = b.application() == null || b.application().isEmpty() ? "" : ", " + b.application();
        if (b.since() == null) {
            return b.who() + " (" + b.state() + app + ", transaction start hidden from this role (pg_read_all_stats shows it))";
        }
        return b.who() + " (" + b.state() + app + ", transaction open " + age(b.age())
                + (b.queryStart() == null ? "" : ", query started " + b.queryStart().truncatedTo(ChronoUnit.SECONDS))
                + "): " + Secrets.mask(query(b.query()));
    }

    /** The statement on one line, its first 200 characters (it is quoted to name the blocker, not to replay it). */
    private static String query(String query) {
        String oneLine = query == null ? "" : query.replaceAll("\\s+", " ");
        return oneLine.substring(0, Math.min(200, oneLine.length()));
    }

    private static String age(Duration age) {
        return PgDuration.human(age);
    }
}
