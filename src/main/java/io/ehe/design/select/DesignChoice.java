package io.ehe.design.select;

import io.ehe.catalog.Design;
import io.ehe.catalog.ModulePlacement;
import io.ehe.db.ConnectionFactory;
import io.ehe.design.DesignNotInstalledException;
import io.ehe.design.DesignOperations;
import io.ehe.design.ModuleNotInstalledException;
import io.ehe.design.column.ColumnDesign;
import io.ehe.design.pending.PendingTableDesign;
import io.ehe.migration.WrongDatabaseException;
import io.ehe.status.StatusSession;

import java.sql.Connection;
import java.util.Optional;
import java.util.Set;

/**
 * Which design a command works on, decided once, and the implementation that goes with it. This
 * package sits above both designs' packages, which sit above migration, backfill and status. migrate installs the design it is asked for
 * (default: the one installed, else column; {@link #forUpdate}). backfill, status and verify read it from the database; a design named on the
 * command line or in EHE_DESIGN must then agree with it, and picks one while a database holds both
 * (in the middle of a move).
 */
public final class DesignChoice {

    private DesignChoice() {
    }

    /** The one place a design value becomes its implementation. */
    public static DesignOperations operations(Design design) {
        return switch (design) {
            case COLUMN -> new ColumnDesign();
            case PENDING_TABLE -> new PendingTableDesign();
        };
    }

    /** The design to install: the one asked for, else the default. */
    public static Design forMigrate(String requested) {
        return requested == null || requested.isBlank() ? Design.DEFAULT : Design.parse(requested);
    }

    /**
     * migrate without a design named: the one design installed, so that a later update keeps it; the
     * default on a database with neither, and while both are (a move in progress) the default too,
     * as before.
     */
    public static Design forUpdate(ConnectionFactory connections) throws Exception {
        Set<Design> found = found(connections);
        return found.size() == 1 ? found.iterator().next() : Design.DEFAULT;
    }

    /**
     * The installed design this command should work on; {@code requested} may be null. Where --schema names a
     * schema without the tables, or --module-schema another schema than the one whose module keeps them, the
     * command refuses with {@link WrongDatabaseException} (exit 6), as migrate and status do: every command
     * agrees where the module is, so a mistyped flag never ends in exit 0 (the session's search_path holds
     * both schemas and found the real objects) nor in "design not installed" (9), which stays for the
     * app's tables without the module. A pending-table install stopped part way is refused the same way
     * as one not installed (exit 9), with status's "half-finished" reason.
     */
    public static Design installed(ConnectionFactory connections, String requested) throws Exception {
        Design asked = asked(requested);
        Design design;
        try (Connection c = connections.open()) {
            Optional<String> wrong = ModulePlacement.wrongPlace(c, connections.schemas(), connections.url().jdbcUrl());
            if (wrong.isPresent()) {
                throw new WrongDatabaseException(wrong.get());
            }
            design = choose(Design.installed(c), asked);
            if (design == Design.PENDING_TABLE) {
                Optional<String> incomplete = PendingTableDesign.incomplete(c, connections);
                if (incomplete.isPresent()) {
                    throw new DesignNotInstalledException(incomplete.get() + "; nothing was changed");
                }
            }
        }
        return design;
    }

    /**
     * status: like {@link #installed}, but a design asked for and not installed is reported on as
     * "not installed" (not ready) instead of failing, so status stays a readiness probe. A database with
     * the app's tables and neither design is no design's "not ready": {@link ModuleNotInstalledException}
     * (exit 14); without the app's tables, or with the module's tables found in another schema than the
     * module schema given ({@link ModulePlacement#moduleElsewhere}), {@code WrongDatabaseException} (exit 6).
     */
    public static Design forStatus(ConnectionFactory connections, String requested) throws Exception {
        Design asked = asked(requested);
        Set<Design> found = found(connections);
        if (found.isEmpty()) {
            try (Connection c = StatusSession.open(connections)) {
                Optional<String> elsewhere = ModulePlacement.moduleElsewhere(c, connections.schemas());
                if (elsewhere.isPresent()) {
                    throw new WrongDatabaseException(elsewhere.get());
                }
                throw new ModuleNotInstalledException(connections.url().jdbcUrl());
            }
        }
        if (asked != null && !found.contains(asked)) {
            return asked;
        }
        return choose(found, asked);
    }

    /** Parsed before any connection: a bad value is a usage error, not a connection attempt. */
    private static Design asked(String requested) {
        return requested == null || requested.isBlank() ? null : Design.parse(requested);
    }

    private static Set<Design> found(ConnectionFactory connections) throws Exception {
        try (Connection c = connections.open()) {
            return Design.installed(c);
        }
    }

    static Design choose(Set<Design> found, Design asked) {
        if (found.isEmpty()) {
            throw new DesignNotInstalledException("neither design is installed in this database: run 'migrate' first"
                    + (asked == null ? "" : " (migrate --design " + asked.id() + ")") + "; nothing was changed");
        }
        if (asked != null) {
            if (!found.contains(asked)) {
                throw new DesignNotInstalledException("the " + asked.id() + " design is not installed in this database (found: "
                        + names(found) + "); nothing was changed");
            }
            return asked;
        }
        if (found.size() > 1) {
            throw new DesignNotInstalledException("both designs are installed (a move between them is in progress): name one with "
                    + "--design or EHE_DESIGN; nothing was changed");
        }
        return found.iterator().next();
    }

    private static String names(Set<Design> found) {
        return String.join(", ", found.stream().map(Design::id).toList());
    }
}
