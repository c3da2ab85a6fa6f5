package io.ehe.demo;

import io.ehe.catalog.Design;
import io.ehe.cli.Main;
import io.ehe.testing.PostgresExtension;
import io.ehe.testing.PostgresServer;
import io.ehe.testing.TestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 28, 9: the pending-table demo's first step listed the column design's changeSets as "not
 * applied". The demo's own first command, run as the demo runs it, lists only its design's.
 */
@ExtendWith(PostgresExtension.class)
class DemoNarrationTest {

    @Test
    void theFirstStepListsOnlyTheDemosDesign() {
        String pending = firstStep("demo_first_pending", Design.PENDING_TABLE);
        assertThat(pending).contains("applied   000-baseline-tables").contains("not applied (beyond --count): 100-pending-table")
                .doesNotContain("has-embedding").doesNotContain("010-").doesNotContain("030-");
        String column = firstStep("demo_first_column", Design.COLUMN);
        assertThat(column).contains("not applied (beyond --count): 010-has-embedding-column").doesNotContain("pending-table");
    }

    private static synchronized String firstStep(String name, Design design) {
        TestDatabase db = PostgresServer.get().createDatabase(name);
        PrintStream old = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8)) {
            System.setOut(o);
            assertThat(Main.run(Demo.baselineArgs(design, db.urlWithCredentials()))).isZero();
        } finally {
            System.setOut(old);
        }
        return out.toString(StandardCharsets.UTF_8);
    }
}
