package io.ehe.testing;

import java.util.List;

/**
 * The app-shaped tables (the columns of changeSet 000 plus the app's events.superseded_by, with
 * organization_id nullable; built by {@link AppTables}) created declaratively partitioned on a
 * {@link TestDatabase}, for the issue-18 tests of both designs. Create them before the module's migrate (which then marks 000 ran).
 * <p>
 * Shapes ({@link Scheme}):
 * <ul>
 * <li>{@code BY_ID}: events PARTITION BY RANGE (id), primary key (id), event_embeddings with its
 *     foreign key to events (ON DELETE CASCADE). Leaves: events_p0 [MINVALUE, 1000), events_p1
 *     [1000, 3000) itself PARTITION BY RANGE (id) into events_p1_a [1000, 2000) and events_p1_b
 *     [2000, 3000), and events_default (DEFAULT: ids from 3000 up).</li>
 * <li>{@code BY_CREATED_AT}: events PARTITION BY RANGE (created_at), primary key (id, created_at)
 *     (a partitioned table's unique key must contain the partition key, so events.id alone is not
 *     keyed and event_embeddings has no foreign key). With D = {@link #DAY} (a fixed day, so moves
 *     are reproducible): events_old [MINVALUE, D - 30 days), events_recent [D - 30 days, D + 30 days)
 *     PARTITION BY RANGE (created_at) into events_recent_a [.., D) and events_recent_b [D, ..), and
 *     events_default (DEFAULT: from D + 30 days). New rows get created_at = D + 1 hour by default,
 *     so they land in events_recent_b whatever today is.</li>
 * </ul>
 * With {@code embeddingsPartitioned}, event_embeddings is PARTITION BY HASH (event_id) into
 * event_embeddings_h0 and event_embeddings_h1 (modulus 2), else a plain table.
 * Ids come from an identity on events; a row inserted naming a partition must give its id (before
 * PostgreSQL 17 a partition does not share its parent's identity): use {@link #nextId()}.
 */
public record PartitionedSchema(TestDatabase db, Scheme scheme, boolean embeddingsPartitioned) {

    public enum Scheme { BY_ID, BY_CREATED_AT }

    /** The fixed day the BY_CREATED_AT bounds are drawn around (timestamptz literal, UTC). */
    public static final String DAY = "2026-06-15 00:00:00+00";

    /** Creates both tables (neither may exist yet) and their partitions; returns the handle. */
    public static PartitionedSchema create(TestDatabase db, Scheme scheme, boolean embeddingsPartitioned) {
        PartitionedSchema s = new PartitionedSchema(db, scheme, embeddingsPartitioned);
        s.createEvents();
        s.createEmbeddings();
        return s;
    }

    /** True when event_embeddings has a foreign key to events (BY_ID only). */
    public boolean foreignKey() {
        return scheme == Scheme.BY_ID;
    }

    private void createEvents() {
        AppTables events = AppTables.events().appColumns();
        if (scheme == Scheme.BY_ID) {
            events.partitionBy("RANGE (id)", "id")
                    .partition("events_p0", "FOR VALUES FROM (MINVALUE) TO (1000)")
                    .partition("events", "events_p1", "FOR VALUES FROM (1000) TO (3000)", "RANGE (id)")
                    .partition("events_p1", "events_p1_a", "FOR VALUES FROM (1000) TO (2000)", null)
                    .partition("events_p1", "events_p1_b", "FOR VALUES FROM (2000) TO (3000)", null);
        } else {
            events.defaultOf("created_at", "'" + DAY + "'::timestamptz + interval '1 hour'")
                    .partitionBy("RANGE (created_at)", "id, created_at")
                    .partition("events_old", "FOR VALUES FROM (MINVALUE) TO (" + at(-30) + ")")
                    .partition("events", "events_recent", "FOR VALUES FROM (" + at(-30) + ") TO (" + at(30) + ")", "RANGE (created_at)")
                    .partition("events_recent", "events_recent_a", "FOR VALUES FROM (" + at(-30) + ") TO (" + at(0) + ")", null)
                    .partition("events_recent", "events_recent_b", "FOR VALUES FROM (" + at(0) + ") TO (" + at(30) + ")", null);
        }
        events.partition("events_default", "DEFAULT").create(db);
    }

    /** A timestamptz literal {@code days} days from {@link #DAY}. */
    public static String at(int days) {
        return "'" + java.time.OffsetDateTime.parse(DAY.replace(' ', 'T').replace("+00", "Z")).plusDays(days) + "'";
    }

    private void createEmbeddings() {
        AppTables embeddings = AppTables.embeddings();
        if (!foreignKey()) {
            embeddings.withoutForeignKey();
        }
        if (embeddingsPartitioned) {
            embeddings.partitionBy("HASH (event_id)", "event_id, embedding_model, chunk_index")
                    .partition("event_embeddings_h0", "FOR VALUES WITH (MODULUS 2, REMAINDER 0)")
                    .partition("event_embeddings_h1", "FOR VALUES WITH (MODULUS 2, REMAINDER 1)");
        }
        embeddings.create(db);
    }

    /** CREATE TABLE {@code name} PARTITION OF {@code parent} {@code bound} (bound: "FOR VALUES ..." or "DEFAULT"). */
    public void addPartition(String parent, String name, String bound) {
        db.execute("CREATE TABLE public." + name + " PARTITION OF public." + parent + " " + bound);
    }

    /** The leaf partitions of {@code table} (events or event_embeddings), sorted by name; the table itself when not partitioned. */
    public List<String> leaves(String table) {
        return leaves(db, table);
    }

