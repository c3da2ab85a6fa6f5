package io.ehe.design;

/** A status already read and rendered both ways; what either design hands the status command. */
public record RenderedStatus(boolean ready, String text, String json) implements DesignStatus {
}
