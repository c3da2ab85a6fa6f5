package io.ehe.design.pending;

import io.ehe.testing.PartitionedSchema;
import io.ehe.testing.PostgresExtension;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@link PartitionedPendingContract} on events partitioned by created_at (no foreign key): see {@link PartitionedSchema.Scheme#BY_CREATED_AT}. */
@ExtendWith(PostgresExtension.class)
class PartitionedByCreatedAtPendingTest extends PartitionedPendingContract {

    @Override
    PartitionedSchema.Scheme scheme() {
        return PartitionedSchema.Scheme.BY_CREATED_AT;
    }
}
