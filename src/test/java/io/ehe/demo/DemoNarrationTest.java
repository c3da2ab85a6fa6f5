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
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 28, 9: the pending-table demo's first step listed the column design's changeSets as "not
 * applied". The demo's own first command, run as the demo runs it, lists only its design's.
 *
 * A new user's trial: the pending-table narration said other than what it ran (a step titled "per
 * organization" over a query of the busiest one, a "re-embed" of an event never embedded, its own
 * VACUUM unsaid, a summary comparing different questions as if alike). The whole narration, run on a
 * small data set, is read here against the SQL each step prints and the state it shows.
 */
@ExtendWith(PostgresExtension.class)
class DemoNarrationTest {

    @Test
    void theFirstStepListsOnlyTheDemosDesign() throws Exception {
        String pending = firstStep("demo_first_pending", Design.PENDING_TABLE);
        assertThat(pending).contains("applied   000-baseline-tables").contains("not applied (beyond --count): 100-pending-table")
                .doesNotContain("has-embedding").doesNotContain("010-").doesNotContain("030-");
        String column = firstStep("demo_first_column", Design.COLUMN);
        assertThat(column).contains("not applied (beyond --count): 010-has-embedding-column").doesNotContain("pending-table");
    }

    @Test
    void thePendingTableNarrationSaysWhatItRuns() throws Exception {
        String out = capture(() -> Demo.runInProcess(PostgresServer.get().createDatabase("demo_narration_pending").urlWithCredentials(),
                2000, Design.PENDING_TABLE));

        String embed = step(out, "The app embeds a pending event");
        assertThat(embed).containsPattern("event \\d+ before: 0 embedding row\\(s\\) of bge-base-en-v1\\.5; its pending rows: \\(bge-base-en-v1\\.5, org-\\d+\\)")
                .containsPattern("event \\d+ after: 2 embedding row\\(s\\) of bge-base-en-v1\\.5; its pending rows: none");

        String discovery = step(out, "the busiest organization among the newest 5,000 pending rows of the model, then that organization's newest 100");
        assertThat(discovery).contains("ORDER BY created_at DESC, event_id DESC LIMIT 5000")
                .contains("GROUP BY organization_id ORDER BY count(*) DESC LIMIT 1");
        Matcher org = Pattern.compile("and that organization's \\((org-\\d+)\\) newest 100 to embed:").matcher(discovery);
        assertThat(org.find()).as("the second query names the organization the first one found").isTrue();
        assertThat(discovery.substring(org.end())).contains("organization_id = '" + org.group(1) + "'");

        String modelChange = step(out, "A model change");
        assertThat(modelChange.indexOf("the demo runs no VACUUM of its own"))
                .as("what the module's VACUUM left is said before the plan that shows it").isNotNegative()
                .isLessThan(modelChange.indexOf("Index Only Scan"));
        assertThat(out).doesNotContain("the demo's own VACUUM");

        String summary = step(out, "Summary (pending-table design)");
        assertThat(summary).contains("old query: count per organization of the events with text and no embedding row of any model")
                .contains("new query: the busiest organization among the newest 5,000 pending rows of bge-base-en-v1.5")
                .contains("new query: that organization's (" + org.group(1) + ") newest 100")
                .doesNotContain("all orgs");
    }

    /** The body of the step whose title contains {@code title}, title included; fails if no step or two have it. */
    private static String step(String out, String title) {
        String[] steps = out.split("\n== ");
        String[] found = Arrays.stream(steps).filter(s -> s.lines().findFirst().orElse("").contains(title)).toArray(String[]::new);
        assertThat(found).as("one step titled with: " + title).hasSize(1);
        return found[0];
    }

    private interface Body {
        void run() throws Exception;
    }

    private static synchronized String capture(Body body) throws Exception {
        PrintStream old = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8)) {
            System.setOut(o);
            body.run();
        } finally {
            System.setOut(old);
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    private static String firstStep(String name, Design design) throws Exception {
        TestDatabase db = PostgresServer.get().createDatabase(name);
        return capture(() -> assertThat(Main.run(Demo.baselineArgs(design, db.urlWithCredentials()))).isZero());
    }
}
