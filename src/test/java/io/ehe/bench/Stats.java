package io.ehe.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** Median and p95 (nearest rank) of a list of measurements in milliseconds. */
record Stats(int n, double median, double p95, double p99, double max) {

    static Stats of(List<Double> values) {
        if (values.isEmpty()) {
            return new Stats(0, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
        }
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        return new Stats(sorted.size(), percentile(sorted, 50), percentile(sorted, 95), percentile(sorted, 99),
                sorted.get(sorted.size() - 1));
    }

    private static double percentile(List<Double> sorted, double p) {
        int rank = (int) Math.ceil(p / 100.0 * sorted.size());
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, rank - 1)));
    }

    static String ms(double v) {
        if (Double.isNaN(v)) {
            return "n/a";
        }
        if (v >= 10_000) {
            return String.format("%.1f s", v / 1000);
        }
        if (v >= 100) {
            return String.format("%.0f ms", v);
        }
        if (v >= 1) {
            return String.format("%.1f ms", v);
        }
        return String.format("%.3f ms", v);
    }

    String medianP95() {
        return ms(median) + " / " + ms(p95);
    }
}
