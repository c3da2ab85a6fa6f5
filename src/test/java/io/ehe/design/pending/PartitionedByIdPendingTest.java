package io.ehe.design.pending;

import io.ehe.testing.PartitionedSchema;
import io.ehe.testing.PostgresExtension;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@link PartitionedPendingContract} on events partitioned by id (with the foreign key): see {@link PartitionedSchema.Scheme#BY_ID}. */
@ExtendWith(PostgresExtension.class)
class PartitionedByIdPendingTest extends PartitionedPendingContract {

    @Override
    PartitionedSchema.Scheme scheme() {
        return PartitionedSchema.Scheme.BY_ID;
    }
}
