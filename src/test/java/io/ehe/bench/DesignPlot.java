package io.ehe.bench;

import io.ehe.bench.SchedulerQueries.Question;
import io.ehe.bench.SchedulerQueries.Variant;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * The scheduler's query times per design and backlog shape, as grouped bars on a log scale (the
 * figures span five orders of magnitude, so a linear axis would show only the anti-join). Plain SVG,
 * like {@link ProgressPlot}: no plotting library for a few rectangles.
 */
final class DesignPlot {

    private static final String[] COLOURS = {"#b2182b", "#ef8a62", "#2166ac", "#1b7837"};

    private DesignPlot() {
    }

    static void write(Path file, List<DesignQueryBench.ShapeResult> shapes) throws IOException {
        int groups = Question.values().length * shapes.size();
        int bars = Variant.values().length;
        int left = 70, right = 20, top = 60, bottom = 80, barW = 18, gap = 26;
        int groupW = bars * barW + gap;
        int w = left + right + groups * groupW, h = 430;
        double plotH = h - top - bottom;
        double lo = Math.log10(0.01), hi = Math.log10(10_000);
        StringBuilder svg = new StringBuilder();
        svg.append(String.format(Locale.ROOT, "<svg xmlns='http://www.w3.org/2000/svg' width='%d' height='%d' font-family='sans-serif' font-size='11'>%n", w, h));
        svg.append("<rect width='100%' height='100%' fill='white'/>\n");
        svg.append(String.format(Locale.ROOT, "<text x='%d' y='20' font-size='14'>Scheduler query, server execution time (median, log scale), per design and backlog shape</text>%n", left));
        int x = left;
        for (int i = 0; i < bars; i++) {
            String label = Variant.values()[i].label;
            svg.append(String.format(Locale.ROOT, "<rect x='%d' y='32' width='12' height='12' fill='%s'/><text x='%d' y='42'>%s</text>%n",
                    x, COLOURS[i], x + 16, escape(label)));
            x += 16 + label.length() * 6 + 24; // about 6 px per character at 11 px
        }
        for (int e = -2; e <= 4; e++) {
            double y = top + plotH - plotH * (e - lo) / (hi - lo);
            String label = e < 0 ? String.format(Locale.ROOT, "%s ms", e == -2 ? "0.01" : "0.1") : e < 3 ? String.format(Locale.ROOT, "%.0f ms", Math.pow(10, e))
                    : String.format(Locale.ROOT, "%.0f s", Math.pow(10, e - 3));
            svg.append(String.format(Locale.ROOT, "<line x1='%d' y1='%.0f' x2='%d' y2='%.0f' stroke='#ddd'/><text x='%d' y='%.0f' text-anchor='end'>%s</text>%n",
                    left, y, w - right, y, left - 6, y + 4, label));
        }
        svg.append(String.format(Locale.ROOT, "<line x1='%d' y1='%d' x2='%d' y2='%.0f' stroke='black'/>%n", left, top, left, top + plotH));
        int g = 0;
        for (Question q : Question.values()) {
            for (DesignQueryBench.ShapeResult s : shapes) {
                int gx = left + gap / 2 + g * groupW;
                for (int i = 0; i < bars; i++) {
                    double ms = s.time(q, Variant.values()[i]).median();
                    double v = Math.max(lo, Math.min(hi, Math.log10(Math.max(ms, 1e-3))));
                    double barH = plotH * (v - lo) / (hi - lo);
                    svg.append(String.format(Locale.ROOT, "<rect x='%d' y='%.1f' width='%d' height='%.1f' fill='%s'><title>%s, %s backlog, %s: %s</title></rect>%n",
                            gx + i * barW, top + plotH - barH, barW - 2, barH, COLOURS[i], escape(q.label), s.shape().label,
                            escape(Variant.values()[i].label), Stats.ms(ms)));
                }
                double cx = gx + bars * barW / 2.0;
                svg.append(String.format(Locale.ROOT, "<text x='%.0f' y='%.0f' text-anchor='middle'>%s</text>%n", cx, top + plotH + 14, s.shape().label));
                g++;
            }
            double cx = left + gap / 2.0 + (g - shapes.size()) * groupW + shapes.size() * groupW / 2.0 - gap / 2.0;
            String[] words = shortLabel(q).split("\n");
            for (int k = 0; k < words.length; k++) {
                svg.append(String.format(Locale.ROOT, "<text x='%.0f' y='%.0f' text-anchor='middle' font-weight='bold'>%s</text>%n", cx, top + plotH + 34 + 14 * k,
                        escape(words[k])));
            }
        }
        svg.append("</svg>\n");
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.writeString(file, svg.toString());
    }

    private static final String PANEL_BEGIN = "<g id='app-question'>";
    private static final String PANEL_END = "</g><!-- app-question end -->";
    private static final String[] APP_COLOURS = {"#ef8a62", "#1b7837", "#762a83", "#c2a5cf"};

