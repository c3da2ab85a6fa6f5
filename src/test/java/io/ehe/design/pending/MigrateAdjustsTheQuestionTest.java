package io.ehe.design.pending;

import io.ehe.testing.InProcessCli;
import io.ehe.testing.InProcessCli.Run;
import io.ehe.testing.PostgresExtension;
import io.ehe.testing.TestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * migrate takes configure's options and now means by them what configure does (a new-user trial): on an
 * installed app question, {@code --target-model m3} alone adds a target (it was refused: "--target-model
 * needs --model-column", measured against the seed's question), and {@code --chunk-column none} changes
 * that column only, keeping the other columns and the targets (it reset them to the seed's, then status
 * said ready with no row for the model the scheduler reads).
 */
@ExtendWith(PostgresExtension.class)
class MigrateAdjustsTheQuestionTest {

    @Test
    void migrateOptionsAdjustTheInstalledQuestionAsConfiguresDo(TestDatabase db) {
        AppSchema.install(db, "m1", "m2");
        AppSchema.fill(db, 5, 300, "m1");

        Run added = InProcessCli.both(db, "migrate", "--design", "pending-table", "--target-model", "m3", "--new-model");
        assertThat(added.exit()).as(added.output()).isZero();
        assertThat(AppSchema.question(db)).isEqualTo("embedding_model,chunk_index,superseded_by,created_at | m1:ready,m2:ready,m3:filling");
        assertThat(AppSchema.cli(db, "backfill")).isZero();

        Run dry = InProcessCli.both(db, "migrate", "--chunk-column", "none", "--dry-run");
        assertThat(dry.exit()).as(dry.output()).isZero();
        assertThat(dry.output()).contains("live = payload_text not empty, organization_id not NULL, superseded_by IS NULL")
                .contains("targets m1, m2, m3 would be filling");

        Run done = InProcessCli.both(db, "migrate", "--chunk-column", "none", "--change-question");
        assertThat(done.exit()).as(done.output()).isZero();
        assertThat(AppSchema.question(db)).as("only the chunk column changed; the targets stay, filling for the new question")
                .isEqualTo("embedding_model,-,superseded_by,created_at | m1:filling,m2:filling,m3:filling");
    }
}
