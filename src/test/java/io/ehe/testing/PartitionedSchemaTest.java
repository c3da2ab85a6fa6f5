package io.ehe.testing;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import static org.assertj.core.api.Assertions.assertThat;

/** The fixture builds what its docstring says: the leaves, and rows routed where its helpers aim them. */
@ExtendWith(PostgresExtension.class)
class PartitionedSchemaTest {

    @Test
    void bothSchemesRouteRowsToTheNamedLeaves(TestDatabase db) {
        for (PartitionedSchema.Scheme scheme : PartitionedSchema.Scheme.values()) {
            db.execute("DROP TABLE IF EXISTS public.event_embeddings, public.events");
            PartitionedSchema s = PartitionedSchema.create(db, scheme, true);
            assertThat(s.leaves("events")).containsExactlyInAnyOrderElementsOf(s.eventLeaves());
            assertThat(s.leaves("event_embeddings")).containsExactly("event_embeddings_h0", "event_embeddings_h1");
            for (String leaf : s.eventLeaves()) {
                long id = s.eventIn(leaf, "o", "t");
                assertThat(s.leafOf(id)).as("%s %s", scheme, leaf).isEqualTo(leaf);
                long named = db.queryLong(s.insertNamingLeaf(leaf, "o", "t"));
                assertThat(s.leafOf(named)).isEqualTo(leaf);
                db.execute("INSERT INTO events (organization_id, payload_text) VALUES ('o', 'through the identity')");
                db.execute("INSERT INTO event_embeddings (event_id) VALUES (" + named + ")");
            }
            long id = s.eventIn(s.eventLeaves().get(0), "o", "t");
            long moved = s.move(id, s.eventLeaves().get(2));
            assertThat(s.leafOf(moved)).isEqualTo(s.eventLeaves().get(2));
            assertThat(db.queryLong("SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND conparentid = 0 AND conrelid = 'public.event_embeddings'::regclass"))
                    .isEqualTo(s.foreignKey() ? 1 : 0);
        }
    }
}
