package io.ehe.migration;

import liquibase.changelog.ChangeSet;
import liquibase.changelog.RanChangeSet;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * The identity check of this module's changeSets: DATABASECHANGELOG keys a changeSet by id, author and
 * file name, and every changeSet here pins its file name (logicalFilePath changelog/changes/...).
 *
 * 1. Liquibase 4.31-4.33 gives every changeSet of an included changelog the logicalFilePath of the
 *    nearest including changelog that sets one at its root, over the changeSet's own (measured:
 *    ChangeSetIdentityTest). An app whose master sets a root logicalFilePath and includes this module
 *    records the module's changeSets under the app's path.
 * 2. A row with this module's id and author but another file name is such a row; the runner would
 *    run the changeSet again and fail on "already exists" halfway. So refuse before anything runs, and
 *    say how to repair: the exact UPDATE for the rows found, and how the app includes the module so
 *    that it does not happen again (from a changelog without a root logicalFilePath: the app's own
 *    changeSets keep their recorded path under the app's old master, included from a new top).
 */
final class HistoryPaths {

    private HistoryPaths() {
    }

    /** @throws HistoryPathMismatchException naming the rows' file name(s) and the repair, when any row differs */
    static void requireOwn(List<ChangeSet> changeSets, List<RanChangeSet> ran) throws HistoryPathMismatchException {
        Map<String, String> pinned = new LinkedHashMap<>();
        for (ChangeSet cs : changeSets) {
            pinned.put(cs.getId() + "::" + cs.getAuthor(), cs.getFilePath());
        }
        List<RanChangeSet> elsewhere = new ArrayList<>();
        for (RanChangeSet r : ran) {
            String own = pinned.get(r.getId() + "::" + r.getAuthor());
            if (own != null && !own.equals(r.getChangeLog())) {
                elsewhere.add(r);
            }
        }
        if (elsewhere.isEmpty()) {
            return;
        }
        TreeSet<String> files = elsewhere.stream().map(RanChangeSet::getChangeLog).collect(Collectors.toCollection(TreeSet::new));
        StringBuilder fix = new StringBuilder();
        for (RanChangeSet r : elsewhere) {
            fix.append(fix.isEmpty() ? "" : " ")
                    .append("UPDATE databasechangelog SET filename = '").append(sql(pinned.get(r.getId() + "::" + r.getAuthor())))
                    .append("' WHERE id = '").append(sql(r.getId())).append("' AND author = '").append(sql(r.getAuthor()))
                    .append("' AND filename = '").append(sql(r.getChangeLog())).append("';");
        }
        throw new HistoryPathMismatchException(elsewhere.size() + " changeSet(s) of events-has-embedding are recorded in DATABASECHANGELOG under "
                + files.stream().map(f -> "'" + f + "'").collect(Collectors.joining(", "))
                + " instead of their own changelog/changes/... path: an app changelog with a root logicalFilePath included this module"
                + " (Liquibase 4.31-4.33 gives that path to every included changeSet). Nothing was changed. To repair:"
                + " (1) in the app, move the include of io/ehe/events-has-embedding/db.changelog-master.yaml out of that changelog into a new"
                + " top-level master without a root logicalFilePath that includes the app's changelog first, then this module;"
                + " (2) run once on this database: " + fix);
    }

    private static String sql(String literal) {
        return literal.replace("'", "''");
    }
}