    /** As {@link #leaves(String)}, for any database. */
    public static List<String> leaves(TestDatabase db, String table) {
        return db.queryStrings("SELECT relid::regclass::text FROM pg_partition_tree('public." + table + "') WHERE isleaf ORDER BY 1");
    }

    /** The leaf that holds event {@code id} now (null when no such event). */
    public String leafOf(long id) {
        return db.queryString("SELECT tableoid::regclass::text FROM public.events WHERE id = " + id);
    }

    /** The leaf of event_embeddings that holds the rows of event {@code id} (BY HASH: computed by routing a probe). */
    public String embeddingLeafOf(long id) {
        return db.queryString("SELECT tableoid::regclass::text FROM public.event_embeddings WHERE event_id = " + id + " LIMIT 1");
    }

    /** The next value of events' identity (for an insert that names a partition). */
    public long nextId() {
        return db.queryLong("SELECT nextval(pg_get_serial_sequence('public.events', 'id'))");
    }

    /**
     * For BY_ID, an unused id in the given events leaf's range (events_p0 [1, 1000), events_p1_a,
     * events_p1_b, events_default from 3000): one above the highest there. The identity is then moved
     * past every id, so later inserts through the parent never collide with it. For BY_CREATED_AT,
     * the identity's next value (the leaf is chosen by created_at).
     */
    public long idIn(String leaf) {
        if (scheme != Scheme.BY_ID) {
            return nextId();
        }
        long[] range = switch (leaf) {
            case "events_p0" -> new long[]{1, 1000};
            case "events_p1_a" -> new long[]{1000, 2000};
            case "events_p1_b" -> new long[]{2000, 3000};
            case "events_default" -> new long[]{3000, Long.MAX_VALUE};
            default -> throw new IllegalArgumentException(leaf);
        };
        long id = db.queryLong("SELECT coalesce(max(id) + 1, " + range[0] + ") FROM public.events WHERE id >= " + range[0]
                + " AND id < " + range[1]);
        if (id >= range[1]) {
            throw new IllegalStateException("no free id left in " + leaf);
        }
        db.queryLong("SELECT setval(pg_get_serial_sequence('public.events', 'id'), greatest(" + id
                + ", (SELECT coalesce(max(id), 1) FROM public.events), (SELECT last_value FROM " + "public.events_id_seq)))");
        return id;
    }

    /** A created_at literal that lands in the given events leaf for BY_CREATED_AT. */
    public static String createdIn(String leaf) {
        return switch (leaf) {
            case "events_old" -> at(-60);
            case "events_recent_a" -> at(-1);
            case "events_recent_b" -> at(1);
            case "events_default" -> at(60);
            default -> throw new IllegalArgumentException(leaf);
        };
    }

    /**
     * Inserts one event through the parent into the given leaf (by id for BY_ID, by created_at for
     * BY_CREATED_AT); returns its id.
     */
    public long eventIn(String leaf, String org, String text) {
        String o = org == null ? "NULL" : "'" + org + "'";
        String t = text == null ? "NULL" : "'" + text + "'";
        if (scheme == Scheme.BY_ID) {
            return db.queryLong("INSERT INTO public.events (id, organization_id, payload_text) VALUES (" + idIn(leaf) + ", " + o + ", " + t
                    + ") RETURNING id");
        }
        return db.queryLong("INSERT INTO public.events (organization_id, payload_text, created_at) VALUES (" + o + ", " + t + ", "
                + createdIn(leaf) + ") RETURNING id");
    }

    /** The SQL that inserts one event naming the leaf itself (id from {@link #idIn}/{@link #nextId}); RETURNING id. */
    public String insertNamingLeaf(String leaf, String org, String text) {
        String o = org == null ? "NULL" : "'" + org + "'";
        String t = text == null ? "NULL" : "'" + text + "'";
        if (scheme == Scheme.BY_ID) {
            return "INSERT INTO public." + leaf + " (id, organization_id, payload_text) VALUES (" + idIn(leaf) + ", " + o + ", " + t + ") RETURNING id";
        }
        return "INSERT INTO public." + leaf + " (id, organization_id, payload_text, created_at) VALUES (" + nextId() + ", " + o + ", " + t + ", "
                + createdIn(leaf) + ") RETURNING id";
    }

    /** The leaves of events in this scheme that {@link #eventIn} can target, in a fixed order. */
    public List<String> eventLeaves() {
        return scheme == Scheme.BY_ID
                ? List.of("events_p0", "events_p1_a", "events_p1_b", "events_default")
                : List.of("events_old", "events_recent_a", "events_recent_b", "events_default");
    }

    /** An UPDATE of the partition key through the parent, and the event's id after it (BY_ID changes the id). */
    public record Move(String sql, long newId) {
    }

    /** The UPDATE that moves event {@code id} to another leaf through the parent (not run yet). */
    public Move moveTo(long id, String leaf) {
        if (scheme == Scheme.BY_ID) {
            long to = idIn(leaf);
            return new Move("UPDATE public.events SET id = " + to + " WHERE id = " + id, to);
        }
        return new Move("UPDATE public.events SET created_at = " + createdIn(leaf) + " WHERE id = " + id, id);
    }

    /** Moves event {@code id} to {@code leaf} through the parent; returns its id afterwards. */
    public long move(long id, String leaf) {
        Move m = moveTo(id, leaf);
        db.execute(m.sql());
        return m.newId();
    }
}
