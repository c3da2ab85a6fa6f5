package io.ehe.design.pending;

import io.ehe.db.ConnectionFactory;
import io.ehe.catalog.Design;
import io.ehe.migration.ChangeSetState;
import io.ehe.migration.ChangelogRunner;
import io.ehe.migration.MigrationSettings;
import io.ehe.status.Status;
import io.ehe.status.ShardRows;
import io.ehe.status.StatusSession;
import io.ehe.status.TriggerCatalog;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/** Reads the pending-table design's state from the catalog on a read-only session; cheap to poll. */
final class PendingStatusReader {

    private final ConnectionFactory connections;

    PendingStatusReader(ConnectionFactory connections) {
        this.connections = connections;
    }

    PendingStatus read() throws Exception {
        List<Status.ChangeSetLine> changeSets = changeSets();
        try (Connection c = StatusSession.open(connections)) {
            PendingStatus.Table table = table(c);
            List<Status.TriggerLine> triggers = TriggerCatalog.read(c, PendingTableDesign.TRIGGERS);
            PendingStatus.Bootstrap bootstrap = bootstrap(c);
            List<String> why = new ArrayList<>();
            if (!table.present()) {
                why.add("table " + table.name() + " is missing: run migrate --design pending-table");
            }
            why.addAll(TriggerCatalog.problems(triggers, "run migrate --design pending-table"));
            if (!bootstrap.complete()) {
                why.add(bootstrap.progressTablePresent() && !bootstrap.progress().isEmpty()
                        ? "the bootstrap has not finished: run backfill (it resumes where it stopped)"
                        : "the bootstrap has not run: run backfill");
            }
            return new PendingStatus(Design.PENDING_TABLE.id(), connections.url().jdbcUrl(), changeSets, table, triggers,
                    bootstrap, why.isEmpty(), why);
        }
    }

    private List<Status.ChangeSetLine> changeSets() throws Exception {
        List<Status.ChangeSetLine> out = new ArrayList<>();
        for (ChangeSetState cs : new ChangelogRunner(connections, MigrationSettings.defaults()).changeSets()) {
            if (!cs.belongsTo(Design.PENDING_TABLE)) {
                continue;
            }
            boolean devOnly = cs.design() == null;
            out.add(new Status.ChangeSetLine(cs.id(), cs.ran() ? "applied" : "pending", devOnly,
                    devOnly ? "dev/test/demo only" : cs.ran() ? "" : "run migrate --design pending-table"));
        }
        return out;
    }

    private static PendingStatus.Table table(Connection c) throws SQLException {
        String name = "public.event_embedding_pending";
        try (Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT to_regclass('" + name + "') IS NOT NULL")) {
            rs.next();
            if (!rs.getBoolean(1)) {
                return new PendingStatus.Table(name, false, null);
            }
        }
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT count(*) FROM " + name)) {
            rs.next();
            return new PendingStatus.Table(name, true, rs.getLong(1));
        }
    }

    private static PendingStatus.Bootstrap bootstrap(Connection c) throws SQLException {
        String table = BootstrapStep.PROGRESS_TABLE;
        try (Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT to_regclass('" + table + "') IS NOT NULL")) {
            rs.next();
            if (!rs.getBoolean(1)) {
                return new PendingStatus.Bootstrap(false, false, List.of());
            }
        }
        List<Status.ShardProgress> progress = ShardRows.read(c, table);
        boolean complete = ShardRows.anyPlanComplete(c, table);
        return new PendingStatus.Bootstrap(true, complete, progress);
    }
}
