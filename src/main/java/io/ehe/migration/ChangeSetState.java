package io.ehe.migration;

/**
 * One changeSet of the changelog and whether this database has run it.
 *
 * @param deferrable its precondition skips it without recording it (onFail CONTINUE): the index and
 *                   NOT NULL changeSets wait like this until the backfill is complete
 */
public record ChangeSetState(String id, String author, String file, String description, boolean ran, String tag,
                             boolean deferrable) {

    public ChangeSetState(String id, String author, String file, String description, boolean ran, String tag) {
        this(id, author, file, description, ran, tag, false);
    }
}
