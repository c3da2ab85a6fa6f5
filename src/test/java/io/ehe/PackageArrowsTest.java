package io.ehe;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The arrows between packages run one way (cli on top, the designs' choice, the designs, the walks and
 * readers, the catalog and db at the bottom): the import graph of src/main has no cycle. Read from the
 * sources' import lines, so a fully qualified name in code is not seen; the house style imports.
 * One exception, by contract: {@code io.ehe.backfill.BackfillMain} is an entry point whose class name
 * the chart and the README publish; it only hands its arguments to the CLI.
 */
class PackageArrowsTest {

    private static final Path MAIN = Path.of("src/main/java");
    private static final Pattern IMPORT = Pattern.compile("^import (?:static )?io\\.ehe\\.([a-z.]+?)\\.[A-Z]", Pattern.MULTILINE);
    private static final Set<String> ENTRY_POINTS = Set.of("io/ehe/backfill/BackfillMain.java");

    @Test
    void thePackageGraphHasNoCycle() throws IOException {
        Map<String, Set<String>> arrows = arrows();
        assertThat(arrows).isNotEmpty();
        List<String> cycles = new ArrayList<>();
        for (String from : arrows.keySet()) {
            for (String to : arrows.get(from)) {
                if (reaches(arrows, to, from, new HashSet<>())) {
                    cycles.add(from + " -> " + to + " -> ... -> " + from);
                }
            }
        }
        assertThat(cycles).as("package arrows must run one way").isEmpty();
    }

    @Test
    void theDesignValueSitsBelowWhatUsesIt() throws IOException {
        Map<String, Set<String>> arrows = arrows();
        assertThat(arrows.getOrDefault("catalog", Set.of())).as("catalog imports").isSubsetOf(Set.of("db"));
        assertThat(arrows.get("design.pending")).contains("catalog", "backfill", "status");
        assertThat(arrows.getOrDefault("migration", Set.of())).doesNotContain("design", "design.select", "design.pending", "design.column");
    }

    private static Map<String, Set<String>> arrows() throws IOException {
        Map<String, Set<String>> out = new HashMap<>();
        try (Stream<Path> files = Files.walk(MAIN)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                String rel = MAIN.relativize(f).toString().replace('\\', '/');
                if (ENTRY_POINTS.contains(rel)) {
                    continue;
                }
                String pkg = rel.substring("io/ehe/".length(), rel.lastIndexOf('/')).replace('/', '.');
                Matcher m = IMPORT.matcher(Files.readString(f));
                while (m.find()) {
                    if (!m.group(1).equals(pkg)) {
                        out.computeIfAbsent(pkg, k -> new TreeSet<>()).add(m.group(1));
                    }
                }
            }
        }
        return out;
    }

    private static boolean reaches(Map<String, Set<String>> arrows, String from, String target, Set<String> seen) {
        if (from.equals(target)) {
            return true;
        }
        if (!seen.add(from)) {
            return false;
        }
        for (String next : arrows.getOrDefault(from, Set.of())) {
            if (reaches(arrows, next, target, seen)) {
                return true;
            }
        }
        return false;
    }
}
