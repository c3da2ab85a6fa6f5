package io.ehe.design;

import java.util.List;

/** A status already read and rendered both ways; what either design hands the status command. */
public record RenderedStatus(boolean ready, List<String> notReadyBecause, String text, String json) implements DesignStatus {
}
