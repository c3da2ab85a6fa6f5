package io.ehe.backfill;

import io.ehe.cli.ExitCodes;
import io.ehe.cli.Main;
import io.ehe.testing.Migrations;
import io.ehe.testing.PostgresExtension;
import io.ehe.testing.TestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.sql.Connection;
import java.sql.Statement;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code verify --sample} checks a random subset of its block sample, so the table's end (the newest rows)
 * is sampled too. With 120 events and {@code --sample 100} the block sample is the whole table (1.5 times
 * the sample covers it); a plain LIMIT kept ids 1-100 in physical order and never saw 101-120.
 */
@ExtendWith(PostgresExtension.class)
class VerifySampleTest {

    static TestDatabase db;

    @Test
    void driftInTheNewestRowsIsFoundBySampledVerify() throws Exception {
        Migrations.baselineOnly(db);
        db.execute("INSERT INTO events (organization_id, payload_text) SELECT 'org-1', 'text ' || g FROM generate_series(1, 120) g",
                "INSERT INTO event_embeddings (event_id, chunk_index) SELECT id, 0 FROM events");
        Migrations.migrate(db, false);
        assertThat(cli("backfill")).isZero();
        assertThat(cli("verify", "--sample", "100")).isEqualTo(ExitCodes.OK);

        // The last 20 events lose their embeddings behind the triggers' back: has_embedding stays true.
        try (Connection c = db.open(); Statement st = c.createStatement()) {
            st.execute("SET session_replication_role = replica");
            st.execute("DELETE FROM event_embeddings WHERE event_id > 100");
        }
        // 100 of 120 rows drawn at random include none of the 20 with probability 1 / C(120, 20).
        assertThat(cli("verify", "--sample", "100")).as("sampled verify sees the table's end").isEqualTo(ExitCodes.DRIFT);
    }

    private static int cli(String... args) {
        String[] all = new String[args.length + 1];
        System.arraycopy(args, 0, all, 0, args.length);
        all[args.length] = "--url=" + db.urlWithCredentials();
        return Main.run(all);
    }
}
