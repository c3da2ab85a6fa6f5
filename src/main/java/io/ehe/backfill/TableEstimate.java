package io.ehe.backfill;

import io.ehe.catalog.TableSize;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/** The planner's row estimate of events and its id bounds (both cheap: catalog and PK index ends). */
record TableEstimate(long rows, long minId, long maxId) {

    static TableEstimate read(Connection c) throws SQLException {
        try (Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("""
                     SELECT coalesce((SELECT min(id) FROM events), 0),
                            coalesce((SELECT max(id) FROM events), 0)""")) {
            rs.next();
            // Summed over the leaves: a partitioned events has no reltuples of its own.
            TableEstimate e = new TableEstimate(TableSize.estimatedRows(c, "events"), rs.getLong(1), rs.getLong(2));
            c.commit();
            return e;
        }
    }

    /** Rows per id value; 1 when the table was never analysed (ids are mostly dense). */
    double rowsPerId() {
        long span = maxId - minId + 1;
        if (rows <= 0 || span <= 0) {
            return 1.0;
        }
        return Math.min(1.0, (double) rows / span);
    }
}
