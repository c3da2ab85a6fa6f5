package io.ehe.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.ehe.db.ConnectionFactory;
import io.ehe.catalog.Design;
import io.ehe.design.select.BypassCheckedStatus;
import io.ehe.design.select.PrivilegeCheckedStatus;
import io.ehe.design.select.DesignChoice;
import io.ehe.design.select.VerdictFirstStatus;
import io.ehe.design.DesignStatus;
import io.ehe.design.ModuleNotInstalledException;
import io.ehe.status.StatusRole;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** status: the rollout on one screen, and the one answer the app needs (exit 0 ready, 5 not ready). */
@Command(name = "status", mixinStandardHelpOptions = true,
        description = {"First line: the answer, \"ready for the scheduler: yes|no\", then one \"not ready:\" line per reason. Then the installed design's changeSets, triggers, backfill or fill progress (and, pending-table, the semantics and each target model).",
                "Column design: ready = triggers enabled, index valid, no NULL row proven. Pending-table design: ready = all eight triggers enabled, every target model ready, semantics still match the tables.",
                "Never ready while a subscription replicates into the design's tables or a sampled drift check finds drift (rows that arrived without the triggers).",
                "Also lists the roles that can write events and event_embeddings and those that can read the answer; not ready while a reader role named at migrate (--reader-role) lacks a privilege the scheduler's queries need, or a queue role (--queue-role) one the workers' queue calls need.",
                "Read-only. Exit 0 when ready, 5 when not, 14 when the database has neither design (module not installed: run migrate).",
                "Run it as the module's owner (the role that ran migrate), a member of it or a superuser: it reads the module's own tables, which the app's role and the reader roles may not read (exit 6 as any other role)."})
public final class StatusCommand implements Callable<Integer> {

    @Mixin
    ConnectionOptions connection;

    @Option(names = "--json", description = "print JSON for machines")
    boolean json;

    @Option(names = "--exact", description = "count NULL rows exactly even on a large table (a full scan) instead of estimating")
    boolean exact;

    @Option(names = "--design", paramLabel = "DESIGN", defaultValue = "${env:EHE_DESIGN}",
            description = "column | pending-table; default: the design installed in the database (env EHE_DESIGN); "
                    + "needed only while both are installed")
    String design;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        ConnectionFactory connections = connection.connections();
        Design chosen;
        try {
            chosen = StatusRole.needed(connections, () -> DesignChoice.forStatus(connections, design));
        } catch (ModuleNotInstalledException none) {
            PrintWriter out = spec.commandLine().getOut();
            out.print(json ? notInstalledJson(none) : VerdictFirstStatus.header(false, List.of(none.getMessage()))
                    + "database: " + none.database() + System.lineSeparator() + "design: none" + System.lineSeparator());
            out.flush();
            return ExitCodes.MODULE_NOT_INSTALLED;
        }
        Design installed = chosen;
        DesignStatus status = StatusRole.needed(connections, () -> new VerdictFirstStatus(PrivilegeCheckedStatus.check(connections, installed,
                BypassCheckedStatus.check(connections, installed, DesignChoice.operations(installed).status(connections, exact)))));
        PrintWriter out = spec.commandLine().getOut();
        out.print(json ? status.json() : status.text());
        out.flush();
        return status.ready() ? ExitCodes.OK : ExitCodes.NOT_READY;
    }

    /** The same fields a design's status starts and ends with: design (null), database, ready, notReadyBecause. */
    private static String notInstalledJson(ModuleNotInstalledException none) throws Exception {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("design", null);
        json.put("database", none.database());
        json.put("installed", false);
        json.put("ready", false);
        json.put("notReadyBecause", List.of(none.getMessage()));
        return new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(json) + System.lineSeparator();
    }
}
