package io.ehe.migration;

/** Where a rollback goes: exactly one of these, as the command line gives it. */
public sealed interface RollbackTarget {

    /** The last {@code count} applied changeSets. */
    record Count(int count) implements RollbackTarget {
        public Count {
            if (count < 1) {
                throw new IllegalArgumentException("--count must be at least 1, got " + count);
            }
        }
    }

    /** Everything applied after the changeSet that carries {@code tag}. */
    record Tag(String tag) implements RollbackTarget {
    }

    /** Everything applied after changeSet {@code id}; {@code id} itself stays applied. */
    record AfterChangeSet(String id) implements RollbackTarget {
    }

    /** Every applied changeSet of one design, newest first; the other design's stay applied. */
    record AllOfDesign(io.ehe.catalog.Design design) implements RollbackTarget {
    }

    default String describe() {
        if (this instanceof AllOfDesign d) {
            return "every changeSet of the " + d.design().id() + " design";
        }
        if (this instanceof Count c) {
            return "the last " + c.count() + " changeSet" + (c.count() == 1 ? "" : "s");
        }
        if (this instanceof Tag t) {
            return "tag '" + t.tag() + "'";
        }
        return "changeSet '" + ((AfterChangeSet) this).id() + "' (kept applied)";
    }
}
