package io.ehe.design.select;

import io.ehe.design.DesignStatus;

import java.util.List;

/**
 * The status screen as an operator reads it: the first line is the overall answer, {@code ready for the
 * scheduler: yes|no}, then one {@code not ready: ...} line per reason (the design's own, the trigger
 * bypass checks', the privilege checks'), then the design's lines. A design line only says what its own
 * checks found, so no line below can read "ready" while the answer above is no (a new-user trial saw
 * "pending table ready: yes" and then exit 5 for a reader role's missing privilege). The JSON already
 * carries the overall answer ({@code ready}, {@code notReadyBecause}) and is passed through.
 */
public final class VerdictFirstStatus implements DesignStatus {

    public static final String VERDICT = "ready for the scheduler: ";
    public static final String REASON = "not ready: ";

    private final DesignStatus inner;

    public VerdictFirstStatus(DesignStatus inner) {
        this.inner = inner;
    }

    /** The verdict line and one reason line each, every line ending in a line separator. */
    public static String header(boolean ready, List<String> notReadyBecause) {
        StringBuilder out = new StringBuilder(VERDICT).append(ready ? "yes" : "no").append(System.lineSeparator());
        for (String why : notReadyBecause) {
            out.append(REASON).append(why).append(System.lineSeparator());
        }
        return out.toString();
    }

    @Override
    public boolean ready() {
        return inner.ready();
    }

    @Override
    public List<String> notReadyBecause() {
        return inner.notReadyBecause();
    }

    @Override
    public String text() {
        return header(ready(), notReadyBecause()) + inner.text();
    }

    @Override
    public String json() {
        return inner.json();
    }
}
