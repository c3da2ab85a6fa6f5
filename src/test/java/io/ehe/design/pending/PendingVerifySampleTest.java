package io.ehe.design.pending;

import io.ehe.cli.ExitCodes;
import io.ehe.testing.PostgresExtension;
import io.ehe.testing.TestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.sql.Connection;
import java.sql.Statement;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The pending-table design's {@code verify --sample} follows Verifier's rule: a random subset of the block
 * sample, so the newest rows are checked too (a plain LIMIT kept ids 1-100 of 120 in physical order).
 */
@ExtendWith(PostgresExtension.class)
class PendingVerifySampleTest {

    static TestDatabase db;

    @Test
    void driftInTheNewestRowsIsFoundBySampledVerify() throws Exception {
        AppSchema.install(db, "m1");
        AppSchema.fill(db, 3, 120, "m1");
        assertThat(AppSchema.cli(db, "verify", "--sample", "100")).isEqualTo(ExitCodes.OK);

        // Events 101-120 lose their m1 embeddings behind the triggers' back: 18 pairs missing from the pending table.
        try (Connection c = db.open(); Statement st = c.createStatement()) {
            st.execute("SET session_replication_role = replica");
            st.execute("DELETE FROM event_embeddings WHERE event_id > 100");
        }
        // 100 of 120 events drawn at random include none of the 18 with probability C(102, 100) / C(120, 100), about 2e-19.
        assertThat(AppSchema.cli(db, "verify", "--sample", "100")).as("sampled verify sees the table's end").isEqualTo(ExitCodes.DRIFT);
    }
}
