package io.ehe.design.select;

import com.fasterxml.jackson.databind.node.ArrayNode;
import io.ehe.db.ConnectionFactory;
import io.ehe.status.StatusSession;
import io.ehe.status.TriggerBypass;
import io.ehe.catalog.Design;
import io.ehe.design.DesignStatus;

import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;

/**
 * A design's status, vetoed by {@link TriggerBypass}: "ready" only when no subscription writes the
 * design's tables and the sampled drift check finds nothing. The problems join the status's own
 * reasons ({@link #notReadyBecause()}, which the status screen lists first), in the JSON as
 * {@code ready: false}, entries appended to {@code notReadyBecause} and the list {@code triggerBypass}.
 */
public final class BypassCheckedStatus implements DesignStatus {

    private final DesignStatus inner;
    private final List<String> problems;

    private BypassCheckedStatus(DesignStatus inner, List<String> problems) {
        this.inner = inner;
        this.problems = problems;
    }

    /** Runs the checks on a read-only session when {@code inner} says ready; otherwise returns it as is. */
    public static DesignStatus check(ConnectionFactory connections, Design design, DesignStatus inner) throws Exception {
        if (!inner.ready()) {
            return inner;
        }
        try (Connection c = StatusSession.open(connections)) {
            List<String> problems = TriggerBypass.problems(c, design);
            return problems.isEmpty() ? inner : new BypassCheckedStatus(inner, problems);
        }
    }

    @Override
    public boolean ready() {
        return false;
    }

    @Override
    public List<String> notReadyBecause() {
        List<String> out = new ArrayList<>(inner.notReadyBecause());
        out.addAll(problems);
        return out;
    }

    @Override
    public String text() {
        return inner.text();
    }

    @Override
    public String json() {
        return StatusJson.edited(inner.json(), object -> {
            StatusJson.notReady(object, problems);
            ArrayNode bypass = object.putArray("triggerBypass");
            problems.forEach(bypass::add);
        });
    }
}
