package io.ehe.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/** Backfill progress over time, one line per strategy, as a plain SVG (no plotting library needed for three polylines). */
final class ProgressPlot {

    private static final String[] COLOURS = {"#1b7837", "#762a83", "#e08214", "#2166ac"};

    static void write(Path file, String title, List<BackfillRun> runs) throws IOException {
        int w = 760, h = 420, left = 70, right = 230, top = 40, bottom = 50;
        double maxT = 1, maxRows = 1;
        for (BackfillRun r : runs) {
            for (double[] p : r.progress()) {
                maxT = Math.max(maxT, p[0]);
                maxRows = Math.max(maxRows, p[1]);
            }
        }
        double plotW = w - left - right, plotH = h - top - bottom;
        StringBuilder svg = new StringBuilder();
        svg.append(String.format(Locale.ROOT, "<svg xmlns='http://www.w3.org/2000/svg' width='%d' height='%d' font-family='sans-serif' font-size='12'>%n", w, h));
        svg.append("<rect width='100%' height='100%' fill='white'/>\n");
        svg.append(String.format(Locale.ROOT, "<text x='%d' y='22' font-size='14'>%s</text>%n", left, escape(title)));
        svg.append(String.format(Locale.ROOT, "<line x1='%d' y1='%d' x2='%d' y2='%d' stroke='black'/>%n", left, top + (int) plotH, left + (int) plotW, top + (int) plotH));
        svg.append(String.format(Locale.ROOT, "<line x1='%d' y1='%d' x2='%d' y2='%d' stroke='black'/>%n", left, top, left, top + (int) plotH));
        for (int i = 0; i <= 4; i++) {
            double t = maxT * i / 4, rows = maxRows * i / 4;
            double x = left + plotW * i / 4, y = top + plotH - plotH * i / 4;
            svg.append(String.format(Locale.ROOT, "<text x='%.0f' y='%d' text-anchor='middle'>%.1f s</text>%n", x, top + (int) plotH + 18, t / 1000));
            svg.append(String.format(Locale.ROOT, "<text x='%d' y='%.0f' text-anchor='end'>%.0fk</text>%n", left - 6, y + 4, rows / 1000));
            svg.append(String.format(Locale.ROOT, "<line x1='%d' y1='%.0f' x2='%.0f' y2='%.0f' stroke='#ddd'/>%n", left, y, left + plotW, y));
        }
        svg.append(String.format(Locale.ROOT, "<text x='%.0f' y='%d' text-anchor='middle'>elapsed</text>%n", left + plotW / 2, h - 8));
        svg.append(String.format(Locale.ROOT, "<text x='16' y='%.0f' transform='rotate(-90 16 %.0f)' text-anchor='middle'>rows committed</text>%n", top + plotH / 2, top + plotH / 2));
        for (int i = 0; i < runs.size(); i++) {
            BackfillRun r = runs.get(i);
            String colour = COLOURS[i % COLOURS.length];
            StringBuilder points = new StringBuilder();
            double prevRows = 0;
            for (double[] p : r.progress()) {
                double x = left + plotW * p[0] / maxT;
                // a step: nothing is visible to others until the commit
                points.append(String.format(Locale.ROOT, "%.1f,%.1f %.1f,%.1f ", x, top + plotH - plotH * prevRows / maxRows, x, top + plotH - plotH * p[1] / maxRows));
                prevRows = p[1];
            }
            svg.append(String.format(Locale.ROOT, "<polyline fill='none' stroke='%s' stroke-width='2' points='%s'/>%n", colour, points.toString().trim()));
            int ly = top + 20 + i * 22;
            svg.append(String.format(Locale.ROOT, "<line x1='%d' y1='%d' x2='%d' y2='%d' stroke='%s' stroke-width='3'/>%n", w - right + 15, ly - 4, w - right + 35, ly - 4, colour));
            svg.append(String.format(Locale.ROOT, "<text x='%d' y='%d'>%s</text>%n", w - right + 40, ly, escape(shortName(r.strategy()))));
        }
        svg.append("</svg>\n");
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.writeString(file, svg.toString());
    }

    private static String shortName(String s) {
        return s.length() > 30 ? s.substring(0, 30) : s;
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
