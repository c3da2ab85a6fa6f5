package io.ehe.migration;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What squawk (run by `mvn verify`, see .squawk.toml) must be told about each changelog file and
 * cannot find out itself: it assumes every file runs in one transaction, as Liquibase runs a
 * changeSet unless it says otherwise.
 */
class ChangelogLintHintsTest {

    private static final Path CHANGES = Path.of("changelog", "changes");

    private static List<Path> changeFiles() throws IOException {
        try (Stream<Path> files = Files.list(CHANGES)) {
            return files.filter(p -> p.toString().endsWith(".sql")).sorted().toList();
        }
    }

    private static long changeSets(String sql) {
        return sql.lines().filter(l -> l.startsWith("--changeset")).count();
    }

    @Test
    void aChangeSetOutsideATransactionTellsSquawk() throws IOException {
        assertThat(changeFiles()).isNotEmpty();
        for (Path file : changeFiles()) {
            String sql = Files.readString(file);
            if (sql.contains("runInTransaction:false")) {
                // Otherwise squawk judges statements that each commit on their own as if one rolled back all.
                assertThat(sql).as(file + " runs outside a transaction").contains("-- squawk-disable-assume-in-transaction");
            }
        }
    }

    @Test
    void aFileWideIgnoreCoversOneChangeSet() throws IOException {
        for (Path file : changeFiles()) {
            String sql = Files.readString(file);
            if (sql.contains("squawk-ignore-file")) {
                // The released changeSets keep their ignores above them (a comment in the body changes the
                // checksum); a second changeSet in the same file would be silenced too without anyone deciding so.
                assertThat(changeSets(sql)).as(file + " has a file-wide squawk ignore").isEqualTo(1);
            }
        }
    }
}
