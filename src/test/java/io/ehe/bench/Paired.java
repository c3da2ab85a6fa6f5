package io.ehe.bench;

import java.util.ArrayList;
import java.util.List;

/**
 * A ratio that run-to-run noise cannot flip: each measured run divided by its own baseline taken right
 * next to it (same round, same copy), then the median of those per-pair ratios and their range. A
 * ratio of two medians lets a slow baseline run in one place and a fast measured run in another
 * decide a goal; a per-pair ratio cancels whatever both runs of a pair shared.
 */
record Paired(int n, double median, double min, double max) {

    /** {@code measured.get(i) / baseline.get(i)} for every i. */
    static Paired of(List<Double> measured, List<Double> baseline) {
        if (measured.size() != baseline.size()) {
            throw new IllegalArgumentException(measured.size() + " measured runs but " + baseline.size() + " baselines");
        }
        List<Double> ratios = new ArrayList<>();
        for (int i = 0; i < measured.size(); i++) {
            ratios.add(measured.get(i) / baseline.get(i));
        }
        return ofRatios(ratios);
    }

    static Paired ofRatios(List<Double> ratios) {
        if (ratios.isEmpty()) {
            return new Paired(0, Double.NaN, Double.NaN, Double.NaN);
        }
        double min = ratios.stream().mapToDouble(Double::doubleValue).min().orElseThrow();
        double max = ratios.stream().mapToDouble(Double::doubleValue).max().orElseThrow();
        return new Paired(ratios.size(), Stats.of(ratios).median(), min, max);
    }

    /** "4.47x (4.1–4.9x)"; big ratios without decimals. */
    String text() {
        return x(median) + " (" + x(min) + "–" + x(max) + ")";
    }

    static String x(double v) {
        if (Double.isNaN(v)) {
            return "n/a";
        }
        return v >= 100 ? String.format(java.util.Locale.ROOT, "%.0fx", v)
                : v >= 10 ? String.format(java.util.Locale.ROOT, "%.1fx", v)
                : String.format(java.util.Locale.ROOT, "%.2fx", v);
    }
}
