package io.ehe.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ehe.testing.DataSet;
import io.ehe.testing.Migrations;
import io.ehe.testing.PostgresExtension;
import io.ehe.testing.PostgresServer;
import io.ehe.testing.TestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * New-user trial, finding 3: status printed "pending table ready: yes" and then exit 5 for a reader
 * role's missing privilege. The first line is now the answer, then one "not ready:" line per reason,
 * and no line below says "ready" on its own.
 */
@ExtendWith(PostgresExtension.class)
class StatusVerdictTest {

    private static final String READER = "ehe_verdict_reader";

    @Test
    void theFirstLineIsTheVerdictAndNoDesignLineContradictsIt() throws Exception {
        TestDatabase db = PostgresServer.get().createDatabase("status_verdict");
        String url = db.urlWithCredentials();
        Migrations.baselineOnly(db);
        DataSet.ofSize(300).load(db);
        db.execute("DROP ROLE IF EXISTS " + READER, "CREATE ROLE " + READER);
        try {
            assertThat(Cli.run("migrate", "--url", url, "--design", "pending-table", "--reader-role", READER).exit()).isZero();
            assertThat(Cli.run("backfill", "--url", url).exit()).isZero();
            Cli.Result ready = Cli.run("status", "--url", url);
            assertThat(ready.exit()).as(ready.toString()).isEqualTo(ExitCodes.OK);
            List<String> lines = ready.out().lines().toList();
            assertThat(lines.get(0)).isEqualTo("ready for the scheduler: yes");
            assertThat(lines).noneMatch(l -> l.startsWith("not ready:")).contains("pending table kept and filled: yes");

            db.execute("REVOKE SELECT ON public.event_embedding_pending FROM " + READER);
            Cli.Result notReady = Cli.run("status", "--url", url);
            assertThat(notReady.exit()).as(notReady.toString()).isEqualTo(ExitCodes.NOT_READY);
            lines = notReady.out().lines().toList();
            assertThat(lines.get(0)).isEqualTo("ready for the scheduler: no");
            assertThat(lines.get(1)).startsWith("not ready: reader role " + READER + " lacks SELECT ON public.event_embedding_pending");
            assertThat(lines.stream().filter(l -> l.startsWith("not ready:"))).hasSize(1);
            // The design's own checks passed, and its line says what they checked, not "ready".
            assertThat(lines).contains("pending table kept and filled: yes")
                    .noneMatch(l -> l.matches("(?i).*\\bready\\b[^:]*: yes.*"));

            JsonNode json = new ObjectMapper().readTree(Cli.run("status", "--json", "--url", url).out());
            assertThat(json.path("ready").isBoolean()).isTrue();
            assertThat(json.path("ready").asBoolean()).isFalse();
            assertThat(json.path("notReadyBecause").get(0).asText()).startsWith("reader role " + READER + " lacks");
        } finally {
            db.execute("DROP OWNED BY " + READER, "DROP ROLE IF EXISTS " + READER);
        }
    }
}
