package io.ehe.design.pending;

import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.ehe.backfill.ShardProgress;
import io.ehe.status.Status;

import java.util.Locale;

/** The pending-table design's status as a screen of text or as JSON, in the column status's layout. */
final class PendingStatusRenderer {

    private static final JsonMapper MAPPER = JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();

    private PendingStatusRenderer() {
    }

    static String json(PendingStatus s) {
        try {
            return MAPPER.writeValueAsString(s) + System.lineSeparator();
        } catch (Exception e) {
            throw new IllegalStateException("could not write status as JSON", e);
        }
    }

    static String text(PendingStatus s) {
        StringBuilder out = new StringBuilder();
        line(out, "database: %s", s.database());
        line(out, "design: %s", s.design());
        long applied = s.changeSets().stream().filter(c -> c.state().equals("applied") || c.state().equals("marked_ran")).count();
        line(out, "changeSets: %d applied, %d not applied", applied, s.changeSets().size() - applied);
        for (Status.ChangeSetLine c : s.changeSets()) {
            line(out, "  %-11s %-34s %s", c.state(), c.id(), c.note());
        }
        line(out, "table %s: %s", s.table().name(), s.table().present()
                ? String.format(Locale.ROOT, "present, %,d row(s) pending", s.table().rows()) : "absent");
        if (s.semantics() != null) {
            line(out, "semantics: %s", s.semantics().description());
            for (String d : s.semantics().drift()) {
                line(out, "  ! %s", d);
            }
        }
        line(out, "targets: %d", s.targets().size());
        for (PendingStatus.TargetLine t : s.targets()) {
            line(out, "  %-28s %-9s %s", Target.label(t.model()), t.state(), targetFigures(t));
        }
        if (!s.queue().isEmpty()) {
            line(out, "work queue (changeSet 180):");
            line(out, "  %-28s %12s %12s %10s %11s %11s %12s  %s", "model", "pending", "claimable", "claimed", "backing off",
                    "quarantined", "oldest (s)", "paused until");
            for (PendingQueue.Counts q : s.queue()) {
                line(out, "  %-28s %,12d %,12d %,10d %,11d %,11d %12s  %s", Target.label(q.model()), q.pending(), q.claimable(), q.claimed(),
                        q.backingOff(), q.quarantined(), q.oldestPendingSeconds() == null ? "-" : String.format(Locale.ROOT, "%.0f", q.oldestPendingSeconds()),
                        q.pausedUntil() == null ? "-" : q.pausedUntil());
            }
        }
        long enabled = s.triggers().stream().filter(Status.TriggerLine::enabled).count();
        long present = s.triggers().stream().filter(Status.TriggerLine::present).count();
        line(out, "triggers on events and event_embeddings: %d/%d present, %d enabled", present, s.triggers().size(), enabled);
        for (Status.TriggerLine t : s.triggers()) {
            line(out, "  %-42s %s", t.name(), !t.present() ? "missing" : t.enabled() ? "enabled" : "NOT enabled (tgenabled=" + t.tgenabled() + ")");
        }
        line(out, "fill: %s", s.bootstrap().complete() ? "last plan complete" : s.bootstrap().progress().isEmpty() ? "no plan" : "in progress");
        if (!s.bootstrap().progress().isEmpty()) {
            line(out, "  %-10s %-24s %14s %5s %9s  %s", "shard", "range", "last_id", "done", "batches", "updated");
            for (Status.ShardProgress p : s.bootstrap().progress()) {
                String range = "(" + ShardProgress.bound(p.rangeStart()) + ", "
                        + (p.rangeEnd() == null ? "+inf" : ShardProgress.bound(p.rangeEnd())) + "]";
                line(out, "  %-10s %-24s %14s %5s %9d  %s", p.shard(), range, ShardProgress.bound(p.lastId()),
                        p.done() ? "yes" : "no", p.batches(), p.updatedAt());
            }
        }
        // What the design's own checks found; the overall verdict and every reason come first (VerdictFirstStatus).
        line(out, "pending table kept and filled: %s", s.ready() ? "yes" : "no");
        return out.toString();
    }

    /** A ready target's backlog; a filling one's progress, never its rows so far as "pending". */
    private static String targetFigures(PendingStatus.TargetLine t) {
        if (t.pending() != null) {
            return String.format(Locale.ROOT, "%,12d pending", t.pending());
        }
        String rows = String.format(Locale.ROOT, "%,d rows so far", t.rowsSoFar());
        return t.fillPercent() == null
                ? "fill not started for it: the next backfill walks every event (" + rows + ")"
                : String.format(Locale.ROOT, "fill %.1f%% of the events walked (%s; its backlog is known once ready)", t.fillPercent(), rows);
    }

    private static void line(StringBuilder out, String format, Object... args) {
        out.append(String.format(Locale.ROOT, format, args).stripTrailing()).append(System.lineSeparator());
    }
}
