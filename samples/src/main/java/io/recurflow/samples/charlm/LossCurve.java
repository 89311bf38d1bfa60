package io.recurflow.samples.charlm;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The loss curve as a stand-alone SVG: training loss and validation loss over steps, both in bits
 * per character (the training loss is the mean cross-entropy divided by ln 2), with labelled axes,
 * ticks and a legend.
 */
public final class LossCurve {
    private static final int W = 720;
    private static final int H = 420;
    private static final int LEFT = 70;
    private static final int RIGHT = 20;
    private static final int TOP = 40;
    private static final int BOTTOM = 60;

    private LossCurve() {
    }

    public static String svg(List<Metrics.Row> rows, String title) {
        List<double[]> train = new ArrayList<>();
        List<double[]> val = new ArrayList<>();
        for (Metrics.Row r : rows) {
            if (Double.isFinite(r.loss())) {
                train.add(new double[] {r.step(), r.loss() / Math.log(2)});
            }
            if (Double.isFinite(r.valBpc())) {
                val.add(new double[] {r.step(), r.valBpc()});
            }
        }
        double maxStep = 1;
        double maxY = 0;
        for (List<double[]> s : List.of(train, val)) {
            for (double[] p : s) {
                maxStep = Math.max(maxStep, p[0]);
                maxY = Math.max(maxY, p[1]);
            }
        }
        maxY = niceCeil(maxY);
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\""
                + " viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\">%n", W, H, W, H));
        sb.append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
        sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"22\" font-size=\"15\">%s</text>%n", LEFT, escape(title)));
        int x0 = LEFT;
        int y0 = H - BOTTOM;
        int x1 = W - RIGHT;
        int y1 = TOP;
        sb.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>%n", x0, y0, x1, y0));
        sb.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>%n", x0, y0, x0, y1));
        for (int i = 0; i <= 5; i++) {
            double sv = maxStep * i / 5;
            double yv = maxY * i / 5;
            double px = x0 + (x1 - x0) * i / 5.0;
            double py = y0 - (y0 - y1) * i / 5.0;
            sb.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%d</text>%n", px, y0 + 18,
                    Math.round(sv)));
            sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%.2f</text>%n", x0 - 6,
                    py + 4, yv));
            sb.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#ddd\"/>%n",
                    x0 + 1, py, x1, py));
        }
        sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">step</text>%n",
                (x0 + x1) / 2, H - 20));
        sb.append(String.format(Locale.ROOT, "<text transform=\"translate(18,%d) rotate(-90)\" text-anchor=\"middle\">"
                + "bits per character</text>%n", (y0 + y1) / 2));
        polyline(sb, train, maxStep, maxY, "#1f77b4", x0, y0, x1, y1);
        polyline(sb, val, maxStep, maxY, "#d62728", x0, y0, x1, y1);
        sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" fill=\"#1f77b4\">— train loss</text>%n", x1 - 220, y1 + 4));
        sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" fill=\"#d62728\">— validation</text>%n", x1 - 100, y1 + 4));
        sb.append("</svg>\n");
        return sb.toString();
    }

    private static void polyline(StringBuilder sb, List<double[]> pts, double maxStep, double maxY, String color,
                                 int x0, int y0, int x1, int y1) {
        if (pts.isEmpty()) {
            return;
        }
        StringBuilder p = new StringBuilder();
        for (double[] pt : pts) {
            double px = x0 + (x1 - x0) * pt[0] / maxStep;
            double py = y0 - (y0 - y1) * Math.min(1, pt[1] / maxY);
            p.append(String.format(Locale.ROOT, "%.1f,%.1f ", px, py));
        }
        sb.append("<polyline fill=\"none\" stroke=\"").append(color).append("\" stroke-width=\"1.5\" points=\"")
                .append(p.toString().trim()).append("\"/>\n");
        if (pts.size() == 1) {
            double[] pt = pts.get(0);
            sb.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"/>%n",
                    x0 + (x1 - x0) * pt[0] / maxStep, y0 - (y0 - y1) * Math.min(1, pt[1] / maxY), color));
        }
    }

    private static double niceCeil(double v) {
        if (!(v > 0)) {
            return 1;
        }
        double mag = Math.pow(10, Math.floor(Math.log10(v)));
        for (double m : new double[] {1, 2, 2.5, 5, 10}) {
            if (m * mag >= v) {
                return m * mag;
            }
        }
        return 10 * mag;
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
