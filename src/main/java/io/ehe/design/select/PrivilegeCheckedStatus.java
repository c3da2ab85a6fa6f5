package io.ehe.design.select;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ehe.catalog.Design;
import io.ehe.catalog.QueueGrants;
import io.ehe.catalog.ReaderGrants;
import io.ehe.catalog.TableWriters;
import io.ehe.catalog.WriterIsolation;
import io.ehe.db.ConnectionFactory;
import io.ehe.design.DesignStatus;
import io.ehe.status.StatusSession;

import java.sql.Connection;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static io.ehe.design.select.StatusJson.JSON;

/**
 * A design's status with who may write and who may read (issue 24): the roles that can write events and
 * event_embeddings (whose writes fire the module's triggers), the reader roles named at install
 * ({@code migrate --reader-role}) with what each lacks of what the documented scheduler queries need,
 * and every role that can run those queries; in the pending-table design also the queue roles named
 * at install ({@code migrate --queue-role}, changeSet 185) with what each lacks of what the worker loop
 * calls, and every role that can make those calls. A named reader or queue role that lacks anything
 * makes the status not ready (exit 5), whatever the design says: the scheduler or the workers would
 * fail on their first call. So does a {@code default_transaction_isolation} above READ COMMITTED for a
 * writer, for every role or in the server's configuration ({@link WriterIsolation}): the triggers keep
 * the answer exact only for READ COMMITTED writers.
 *
 * Text: a "privileges" block after the design's own; one reason per lacking role in
 * {@link #notReadyBecause()} (the status screen lists them first).
 * JSON: an object {@code privileges} ({@code writers}: table to list of {role, privileges, superuser};
 * {@code readers}: list of {role, missing}; {@code canRead}: role names; pending-table only:
 * {@code queueRoles}: list of {role, missing}; {@code canWorkQueue}: role names; {@code writerIsolation}:
 * list of {role, database, server, value}), and the reasons
 * appended to {@code notReadyBecause} with {@code ready} false.
 */
public final class PrivilegeCheckedStatus implements DesignStatus {

    static final List<String> WRITTEN_TABLES = List.of("events", "event_embeddings");

    /** A named reader and what it lacks (empty: it can run the documented queries). */
    public record Reader(String role, List<String> missing) {
    }

    private final DesignStatus inner;
    private final Map<String, List<TableWriters.Writer>> writers;
    private final List<Reader> readers;
    private final List<String> canRead;
    /** Null in the column design, which has no queue. */
    private final List<Reader> queueRoles;
    private final List<String> canWorkQueue;
    private final List<WriterIsolation.Setting> writerIsolation;

    private PrivilegeCheckedStatus(DesignStatus inner, Map<String, List<TableWriters.Writer>> writers, List<Reader> readers,
                                   List<String> canRead, List<Reader> queueRoles, List<String> canWorkQueue,
                                   List<WriterIsolation.Setting> writerIsolation) {
        this.inner = inner;
        this.writers = writers;
        this.readers = readers;
        this.canRead = canRead;
        this.queueRoles = queueRoles;
        this.canWorkQueue = canWorkQueue;
        this.writerIsolation = writerIsolation;
    }

    /** Reads the privileges on a read-only session. */
    public static PrivilegeCheckedStatus check(ConnectionFactory connections, Design design, DesignStatus inner) throws Exception {
        try (Connection c = StatusSession.open(connections)) {
            Map<String, List<TableWriters.Writer>> writers = new LinkedHashMap<>();
            for (String table : WRITTEN_TABLES) {
                String qualified = connections.schemas().tables() + "." + table;
                writers.put(qualified, TableWriters.of(c, qualified));
            }
            List<Reader> readers = new ArrayList<>();
            for (String role : ReaderGrants.namedReaders(c, design)) {
                readers.add(new Reader(role, ReaderGrants.missing(c, design, role)));
            }
            List<Reader> queueRoles = null;
            List<String> canWorkQueue = null;
            if (design == Design.PENDING_TABLE) {
                queueRoles = new ArrayList<>();
                for (String role : QueueGrants.namedRoles(c)) {
                    queueRoles.add(new Reader(role, QueueGrants.missing(c, role)));
                }
                canWorkQueue = QueueGrants.rolesThatCanWork(c);
            }
            LinkedHashSet<String> writerNames = new LinkedHashSet<>();
            writers.values().forEach(list -> list.forEach(w -> writerNames.add(w.role())));
            return new PrivilegeCheckedStatus(inner, writers, readers, ReaderGrants.rolesThatCanRead(c, design), queueRoles, canWorkQueue,
                    WriterIsolation.aboveReadCommitted(c, writerNames));
        }
    }

