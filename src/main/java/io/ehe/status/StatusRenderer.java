package io.ehe.status;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.ehe.backfill.ShardProgress;

import java.util.Locale;

/** status as one screen of text for an operator, or as JSON for a pipeline. */
public final class StatusRenderer {

    private StatusRenderer() {
    }

    public static String json(Status status) {
        try {
            return MAPPER.writeValueAsString(status) + System.lineSeparator();
        } catch (Exception e) {
            throw new IllegalStateException("could not write status as JSON", e);
        }
    }

    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .build();

    public static String text(Status s) {
        StringBuilder out = new StringBuilder();
        line(out, "database: %s", s.database());
        line(out, "design: %s", s.design());
        line(out, "semantics: %s (the column design answers only this question)", s.semantics());

        long applied = s.changeSets().stream().filter(c -> c.state().equals("applied") || c.state().equals("marked_ran")).count();
        line(out, "changeSets: %d applied, %d not applied", applied, s.changeSets().size() - applied);
        for (Status.ChangeSetLine c : s.changeSets()) {
            line(out, "  %-11s %-30s %s", c.state(), c.id(), c.note());
        }

        Status.Column col = s.column();
        line(out, "column events.has_embedding: %s", col.present()
                ? "present (" + (col.nullable() ? "nullable" : "NOT NULL") + ", default " + (col.defaultValue() == null ? "none" : col.defaultValue()) + ")"
                : "absent");

        long enabled = s.triggers().stream().filter(Status.TriggerLine::enabled).count();
        long present = s.triggers().stream().filter(Status.TriggerLine::present).count();
        line(out, "triggers on event_embeddings: %d/%d present, %d enabled", present, s.triggers().size(), enabled);
        for (Status.TriggerLine t : s.triggers()) {
            line(out, "  %-42s %s", t.name(), !t.present() ? "missing" : t.enabled() ? "enabled" : "NOT enabled (tgenabled=" + t.tgenabled() + ")");
        }

        Status.Backfill b = s.backfill();
        String count = b.nullRows() == null ? "unknown" : String.format(Locale.ROOT, "%,d", b.nullRows());
        line(out, "backfill: rows still NULL: %s%s [%s] %s", "estimate".equals(b.method()) ? "~" : "", count, b.method(), b.note());
        if (b.progressTablePresent()) {
            if (b.progress().isEmpty()) {
                line(out, "  progress table events_has_embedding_backfill: no shard started");
            } else {
                line(out, "  %-10s %-24s %14s %5s %9s  %s", "shard", "range", "last_id", "done", "batches", "updated");
                for (Status.ShardProgress p : b.progress()) {
                    String range = "(" + ShardProgress.bound(p.rangeStart()) + ", "
                            + (p.rangeEnd() == null ? "+inf" : ShardProgress.bound(p.rangeEnd())) + "]";
                    line(out, "  %-10s %-24s %14s %5s %9d  %s", p.shard(), range, ShardProgress.bound(p.lastId()), p.done() ? "yes" : "no", p.batches(), p.updatedAt());
                }
            }
        }

        line(out, "index %s: %s (%s)", s.index().name(), s.index().state(), s.index().detail());
        // What the design's own checks found; the overall verdict and every reason come first (VerdictFirstStatus).
        line(out, "column kept, filled and indexed: %s", s.ready() ? "yes" : "no");
        return out.toString();
    }

    private static void line(StringBuilder out, String format, Object... args) {
        out.append(String.format(Locale.ROOT, format, args).stripTrailing()).append(System.lineSeparator());
    }
}
