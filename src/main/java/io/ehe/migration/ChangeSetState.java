package io.ehe.migration;

/** One changeSet of the changelog and whether this database has run it. */
public record ChangeSetState(String id, String author, String file, String description, boolean ran, String tag) {
}