    /** One line per named reader or queue role that lacks a privilege, and per writer isolation setting above READ COMMITTED. */
    List<String> problems() {
        List<String> out = new ArrayList<>();
        for (WriterIsolation.Setting s : writerIsolation) {
            out.add("writers start at " + s.value().toUpperCase(java.util.Locale.ROOT) + " (default_transaction_isolation for " + s.where()
                    + "): the triggers keep the answer exact only for READ COMMITTED writers (docs/roles-and-privileges.md); fix: " + s.fix());
        }
        for (Reader r : readers) {
            problem(out, "reader role ", r, "the scheduler's queries would fail");
        }
        for (Reader r : queueRoles == null ? List.<Reader>of() : queueRoles) {
            problem(out, "queue role ", r, "the workers' queue calls would fail");
        }
        return out;
    }

    private static void problem(List<String> out, String kind, Reader r, String effect) {
        if (!r.missing().isEmpty()) {
            List<String> grants = new ArrayList<>();
            for (String m : r.missing()) {
                grants.add(m.startsWith("the role itself") ? "CREATE ROLE " + r.role()
                        : m.startsWith("the ") ? "migrate" : "GRANT " + m + " TO " + r.role());
            }
            out.add(kind + r.role() + " lacks " + String.join(", ", r.missing()) + ": " + effect + "; fix: " + String.join("; ", grants));
        }
    }

    @Override
    public boolean ready() {
        return inner.ready() && problems().isEmpty();
    }

    @Override
    public List<String> notReadyBecause() {
        List<String> out = new ArrayList<>(inner.notReadyBecause());
        out.addAll(problems());
        return out;
    }

    @Override
    public String text() {
        StringBuilder out = new StringBuilder(inner.text());
        if (out.length() > 0 && out.charAt(out.length() - 1) != '\n') {
            out.append('\n');
        }
        out.append("privileges:\n");
        for (Map.Entry<String, List<TableWriters.Writer>> e : writers.entrySet()) {
            List<String> names = new ArrayList<>();
            for (TableWriters.Writer w : e.getValue()) {
                names.add(w.role() + (w.superuser() ? " (superuser)" : "") + " " + String.join("/", w.privileges()));
            }
            out.append("  can write ").append(e.getKey()).append(": ").append(names.isEmpty() ? "none" : String.join(", ", names)).append('\n');
        }
        List<String> levels = new ArrayList<>();
        for (WriterIsolation.Setting s : writerIsolation) {
            levels.add(s.value() + " for " + s.where());
        }
        out.append("  writers' default isolation: ").append(levels.isEmpty() ? "read committed (no role, database or server setting above it)"
                : String.join(", ", levels)).append('\n');
        appendRoles(out, "reader", readers, "can run the scheduler's queries", "can read the answer", canRead);
        if (queueRoles != null) {
            appendRoles(out, "queue", queueRoles, "can work the queue", "can work the queue", canWorkQueue);
        }
        return out.toString();
    }

    /**
     * The roles named as {@code kind} roles (migrate --{@code kind}-role), each with what it lacks or
     * {@code able}; then {@code can}, every role that holds what they need, after {@code canLabel}.
     */
    private static void appendRoles(StringBuilder out, String kind, List<Reader> named, String able, String canLabel, List<String> can) {
        if (named.isEmpty()) {
            out.append("  ").append(kind).append(" roles named: none (migrate --").append(kind).append("-role ROLE)\n");
        }
        for (Reader r : named) {
            out.append("  ").append(kind).append(" role ").append(r.role()).append(": ")
                    .append(r.missing().isEmpty() ? able : "lacks " + String.join(", ", r.missing())).append('\n');
        }
        out.append("  ").append(canLabel).append(": ").append(can.isEmpty() ? "none" : String.join(", ", can)).append('\n');
    }

    @Override
    public String json() {
        return StatusJson.edited(inner.json(), object -> {
            ObjectNode privileges = object.putObject("privileges");
            ObjectNode w = privileges.putObject("writers");
            for (Map.Entry<String, List<TableWriters.Writer>> e : writers.entrySet()) {
                w.set(e.getKey(), JSON.valueToTree(e.getValue()));
            }
            privileges.set("readers", JSON.valueToTree(readers));
            privileges.set("canRead", JSON.valueToTree(canRead));
            if (queueRoles != null) {
                privileges.set("queueRoles", JSON.valueToTree(queueRoles));
                privileges.set("canWorkQueue", JSON.valueToTree(canWorkQueue));
            }
            privileges.set("writerIsolation", JSON.valueToTree(writerIsolation));
            List<String> problems = problems();
            if (!problems.isEmpty()) {
                StatusJson.notReady(object, problems);
            }
        });
    }
}
