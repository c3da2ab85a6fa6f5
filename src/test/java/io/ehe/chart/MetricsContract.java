package io.ehe.chart;

import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the shipped postgres_exporter queries file exports (chart/files/postgres-exporter-queries.yaml:
 * a metric is named {@code <query>_<column>}, a LABEL column is a label), and the metric and label names a
 * PromQL expression uses, so the alerts and the dashboard can be held to that contract.
 */
final class MetricsContract {

    static final Path QUERIES = Chart.DIR.resolve("files/postgres-exporter-queries.yaml");
    /** postgres_exporter's own figure and the scrape's: not in the queries file, but always there. */
    static final Set<String> EXPORTER_METRICS = Set.of("pg_up", "up");
    /** Labels a scrape or the exporter adds to every series (target labels, postgres_exporter's server). */
    static final Set<String> TARGET_LABELS = Set.of("job", "instance", "server", "namespace", "pod", "service");

    private static final Set<String> KEYWORDS = Set.of("and", "or", "unless", "bool", "offset", "by", "without", "on",
            "ignoring", "group_left", "group_right", "inf", "nan", "atan2");

    private MetricsContract() {
    }

    /** Every metric the queries file exports, e.g. ehe_model_pending_pairs. */
    static Set<String> exportedMetrics() {
        Set<String> names = new TreeSet<>();
        forEachColumn((metric, usage) -> {
            if (!"LABEL".equals(usage)) {
                names.add(metric);
            }
        });
        return names;
    }

    /** Every label column of the queries file (model, design). */
    static Set<String> exportedLabels() {
        Set<String> labels = new TreeSet<>();
        forEachColumn((metric, usage) -> {
            if ("LABEL".equals(usage)) {
                labels.add(metric.substring(metric.lastIndexOf("_") + 1));
            }
        });
        return labels;
    }

    private interface ColumnVisitor {
        void visit(String metricOrLabel, String usage);
    }

    private static void forEachColumn(ColumnVisitor visitor) {
        Map<String, Object> file;
        try {
            file = Chart.map(new Yaml(new SafeConstructor(new LoaderOptions())).load(Files.readString(QUERIES)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        for (var query : file.entrySet()) {
            for (Map<String, Object> column : Chart.list(Chart.map(query.getValue()).get("metrics"))) {
                for (var c : column.entrySet()) {
                    String usage = String.valueOf(Chart.map(c.getValue()).get("usage"));
                    // a label is named by its column alone; a metric by <query>_<column>
                    visitor.visit("LABEL".equals(usage) ? "label_" + c.getKey() : query.getKey() + "_" + c.getKey(), usage);
                }
            }
        }
    }

    private static final Pattern STRING = Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*'|`[^`]*`");
    private static final Pattern MATCHERS = Pattern.compile("\\{[^}]*}");
    private static final Pattern RANGE = Pattern.compile("\\[[^]]*]");
    private static final Pattern GROUPING = Pattern.compile("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\(([^)]*)\\)");
    private static final Pattern IDENTIFIER = Pattern.compile("(?<![\\w.:$])([A-Za-z_:][\\w:]*+)(?!\\s*\\()");
    private static final Pattern LABEL_VALUES = Pattern.compile("^\\s*label_values\\((.*),\\s*(\\w+)\\s*\\)\\s*$", Pattern.DOTALL);

    /**
     * The metric names a PromQL expression selects: identifiers left once strings, label matchers, ranges
     * and grouping clauses are removed, that are neither function calls, keywords nor numbers. Grafana's
     * {@code label_values(expr, label)} is read as its expression.
     */
    static Set<String> metricNames(String promql) {
        Matcher lv = LABEL_VALUES.matcher(promql);
        String expr = lv.matches() ? lv.group(1) : promql;
        expr = STRING.matcher(expr).replaceAll(" ");
        expr = MATCHERS.matcher(expr).replaceAll(" ");
        expr = RANGE.matcher(expr).replaceAll(" ");
        expr = GROUPING.matcher(expr).replaceAll(" ");
        Set<String> names = new LinkedHashSet<>();
        Matcher m = IDENTIFIER.matcher(expr);
        while (m.find()) {
            if (!KEYWORDS.contains(m.group(1).toLowerCase())) {
                names.add(m.group(1));
            }
        }
        return names;
    }

    /** The label names of a PromQL expression's grouping and matching clauses (by, without, on, ignoring), and label_values' label. */
    static Set<String> groupingLabels(String promql) {
        Set<String> labels = new LinkedHashSet<>();
        Matcher lv = LABEL_VALUES.matcher(promql);
        if (lv.matches()) {
            labels.add(lv.group(2));
        }
        Matcher m = GROUPING.matcher(STRING.matcher(promql).replaceAll(" "));
        while (m.find()) {
            for (String l : m.group(2).split(",")) {
                if (!l.isBlank()) {
                    labels.add(l.strip());
                }
            }
        }
        return labels;
    }

    /** Metric names of {@code promql} that the queries file does not export (nor postgres_exporter itself). */
    static List<String> unknownMetrics(String promql) {
        Set<String> known = exportedMetrics();
        return metricNames(promql).stream().filter(n -> !known.contains(n) && !EXPORTER_METRICS.contains(n)).toList();
    }

    /** Labels of {@code promql}'s clauses that no series has: neither a label column nor a target label. */
    static List<String> unknownLabels(String promql) {
        Set<String> known = exportedLabels();
        return groupingLabels(promql).stream().filter(l -> !known.contains(l) && !TARGET_LABELS.contains(l)).toList();
    }
}
