package io.ehe.design;

import java.util.List;

/**
 * One design's status: ready for the scheduler or not, why not, and the screen of text or the JSON that
 * shows it. {@link #text()} is the design's lines only; the overall verdict and its reasons are put
 * first by {@code io.ehe.design.select.VerdictFirstStatus}.
 */
public interface DesignStatus {

    boolean ready();

    /** One line per reason, empty when {@link #ready()}. */
    List<String> notReadyBecause();

    String text();

    String json();
}
