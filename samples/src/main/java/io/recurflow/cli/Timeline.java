package io.recurflow.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.recurflow.runtime.cl.LaunchTiming;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A measured run's launches, from OpenCL profiling: written as Chrome trace JSON (one track per
 * queue; opens in Perfetto) or as an SVG lane chart, and summarised as the queue overlap.
 */
final class Timeline {
    private final List<LaunchTiming> timings;
    private final List<Double> predictedUs;
    private final long origin;
    private final long end;

    Timeline(List<LaunchTiming> timings) {
        this(timings, List.of());
    }

    /**
     * {@code predictedUs}: the cost model's time of each launch in the same order, shown beside the
     * measured one (ignored unless there is one for every launch).
     */
    Timeline(List<LaunchTiming> timings, List<Double> predictedUs) {
        this.timings = timings;
        this.predictedUs = predictedUs.size() == timings.size() ? predictedUs : List.of();
        long o = Long.MAX_VALUE;
        long e = 0;
        for (LaunchTiming t : timings) {
            o = Math.min(o, t.startNs());
            e = Math.max(e, t.endNs());
        }
        this.origin = timings.isEmpty() ? 0 : o;
        this.end = timings.isEmpty() ? 0 : e;
    }

    /** The fraction of the run's device span during which two or more kernels were executing. */
    double overlap() {
        List<long[]> edges = new ArrayList<>();
        for (LaunchTiming t : timings) {
            edges.add(new long[] {t.startNs(), 1});
            edges.add(new long[] {t.endNs(), -1});
        }
        edges.sort((a, b) -> a[0] != b[0] ? Long.compare(a[0], b[0]) : Long.compare(a[1], b[1]));
        long busy2 = 0;
        int running = 0;
        long last = origin;
        for (long[] e : edges) {
            if (running >= 2) {
                busy2 += e[0] - last;
            }
            running += (int) e[1];
            last = e[0];
        }
        return end > origin ? busy2 / (double) (end - origin) : 0;
    }

    double spanMs() {
        return (end - origin) / 1e6;
    }

    void writeChromeTrace(Path file) {
        List<Map<String, Object>> events = new ArrayList<>();
        for (int i = 0; i < timings.size(); i++) {
            LaunchTiming t = timings.get(i);
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("name", t.label());
            e.put("cat", t.function());
            e.put("ph", "X");
            e.put("ts", (t.startNs() - origin) / 1e3);
            e.put("dur", (t.endNs() - t.startNs()) / 1e3);
            e.put("pid", 1);
            e.put("tid", t.queue());
            Map<String, Object> args = new LinkedHashMap<>();
            args.put("queued_us", (t.queuedNs() - origin) / 1e3);
            if (!predictedUs.isEmpty() && !predictedUs.get(i).isNaN()) {
                args.put("predicted_us", predictedUs.get(i));
            }
            e.put("args", args);
            events.add(e);
        }
        for (int q = 0; q <= timings.stream().mapToInt(LaunchTiming::queue).max().orElse(0); q++) {
            events.add(Map.of("name", "thread_name", "ph", "M", "pid", 1, "tid", q, "args", Map.of("name", "queue " + q)));
        }
        try {
            new ObjectMapper().writeValue(file.toFile(), Map.of("traceEvents", events, "displayTimeUnit", "ns"));
        } catch (IOException e) {
            throw new UserException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    /** One lane per queue, a box per launch, time to the right (1000 px for the whole span). */
    void writeSvg(Path file) {
        int queues = timings.stream().mapToInt(LaunchTiming::queue).max().orElse(0) + 1;
        double width = 1000;
        double scale = end > origin ? width / (end - origin) : 1;
        int lane = 28;
        StringBuilder sb = new StringBuilder();
        sb.append(String.format("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                + "font-family=\"sans-serif\" font-size=\"11\">%n", (int) width + 80, queues * lane + 30));
        for (int q = 0; q < queues; q++) {
            sb.append(String.format("<text x=\"2\" y=\"%d\">queue %d</text>%n", q * lane + 18, q));
        }
        String[] colours = {"#e07b00", "#2e8b57", "#4a6fa5", "#a05195", "#8c9bab"};
        for (int i = 0; i < timings.size(); i++) {
            LaunchTiming t = timings.get(i);
            double x = 70 + (t.startNs() - origin) * scale;
            double w = Math.max(0.5, (t.endNs() - t.startNs()) * scale);
            String predicted = predictedUs.isEmpty() || predictedUs.get(i).isNaN() ? ""
                    : String.format(", predicted %.1f us", predictedUs.get(i));
            sb.append(String.format("<rect x=\"%.2f\" y=\"%d\" width=\"%.2f\" height=\"%d\" fill=\"%s\">"
                    + "<title>%s (%s) %.1f us%s</title></rect>%n", x, t.queue() * lane + 4, w, lane - 8,
                    colours[Math.abs(t.function().hashCode()) % colours.length], escape(t.label()), escape(t.function()),
                    (t.endNs() - t.startNs()) / 1e3, predicted));
        }
        sb.append(String.format("<text x=\"70\" y=\"%d\">0 ms</text><text x=\"%d\" y=\"%d\">%.2f ms</text>%n",
                queues * lane + 22, (int) width + 20, queues * lane + 22, spanMs()));
        sb.append("</svg>\n");
        try {
            Files.writeString(file, sb.toString());
        } catch (IOException e) {
            throw new UserException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
