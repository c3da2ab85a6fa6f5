package io.ehe.cli;

import io.ehe.migration.ChangeSetState;
import io.ehe.migration.DryRunResult;
import io.ehe.migration.MigrationResult;
import io.ehe.migration.PlannedChangeSet;

import java.io.PrintWriter;
import java.util.List;

/** What migrate prints on stdout: the result an operator reads (logs go to stderr). */
final class MigrateReport {

    private final PrintWriter out;

    MigrateReport(PrintWriter out) {
        this.out = out;
    }

    void applied(MigrationResult r, String tag) {
        // A changeSet recorded without running (the dev-only baseline where the tables exist) was not applied.
        List<ChangeSetState> now = r.appliedNow().stream().filter(cs -> !cs.markedRan()).toList();
        List<ChangeSetState> marked = r.appliedNow().stream().filter(ChangeSetState::markedRan).toList();
        List<ChangeSetState> already = r.alreadyApplied().stream().filter(cs -> !cs.markedRan()).toList();
        if (now.isEmpty()) {
            out.println("migrate: nothing new applied");
        } else {
            out.println("migrate: applied " + now.size() + " changeSet" + (now.size() == 1 ? "" : "s") + ":");
            now.forEach(cs -> out.println("  applied   " + cs.id()));
        }
        if (!marked.isEmpty()) {
            out.println("recorded without running: " + ids(marked) + " (its precondition was not met: development only, or the tables exist)");
        }
        if (!already.isEmpty()) {
            out.println("already applied: " + ids(already));
        }
        if (!r.deferred().isEmpty()) {
            out.println("deferred until the backfill is complete (rows with has_embedding IS NULL remain):");
            r.deferred().forEach(cs -> out.println("  deferred  " + cs.id()));
            out.println("  next: run 'backfill', then 'migrate' again");
        }
        if (!r.notRequested().isEmpty()) {
            out.println("not applied" + (r.nullRowsRemain() ? "" : " (beyond --count)") + ": " + ids(r.notRequested()));
        }
        if (tag != null) {
            out.println("tagged: " + tag);
        }
        out.flush();
    }

    void dryRun(DryRunResult r, String tag) {
        out.println("-- migrate --dry-run: nothing was changed (read-only session)");
        if (r.plan().isEmpty()) {
            out.println("-- nothing pending");
        }
        for (PlannedChangeSet p : r.plan()) {
            out.println("-- " + String.format("%-20s %-30s %s", p.action(), p.id(), p.note()).stripTrailing());
        }
        if (tag != null) {
            out.println("-- then tag the database: " + tag);
        }
        out.println();
        out.print(r.sql());
        out.flush();
    }

    private static String ids(List<ChangeSetState> list) {
        return String.join(", ", list.stream().map(ChangeSetState::id).toList());
    }
}
