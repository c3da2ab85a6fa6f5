package io.ehe.design.pending;

import io.ehe.cli.ExitCodes;
import io.ehe.testing.PostgresExtension;
import io.ehe.testing.InProcessCli;
import io.ehe.testing.InProcessCli.Run;
import io.ehe.testing.TestDatabase;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * New-user trial, finding 5: {@code configure --chunk-column none} given alone reset the rest of the
 * installed question (the model and superseded columns, the targets) to the seed's. A column option
 * without --semantics changes that column of the installed question and nothing else; the confirmation
 * rules stay: a different question needs --change-question (exit 13 without it, nothing changed) and
 * --dry-run says what would change.
 */
@ExtendWith(PostgresExtension.class)
class ConfigureOneColumnTest {

    @BeforeAll
    static void appQuestionWithTwoReadyTargets(TestDatabase db) {
        AppSchema.install(db, "m1", "m2");
        AppSchema.fill(db, 5, 1000, "m1",
                "INSERT INTO event_embeddings (event_id, embedding_model, chunk_index) SELECT id, 'm2', 1 FROM events WHERE id % 3 = 0");
    }

    @Test
    void aColumnOptionAloneChangesOnlyThatColumnAndKeepsTheTargets(TestDatabase db) {
        String before = AppSchema.question(db);
        assertThat(before).isEqualTo("embedding_model,chunk_index,superseded_by,created_at | m1:ready,m2:ready");

        Run dry = run(db, "configure", "--chunk-column", "none", "--dry-run");
        assertThat(dry.exit()).as(dry.output()).isZero();
        assertThat(dry.output()).contains("to (embedded = a row of the target model (embedding_model); live = payload_text not empty, "
                        + "organization_id not NULL, superseded_by IS NULL; newest = created_at, then event_id)")
                .contains("targets m1, m2 would be filling").contains("nothing was changed");
        assertThat(AppSchema.question(db)).isEqualTo(before);

        Run refused = run(db, "configure", "--chunk-column", "none");
        assertThat(refused.exit()).as(refused.output()).isEqualTo(ExitCodes.NOT_CONFIRMED);
        assertThat(refused.output()).contains("--change-question").contains("nothing was changed");
        assertThat(AppSchema.question(db)).isEqualTo(before);

        Run done = run(db, "configure", "--chunk-column", "none", "--change-question");
        assertThat(done.exit()).as(done.output()).isZero();
        assertThat(AppSchema.question(db)).as("only the chunk column changed; the targets stay, filling for the new question")
                .isEqualTo("embedding_model,-,superseded_by,created_at | m1:filling,m2:filling");

        assertThat(AppSchema.cli(db, "backfill")).isZero();
        // m2's rows have chunk 1: under the new question they count, so only events without any m2 row stay pending for m2
        assertThat(db.queryLong("SELECT count(*) FROM event_embedding_pending WHERE model = 'm2'"))
                .isEqualTo(db.queryLong("SELECT count(*) FROM events e WHERE e.superseded_by IS NULL AND NOT EXISTS "
                        + "(SELECT 1 FROM event_embeddings x WHERE x.event_id = e.id AND x.embedding_model = 'm2')"));
    }

    private static Run run(TestDatabase db, String... args) {
        return InProcessCli.both(db, args);
    }
}
