package io.ehe.migration;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The rollback SQL of each changelog file as a file of its own, for squawk: in the changelog it sits
 * on `--rollback` lines, which any SQL linter reads as comments. Run by `mvn verify` (pom.xml) before
 * squawk: {@code RollbackScripts <changes dir> <rollback output dir> <forward output dir>}.
 *
 * Both copies have the schema parameters (ehe.schema, ehe.module_schema) replaced by their default,
 * public: squawk parses SQL, and a {@code ${...}} where a name stands is not SQL. The copy is the text
 * Liquibase runs on a default install, so squawk judges exactly that.
 */
public final class RollbackScripts {

    private static final String ROLLBACK = "--rollback";
    /** Liquibase's rollback markers that are not SQL: none needed, or another changeSet's rollback reused. */
    private static final Pattern NOT_SQL = Pattern.compile("(?i)\\s*(not required|empty|changeset(id|author|path):.*)\\s*");

    private RollbackScripts() {
    }

    /** The SQL that rolls back the changeSet(s) of one formatted SQL file, empty when there is none. */
    static List<String> of(List<String> changelogLines) {
        List<String> sql = new ArrayList<>();
        for (String line : changelogLines) {
            if (line.startsWith(ROLLBACK + " ") || line.equals(ROLLBACK)) {
                String statement = line.substring(Math.min(line.length(), ROLLBACK.length() + 1));
                if (!NOT_SQL.matcher(statement).matches()) {
                    sql.add(statement);
                }
            }
        }
        if (!sql.isEmpty() && changelogLines.stream().anyMatch(l -> l.startsWith("--changeset") && l.contains("runInTransaction:false"))) {
            // Liquibase rolls such a changeSet back outside a transaction too; squawk assumes one otherwise (.squawk.toml).
            sql.add(0, "-- squawk-disable-assume-in-transaction");
        }
        return sql;
    }

    /** The line with the schema parameters at their defaults. */
    static String withDefaultSchemas(String line) {
        return line.replace("${ehe.module_schema}", "public").replace("${ehe.schema}", "public");
    }

    public static void main(String[] args) throws IOException {
        Path changes = Path.of(args[0]);
        Path out = Path.of(args[1]);
        Path forward = Path.of(args[2]);
        Files.createDirectories(out);
        Files.createDirectories(forward);
        try (Stream<Path> files = Files.list(changes)) {
            for (Path file : files.filter(p -> p.toString().endsWith(".sql")).sorted().toList()) {
                List<String> lines = Files.readAllLines(file).stream().map(RollbackScripts::withDefaultSchemas).toList();
                Files.write(forward.resolve(file.getFileName()), lines);
                List<String> sql = of(lines);
                Path target = out.resolve(file.getFileName().toString().replaceFirst("\\.sql$", ".rollback.sql"));
                if (sql.isEmpty()) {
                    Files.deleteIfExists(target);
                } else {
                    List<String> script = new ArrayList<>();
                    script.add("-- The --rollback lines of " + file + ", for squawk (see pom.xml).");
                    script.addAll(sql);
                    Files.write(target, script);
                }
            }
        }
    }
}
