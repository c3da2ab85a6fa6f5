package io.ehe.cli;

import io.ehe.catalog.Design;
import io.ehe.migration.Interruption;
import io.ehe.migration.RollbackTarget;
import io.ehe.migration.Rollbacker;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;

/** rollback: undo applied changeSets, to exactly one target, with migrate's lock safety. */
@Command(name = "rollback", mixinStandardHelpOptions = true,
        description = {"Rolls back applied changeSets: the last N, everything after a tag, everything after a changeSet, or every changeSet of one design.",
                "Every DDL statement runs under a short lock_timeout; a refused lock is retried with doubling backoff, then the command exits 4.",
                "SIGINT/SIGTERM end a lock wait at once (exit 7): the changeSet whose rollback was in flight stays applied and recorded, whole, "
                        + "and no further changeSet is rolled back; the error line says what to run to finish."})
public final class RollbackCommand implements Callable<Integer> {

    @Mixin
    ConnectionOptions connection;

    @Mixin
    LockOptions locks;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Target target;

    static final class Target {
        @Option(names = "--count", paramLabel = "N", converter = PositiveIntConverter.class, required = true,
                description = "roll back the last N applied changeSets")
        Integer count;

        @Option(names = "--to-tag", paramLabel = "TAG", required = true, description = "roll back everything applied after TAG (see migrate --tag)")
        String tag;

        @Option(names = "--to-changeset", paramLabel = "ID", required = true,
                description = "roll back everything applied after changeSet ID; ID stays applied")
        String changeSet;

        @Option(names = "--design", paramLabel = "DESIGN", required = true,
                description = "roll back every applied changeSet of one design (column | pending-table), newest first, "
                        + "leaving the other design's applied: the last step of a move between designs")
        String design;

        RollbackTarget toTarget() {
            if (count != null) {
                return new RollbackTarget.Count(count);
            }
            if (tag != null) {
                return new RollbackTarget.Tag(tag);
            }
            if (design != null) {
                return new RollbackTarget.AllOfDesign(Design.parse(design));
            }
            return new RollbackTarget.AfterChangeSet(changeSet);
        }
    }

    @Option(names = "--dry-run", description = "print the rollback SQL; changes nothing (read-only session)")
    boolean dryRun;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        RollbackTarget to = target.toTarget();
        Rollbacker rollbacker = new Rollbacker(connection.connections(), locks.settings(false));
        PrintWriter out = spec.commandLine().getOut();
        if (dryRun) {
            String sql = rollbacker.dryRun(to);
            out.println("-- rollback --dry-run to " + to.describe() + ": nothing was changed (read-only session)");
            out.print(sql);
            out.flush();
            return ExitCodes.OK;
        }
        Interruption interruption = new Interruption();
        rollbacker.interruptibleBy(interruption);
        // SIGINT/SIGTERM: one error line, exit 7, as migrate (InterruptibleRun).
        return InterruptibleRun.run(interruption, stop -> {
            List<String> undone = rollbacker.rollback(to);
            if (undone.isEmpty()) {
                out.println("rollback: nothing to roll back (" + to.describe() + ")");
            } else {
                out.println("rollback to " + to.describe() + ": rolled back " + undone.size() + " changeSet" + (undone.size() == 1 ? "" : "s") + ":");
                undone.forEach(id -> out.println("  rolled back  " + id));
            }
            out.flush();
        });
    }
}
