package io.ehe.catalog;

import io.ehe.catalog.Partitioning.Node;
import io.ehe.catalog.Partitioning.Tree;
import io.ehe.testing.PartitionedSchema;
import io.ehe.testing.PostgresExtension;
import io.ehe.testing.TestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.sql.Connection;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The one catalog reader of partitioning on the shapes it meets (issue 26): an absent table, a plain one,
 * a range-partitioned events with a sub-partitioned partition and a DEFAULT one (and a DEFAULT below the
 * sub-partitioned one), a hash-partitioned event_embeddings; its leaves, sizes and row estimates against
 * pg_class and pg_relation_size read directly.
 */
@ExtendWith(PostgresExtension.class)
class PartitioningTreeTest {

    @Test
    void anAbsentTableHasAnEmptyTreeAndAPlainTableIsItsOwnLeaf(TestDatabase db) throws Exception {
        db.execute("DROP TABLE IF EXISTS public.event_embeddings, public.events, public.plain",
                "CREATE TABLE public.plain (id bigint)", "INSERT INTO public.plain SELECT g FROM generate_series(1, 500) g", "ANALYZE public.plain");
        try (Connection c = db.open()) {
            Tree absent = Partitioning.treeWithSizes(c, "events");
            assertThat(absent.exists()).isFalse();
            assertThat(absent.partitioned()).isFalse();
            assertThat(absent.heapBytes()).isZero();
            assertThat(absent.estimatedRows()).isZero();
            assertThat(Partitioning.of(c)).isEqualTo(new Partitioning(false, false));

            Tree plain = Partitioning.treeWithSizes(c, "plain");
            assertThat(plain.partitioned()).isFalse();
            assertThat(plain.nodes()).extracting(Node::name).containsExactly("plain");
            assertThat(plain.leaves()).isEqualTo(plain.nodes());
            assertThat(plain.nodes().get(0).level()).isZero();
            assertThat(plain.nodes().get(0).parentOid()).isZero();
            assertThat(plain.defaults()).isEmpty();
            assertThat(plain.subPartitioned()).isEmpty();
            assertThat(plain.heapBytes()).isEqualTo(db.queryLong("SELECT pg_relation_size('public.plain')")).isPositive();
            assertThat(plain.estimatedRows()).isEqualTo(500);
            assertThat(Partitioning.tree(c, "plain").heapBytes()).as("sizes only when asked").isZero();
        }
    }

    @Test
    void aPartitionedTableWithASubPartitionedAndDefaultPartitions(TestDatabase db) throws Exception {
        db.execute("DROP TABLE IF EXISTS public.event_embeddings, public.events, public.plain");
        PartitionedSchema s = PartitionedSchema.create(db, PartitionedSchema.Scheme.BY_ID, true);
        s.addPartition("events_p1", "events_p1_default", "DEFAULT");
        for (String leaf : s.eventLeaves()) {
            s.eventIn(leaf, "o", "text");
        }
        db.execute("ANALYZE public.events", "ANALYZE public.event_embeddings");
        try (Connection c = db.open()) {
            assertThat(Partitioning.of(c)).isEqualTo(new Partitioning(true, true));
            Tree events = Partitioning.treeWithSizes(c, "events");
            assertThat(events.partitioned()).isTrue();
            assertThat(events.nodes()).extracting(Node::name)
                    .containsExactly("events", "events_default", "events_p0", "events_p1", "events_p1_a", "events_p1_b", "events_p1_default");
            assertThat(events.nodes()).extracting(Node::level).containsExactly(0, 1, 1, 1, 2, 2, 2);
            assertThat(events.leaves()).extracting(Node::name)
                    .containsExactlyInAnyOrderElementsOf(PartitionedSchema.leaves(db, "events"));
            assertThat(events.defaults()).extracting(Node::name).containsExactly("events_default", "events_p1_default");
            assertThat(events.subPartitioned()).extracting(Node::name).containsExactly("events_p1");
            Node p1 = events.subPartitioned().get(0);
            assertThat(events.nodes().stream().filter(n -> n.parentOid() == p1.oid()).map(Node::name).toList())
                    .containsExactly("events_p1_a", "events_p1_b", "events_p1_default");
            assertThat(events.nodes().get(0).schema()).isEqualTo("public");
            assertThat(events.heapBytes()).isPositive().isEqualTo(db.queryLong(
                    "SELECT sum(pg_relation_size(relid))::bigint FROM pg_partition_tree('public.events') WHERE isleaf"));
            assertThat(events.estimatedRows()).isEqualTo(db.queryLong("SELECT count(*) FROM public.events"));
            assertThat(events.nodes().get(0).heapBytes()).as("a partitioned table has no storage").isZero();

            Tree embeddings = Partitioning.tree(c, "event_embeddings");
            assertThat(embeddings.partitioned()).isTrue();
            assertThat(embeddings.leaves()).extracting(Node::name).containsExactly("event_embeddings_h0", "event_embeddings_h1");
            assertThat(embeddings.defaults()).isEmpty();
            assertThat(embeddings.subPartitioned()).isEmpty();
            List<Node> leaves = events.leaves();
            assertThat(leaves).allMatch(n -> n.kind() == 'r');
        }
    }
}