    /**
     * Adds (or replaces) a second panel below the seed's-question panel already in {@code file}: the
     * app's two queries for every app contender ({@link AppContender}) on every backlog of
     * {@link HighWatermarkBench}, the model swap included. A run of the high-watermark part alone keeps
     * the first panel as the last full run drew it.
     */
    static void addAppPanel(Path file, HighWatermarkBench.Result r) throws IOException {
        String old = Files.exists(file) ? Files.readString(file) : "<svg xmlns='http://www.w3.org/2000/svg' width='0' height='0'>\n</svg>\n";
        int p0 = old.indexOf(PANEL_BEGIN);
        Integer baseH = null;
        if (p0 >= 0) {
            // A panel from an earlier run: drop it, and the height it added.
            java.util.regex.Matcher t = java.util.regex.Pattern.compile("translate\\(0,(\\d+)\\)").matcher(old.substring(p0));
            baseH = t.find() ? Integer.valueOf(t.group(1)) : null;
            old = old.substring(0, p0) + old.substring(old.indexOf(PANEL_END) + PANEL_END.length() + 1);
        }
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("<svg [^>]*width='(\\d+)' height='(\\d+)'[^>]*>").matcher(old);
        if (!m.find()) {
            throw new IOException(file + " is not an SVG this class wrote");
        }
        int oldW = Integer.parseInt(m.group(1)), oldH = baseH != null ? baseH : Integer.parseInt(m.group(2));
        String inner = old.substring(m.end(), old.lastIndexOf("</svg>")).replace("\n<rect width='100%' height='100%' fill='white'/>", "");
        List<HighWatermarkBench.ShapeRow> shapes = r.shapes();
        int bars = AppContender.values().length;
        int left = 70, right = 20, top = 50, bottom = 80, barW = 18, gap = 26;
        int groupW = bars * barW + gap;
        int w = left + right + 2 * shapes.size() * groupW, h = 430;
        double plotH = h - top - bottom;
        double lo = Math.log10(0.01), hi = Math.log10(10_000);
        StringBuilder g = new StringBuilder(PANEL_BEGIN).append('\n');
        g.append(String.format(Locale.ROOT, "<g transform='translate(0,%d)'>%n", oldH));
        g.append(String.format(Locale.ROOT, "<text x='%d' y='20' font-size='14'>The app's question (target model, chunk 0, superseded excluded): "
                + "server execution time (median, log scale), per contender and backlog</text>%n", left));
        int x = left;
        for (int i = 0; i < bars; i++) {
            String label = AppContender.values()[i].label;
            g.append(String.format(Locale.ROOT, "<rect x='%d' y='28' width='12' height='12' fill='%s'/><text x='%d' y='38'>%s</text>%n",
                    x, APP_COLOURS[i], x + 16, escape(label)));
            x += 16 + label.length() * 6 + 24;
        }
        for (int e = -2; e <= 4; e++) {
            double y = top + plotH - plotH * (e - lo) / (hi - lo);
            String label = e < 0 ? (e == -2 ? "0.01 ms" : "0.1 ms") : e < 3 ? String.format(Locale.ROOT, "%.0f ms", Math.pow(10, e))
                    : String.format(Locale.ROOT, "%.0f s", Math.pow(10, e - 3));
            g.append(String.format(Locale.ROOT, "<line x1='%d' y1='%.0f' x2='%d' y2='%.0f' stroke='#ddd'/><text x='%d' y='%.0f' text-anchor='end'>%s</text>%n",
                    left, y, w - right, y, left - 6, y + 4, label));
        }
        g.append(String.format(Locale.ROOT, "<line x1='%d' y1='%d' x2='%d' y2='%.0f' stroke='black'/>%n", left, top, left, top + plotH));
        int k = 0;
        for (int query = 0; query < 2; query++) {
            for (HighWatermarkBench.ShapeRow s : shapes) {
                int gx = left + gap / 2 + k * groupW;
                for (int i = 0; i < bars; i++) {
                    AppContender c = AppContender.values()[i];
                    double ms = (query == 0 ? s.queries().discovery() : s.queries().pick()).get(c).median();
                    double v = Math.max(lo, Math.min(hi, Math.log10(Math.max(ms, 1e-3))));
                    double barH = plotH * (v - lo) / (hi - lo);
                    g.append(String.format(Locale.ROOT, "<rect x='%d' y='%.1f' width='%d' height='%.1f' fill='%s'><title>%s, %s backlog, %s: %s</title></rect>%n",
                            gx + i * barW, top + plotH - barH, barW - 2, barH, APP_COLOURS[i], query == 0 ? "discovery" : "pick", escape(s.backlog()),
                            escape(c.label), Stats.ms(ms)));
                }
                String[] words = s.backlog().replace(" (every live event)", "").replace(", no old stragglers", ",\nno stragglers").split("\n");
                for (int j = 0; j < words.length; j++) {
                    g.append(String.format(Locale.ROOT, "<text x='%.0f' y='%.0f' text-anchor='middle'>%s</text>%n", gx + bars * barW / 2.0,
                            top + plotH + 14 + 12 * j, escape(words[j])));
                }
                k++;
            }
            double cx = left + gap / 2.0 + (k - shapes.size()) * groupW + shapes.size() * groupW / 2.0 - gap / 2.0;
            g.append(String.format(Locale.ROOT, "<text x='%.0f' y='%.0f' text-anchor='middle' font-weight='bold'>%s</text>%n", cx, top + plotH + 50,
                    query == 0 ? "discovery: newest 5,000 per organization" : "pick: one organization's next 100"));
        }
        g.append("</g>\n").append(PANEL_END).append('\n');
        int width = Math.max(oldW, w), height = oldH + h;
        String svg = String.format(Locale.ROOT, "<svg xmlns='http://www.w3.org/2000/svg' width='%d' height='%d' font-family='sans-serif' font-size='11'>", width, height)
                + "\n<rect width='100%' height='100%' fill='white'/>" + inner + g + "</svg>\n";
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.writeString(file, svg);
    }

    private static String shortLabel(Question q) {
        return switch (q) {
            case COUNT_PER_ORG -> "count per\norganization";
            case NEXT_BIG_ORG -> "next 100,\nbig organization";
            case NEXT_SMALL_ORG -> "next 100,\nsmall organization";
            case NEXT_OVERALL -> "next 100\noverall";
        };
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
