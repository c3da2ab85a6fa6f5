package io.ehe.design;

/** One design's status: ready for the scheduler or not, as a screen of text or as JSON. */
public interface DesignStatus {

    boolean ready();

    String text();

    String json();
}
