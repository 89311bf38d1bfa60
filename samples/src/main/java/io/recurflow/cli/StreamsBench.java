package io.recurflow.cli;

import io.recurflow.ir.Graph;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code bench MODEL --streams 1,2,4,8}: the experiment of Hwang &amp; Sung's multiple streams. One batch,
 * the batched mode (no SCC schedule: acyclic work over all steps, each recurrence step by step on one
 * queue) against the scheduled mode with the batch split into S streams, for each S; runs interleaved
 * across all of them, medians. Throughput counts sequence steps (B · T per run).
 */
final class StreamsBench {
    private StreamsBench() {
    }

    static int run(picocli.CommandLine.Model.CommandSpec spec, String model, List<Integer> streams, int batch, int seq,
                   int warmup, int runs, long seed, String device, String queues, Path json) throws IOException {
        for (int s : streams) {
            Engines.checkStreams(spec, s, Engines.Kind.scheduled);
            if (batch % s != 0) {
                throw new UserException("--streams " + s + " cannot split a batch of " + batch
                        + " sequences evenly: --batch must be a multiple of every S");
            }
        }
        Graph g = Models.load(model);
        Feeds feeds = Feeds.prepare(g, batch, seq, seed, null, null, null);
        List<String> labels = new ArrayList<>();
        List<Engines.Engine> engines = new ArrayList<>();
        double[][] ms;
        int warmups;
        try {
            labels.add("batched");
            engines.add(Engines.open(Engines.Kind.batched, g, batch, seq, feeds.values(), device));
            for (int s : streams) {
                labels.add("scheduled S=" + s);
                engines.add(Engines.open(Engines.Kind.scheduled, g, batch, seq, feeds.values(), device,
                        Engines.queues(queues), s));
            }
            BenchCommand.Timed timed = BenchCommand.timeInterleaved(engines, feeds, warmup, runs);
            ms = timed.ms();
            warmups = timed.warmups();
        } finally {
            for (Engines.Engine e : engines) {
                e.close();
            }
        }
        double stepsPerRun = (double) batch * seq;
        System.out.printf("bench %s --streams: batch %d, seq %d, %d warm-up + %d interleaved runs each (each timed"
                + " run the second of two in a row)%n", g.name(), batch, seq, warmups, runs);
        System.out.printf("  %-15s %10s %10s %10s %14s %9s %7s %11s%n", "plan", "median ms", "min ms", "max ms",
                "seq·steps/s", "launches", "queues", "vs batched");
        List<Map<String, Object>> results = new ArrayList<>();
        double batchedMedian = Double.NaN;
        for (int i = 0; i < engines.size(); i++) {
            double[] sorted = ms[i].clone();
            Arrays.sort(sorted);
            double median = BenchCommand.median(sorted);
            if (i == 0) {
                batchedMedian = median;
            }
            io.recurflow.codegen.CompiledModel c = engines.get(i).compiled();
            int queueCount = c.schedule() == null ? 1 : c.schedule().queues();
            double throughput = stepsPerRun / (median / 1e3);
            System.out.printf("  %-15s %10.3f %10.3f %10.3f %14.0f %9d %7d %10.2fx%n", labels.get(i), median, sorted[0],
                    sorted[sorted.length - 1], throughput, engines.get(i).launches(), queueCount,
                    batchedMedian / median);
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("mode", i == 0 ? "batched" : "scheduled");
            m.put("streams", i == 0 ? 1 : streams.get(i - 1));
            m.put("median_ms", median);
            m.put("min_ms", sorted[0]);
            m.put("max_ms", sorted[sorted.length - 1]);
            m.put("sequence_steps_per_s", throughput);
            m.put("launches", engines.get(i).launches());
            m.put("queues", queueCount);
            m.put("speedup_vs_batched", batchedMedian / median);
            m.put("notes", c.notes());
            m.put("runs", ms[i]);
            results.add(m);
        }
        System.out.println("  (vs batched: the batched mode's median over this one's; above 1 is faster)");
        if (json != null) {
            Map<String, Object> root = BenchCommand.jsonHeader(model, batch, seq, warmups);
            root.put("runs", runs);
            root.put("results", results);
            BenchCommand.writeJson(json, root);
        }
        return 0;
    }
}
