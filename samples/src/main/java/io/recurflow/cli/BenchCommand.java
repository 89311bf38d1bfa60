package io.recurflow.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.recurflow.codegen.Flops;
import io.recurflow.interp.Tensor;
import io.recurflow.ir.Graph;
import io.recurflow.runtime.JitWarmup;
import io.recurflow.runtime.program.ProgramPrinter;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code recurflow bench}: times modes side by side. Runs are interleaved (A B C, B C A, C A B, …)
 * so that the machine's drift hits every mode alike, each mode's timed run the second of two in a row
 * ({@link #timeInterleaved}); medians, not means, because these machines are shared and noisy.
 */
@Command(name = "bench", description = {"Time execution modes side by side on one model (interleaved runs,",
    "medians and spread, speed-ups, FLOP/s), or the GEMM alone with `bench gemm`."},
        subcommands = {BenchGemmCommand.class, BenchScheduleCommand.class})
final class BenchCommand implements Callable<Integer> {
    // optional only so that `bench gemm` parses; call() insists on it
    @Parameters(index = "0", arity = "0..1", paramLabel = "MODEL", description = "A sample or a graph text file.")
    String model;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--modes", split = ",", defaultValue = "naive,batched", paramLabel = "M1,M2",
            description = "Modes to compare (reference, naive, batched, scheduled; default naive,batched; with --train"
                    + " the training engines' modes).")
    List<String> modes;

    @Option(names = "--batch", defaultValue = "1", paramLabel = "B", description = "Sequences per batch (default 1).")
    int batch;

    @Option(names = "--seq", defaultValue = "100", paramLabel = "T", description = "Steps per sequence (default 100).")
    int seq;

    @Option(names = "--warmup", defaultValue = "3", paramLabel = "W", description = "Untimed runs per mode first (default 3); more, for up to 4 s, until the JIT compiler has gone quiet.")
    int warmup;

    @Option(names = "--runs", defaultValue = "10", paramLabel = "R", description = "Timed runs per mode (default 10).")
    int runs;

    @Option(names = "--seed", defaultValue = "0", paramLabel = "S", description = "Seed of weights and inputs.")
    long seed;

    @Option(names = "--device", paramLabel = "D", description = "OpenCL device (see `run --help`).")
    String device;

    @Option(names = "--json", paramLabel = "FILE", description = "Also write the results as JSON (a `results` array).")
    Path json;

    @Option(names = "--queues", defaultValue = "auto", paramLabel = "K|auto",
            description = "Command queues of the scheduled mode (default auto).")
    String queues;

    @Option(names = "--streams", split = ",", paramLabel = "S1,S2",
            description = "Throughput against the number of streams instead: the scheduled mode with the batch split"
                    + " into each S (B a multiple of each) against the batched mode, e.g. 1,2,4,8.")
    List<Integer> streams;

    @Option(names = "--train", description = "Time training steps of the char-lm instead: the batching strategies side by side (MODEL: char-lm or none).")
    boolean train;

    @Option(names = "--strategies", split = ",", defaultValue = "pad,bucket,tbptt:64,splice", paramLabel = "S1,S2",
            description = "With --train: strategies to compare (default pad,bucket,tbptt:64,splice).")
    List<String> strategies;

    @Option(names = "--data", paramLabel = "FILE", description = "With --train: the text (default: the corpus the project ships).")
    Path data;

    @Option(names = "--hidden", defaultValue = "64", description = "With --train: LSTM units (default 64).")
    int hidden;

    @Option(names = "--layers", defaultValue = "1", description = "With --train: LSTM layers (default 1).")
    int layers;

    @Option(names = "--grad", description = {"Time forward and backward: the model's gradient graph (its `loss`",
        "output, else first output · r, differentiated by every f32 input and parameter; see gradcheck)."})
    boolean grad;

    @Override
    public Integer call() throws IOException {
        if (train) {
            return trainBench();
        }
        if (model == null) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "Missing required parameter: 'MODEL'");
        }
        if (batch < 1 || seq < 1 || runs < 1 || warmup < 0) {
            throw new UserException("--batch, --seq and --runs must be at least 1, --warmup at least 0");
        }
        if (streams != null) {
            return StreamsBench.run(spec, model, streams, batch, seq, warmup, runs, seed, device, queues, json);
        }
        List<Engines.Kind> kinds = new ArrayList<>();
        for (String m : modes) {
            kinds.add(Engines.Kind.parse(m));
        }
        Graph g = Models.load(model);
        if (grad) {
            Graph withLoss = io.recurflow.passes.GradCheck.withWeightedLoss(g);
            g = io.recurflow.passes.Autodiff.gradients(withLoss, "loss", io.recurflow.passes.GradCheck.differentiable(
                    withLoss, io.recurflow.passes.GradCheck.LOSS_WEIGHT));
        }
        Feeds feeds = Feeds.prepare(g, batch, seq, seed, null, null, null);
        double flops = Flops.perRun(g, batch, seq);
        List<Engines.Engine> engines = new ArrayList<>();
        double[][] ms;
        double[][] afterOther;
        boolean switched;
        int warmups;
        double[] overlap = new double[kinds.size()];
        int[] sameAs;
        try {
            for (Engines.Kind k : kinds) {
                engines.add(Engines.open(k, g, batch, seq, feeds.values(), device, Engines.queues(queues)));
            }
            sameAs = sameProgramAs(kinds, engines);
            List<Engines.Engine> distinct = new ArrayList<>();
            for (int i = 0; i < kinds.size(); i++) {
                if (sameAs[i] < 0) {
                    distinct.add(engines.get(i));
                }
            }
            Timed timed = timeInterleaved(distinct, feeds, warmup, runs);
            ms = new double[kinds.size()][];
            afterOther = new double[kinds.size()][];
            for (int i = 0, d = 0; i < kinds.size(); i++) {
                afterOther[i] = sameAs[i] < 0 ? timed.afterOther()[d] : afterOther[sameAs[i]];
                ms[i] = sameAs[i] < 0 ? timed.ms()[d++] : ms[sameAs[i]];
            }
            switched = distinct.size() > 1;
            warmups = timed.warmups();
            // one more run of each OpenCL mode with every launch profiled: the measured queue overlap
            for (int i = 0; i < kinds.size(); i++) {
                overlap[i] = sameAs[i] >= 0 ? overlap[sameAs[i]] : kinds.get(i) == Engines.Kind.reference ? Double.NaN
                        : new Timeline(engines.get(i).profile(feeds.values(), feeds.lengths())).overlap();
            }
        } finally {
            for (Engines.Engine e : engines) {
                e.close();
            }
        }
        System.out.printf("bench %s: batch %d, seq %d, %d warm-up + %d interleaved runs per mode, %.3f GFLOP per run%n",
                g.name(), batch, seq, warmups, runs, flops / 1e9);
        System.out.println("  (in each round every mode runs twice in a row and the second run is timed; the first,"
                + " right after another mode's, is timed as well: `after other`)");
        System.out.printf("  %-10s %10s %10s %10s %9s %9s %-18s %s%n", "mode", "median ms", "min ms", "max ms",
                "GFLOP/s", "launches", "predicted ms", "after other ms");
        List<Map<String, Object>> results = new ArrayList<>();
        double[] medians = new double[kinds.size()];
        for (int i = 0; i < kinds.size(); i++) {
            double[] sorted = ms[i].clone();
            Arrays.sort(sorted);
            medians[i] = median(sorted);
            double predicted = engines.get(i).predictedUs() / 1e3;
            double firstMedian = medianOf(afterOther[i]);
            System.out.printf("  %-10s %10.3f %10.3f %10.3f %9.2f %9d %-18s %s%n", kinds.get(i), medians[i], sorted[0],
                    sorted[sorted.length - 1], flops / (medians[i] * 1e6), engines.get(i).launches(),
                    Double.isNaN(predicted) ? "-" : String.format("%.3f (%+.0f%%)", predicted,
                            100 * (predicted - medians[i]) / medians[i]),
                    switched ? String.format("%.3f", firstMedian) : "- (one program)");
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("mode", kinds.get(i).name());
            m.put("median_ms", medians[i]);
            m.put("min_ms", sorted[0]);
            m.put("max_ms", sorted[sorted.length - 1]);
            m.put("gflops", flops / (medians[i] * 1e6));
            m.put("launches", engines.get(i).launches());
            m.put("predicted_ms", Double.isNaN(predicted) ? null : predicted);
            m.put("queue_overlap", Double.isNaN(overlap[i]) ? null : overlap[i]);
            m.put("runs", ms[i]);
            m.put("after_other_median_ms", switched ? firstMedian : null);
            m.put("after_other_runs", switched ? afterOther[i] : null);
            m.put("same_program_as", sameAs[i] < 0 ? null : kinds.get(sameAs[i]).name());
            results.add(m);
        }
        for (int i = 0; i < kinds.size(); i++) {
            if (sameAs[i] >= 0) {
                System.out.printf("  %s compiled to the same program as %s (the same kernels and launches): timed once,"
                        + " for both%n", kinds.get(i), kinds.get(sameAs[i]));
            }
        }
        StringBuilder measured = new StringBuilder("  measured queue overlap (a profiled run; the fraction of it with"
                + " two or more kernels executing):");
        for (int i = 0; i < kinds.size(); i++) {
            if (!Double.isNaN(overlap[i])) {
                measured.append(String.format(" %s %.1f%%", kinds.get(i), 100 * overlap[i]));
                io.recurflow.codegen.CompiledModel c = engines.get(i).compiled();
                if (c != null && c.schedule() != null) {
                    boolean fused = c.notes().stream().anyMatch(n -> n.startsWith("horizontal fusion"));
                    measured.append(String.format(" (%d queue%s%s)", c.program().queues(),
                            c.program().queues() == 1 ? "" : "s", fused
                                    ? "; independent recurrences share launches, a work-group each, which this"
                                    + " cannot see" : ""));
                }
            }
        }
        System.out.println(measured);
        Map<String, Double> speedups = new LinkedHashMap<>();
        for (int i = 0; i < kinds.size(); i++) {
            for (int j = 0; j < kinds.size(); j++) {
                if (i != j && j > i) {
                    String key = kinds.get(j) + "_vs_" + kinds.get(i);
                    speedups.put(key, medians[i] / medians[j]);
                    System.out.printf("  speed-up %s over %s: %.2fx (ratio of medians)%n", kinds.get(j), kinds.get(i),
                            medians[i] / medians[j]);
                }
            }
        }
        if (json != null) {
            Map<String, Object> root = jsonHeader(model, batch, seq, warmups);
            root.put("gflop_per_run", flops / 1e9);
            root.put("results", results);
            root.put("speedups", speedups);
            writeJson(json, root);
        }
        return 0;
    }

    private int trainBench() throws IOException {
        if (model != null && !model.equals("char-lm")) {
            throw new UserException("bench --train times the char-lm; got model '" + model + "'");
        }
        if (batch < 1 || seq < 1 || runs < 1 || warmup < 0 || hidden < 1 || layers < 1) {
            throw new UserException("--batch, --seq, --runs, --hidden and --layers must be at least 1, --warmup at least 0");
        }
        List<io.recurflow.samples.charlm.Strategy> parsed = new ArrayList<>();
        for (String s : strategies) {
            try {
                parsed.add(io.recurflow.samples.charlm.Strategy.parse(s));
            } catch (IllegalArgumentException e) {
                throw new UserException(e.getMessage());
            }
        }
        String name = data == null ? "the default corpus" : data.toString();
        io.recurflow.samples.charlm.Corpus corpus = io.recurflow.samples.charlm.Corpus.of(name,
                data == null ? io.recurflow.samples.charlm.Corpus.defaultText()
                        : io.recurflow.samples.charlm.Corpus.readText(data));
        List<Engines.Kind> kinds = new ArrayList<>();
        for (String m : modes) {
            kinds.add(Engines.Kind.parse(m));
        }
        List<TrainBench.Row> rows = TrainBench.run(corpus, parsed, kinds, hidden, layers, batch, seq, warmup, runs, seed,
                device);
        TrainBench.print(rows, name, hidden, layers, batch, seq, warmup, runs);
        if (json != null) {
            List<Map<String, Object>> results = new ArrayList<>();
            for (TrainBench.Row r : rows) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("mode", r.mode().name());
                m.put("strategy", r.strategy());
                m.put("median_tokens_per_s", r.medianTokensPerS());
                m.put("min_tokens_per_s", r.minTokensPerS());
                m.put("max_tokens_per_s", r.maxTokensPerS());
                m.put("padded_fraction", r.paddedFraction());
                m.put("runs", r.tokensPerS());
                results.add(m);
            }
            new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(json.toFile(),
                    Map.of("hidden", hidden, "layers", layers, "batch", batch, "seq", seq, "results", results));
            System.out.println("wrote " + json);
        }
        return 0;
    }

    /**
     * For each mode, the earlier mode of {@code kinds} whose engine runs the same program ({@link
     * ProgramPrinter#canonical}: the same kernels launched alike on the same buffers), or -1. The
     * scheduler may choose the batched plan, and timing one program twice would report the bench's noise
     * as a difference between two modes (measured here: four engines of the same program in one bench had
     * medians up to 10% apart). A mode listed twice keeps two engines.
     */
    static int[] sameProgramAs(List<Engines.Kind> kinds, List<Engines.Engine> engines) {
        // each engine's form once (a naive program's listing has thousands of launches)
        List<String> forms = new ArrayList<>();
        for (Engines.Engine e : engines) {
            forms.add(e.compiled() == null ? null : ProgramPrinter.canonical(e.compiled().program()));
        }
        int[] same = new int[kinds.size()];
        for (int i = 0; i < kinds.size(); i++) {
            same[i] = -1;
            boolean again = kinds.subList(0, i).contains(kinds.get(i));
            for (int j = 0; j < i && forms.get(i) != null && !again && same[i] < 0; j++) {
                if (same[j] < 0 && forms.get(i).equals(forms.get(j))) {
                    same[i] = j;
                }
            }
        }
        return same;
    }

    /**
     * Milliseconds by engine, then run: each timed run ({@code ms}) right after a run of the same engine
     * ({@code afterOther}, its time too), which came right after another engine's; and the untimed rounds
     * run before them.
     */
    record Timed(double[][] ms, double[][] afterOther, int warmups) {
    }

    /**
     * The longest the untimed rounds go on, past the {@code --warmup} asked for, for the JIT compiler to
     * go quiet ({@link JitWarmup}): on a CPU device its thread would take a core from the kernels.
     */
    static final long WARMUP_MS = 4000;

    /**
     * Times {@code runs} runs of each engine after at least {@code warmup} untimed rounds (more, up to
     * {@link #WARMUP_MS}, until the JIT compiler is quiet; none when {@code warmup} is 0), interleaved
     * (every engine once per round, each round starting one engine later, so that no mode always runs
     * right after the same other one and inherits its garbage or its caches). Each engine runs twice in
     * a row in its turn, and the second run is the one timed: the steady state of a program run again
     * and again, which is what the cost model predicts and what a user of one model sees. The first run
     * pays for the switch from another engine, whose hundreds or thousands of launches have just filled
     * the caches with their own data and host-side state (measured here for a 2-layer LSTM at B=1: 12.8
     * against 10.7 ms batched and 5.04 against 4.47 ms scheduled right after a naive run; naive 55.0
     * either way); it is timed too and reported beside.
     */
    static Timed timeInterleaved(List<Engines.Engine> engines, Feeds feeds, int warmup, int runs) {
        double[][] ms = new double[engines.size()][runs];
        double[][] afterOther = new double[engines.size()][runs];
        int warmups = warmup == 0 ? 0 : JitWarmup.run(() -> {
            for (Engines.Engine e : engines) {
                e.run(feeds.values(), feeds.lengths());
            }
        }, warmup, WARMUP_MS);
        for (int r = 0; r < runs; r++) {
            for (int j = 0; j < engines.size(); j++) {
                int i = (r + j) % engines.size();
                afterOther[i][r] = timeRun(engines.get(i), feeds);
                ms[i][r] = timeRun(engines.get(i), feeds);
            }
        }
        return new Timed(ms, afterOther, warmups);
    }

    private static double timeRun(Engines.Engine e, Feeds feeds) {
        long start = System.nanoTime();
        Map<String, Tensor> out = e.run(feeds.values(), feeds.lengths());
        double ms = (System.nanoTime() - start) / 1e6;
        if (out.isEmpty()) {
            throw new IllegalStateException("no outputs");
        }
        return ms;
    }

    /** The settings every bench JSON starts with, in a map that keeps its order. */
    static Map<String, Object> jsonHeader(String model, int batch, int seq, int warmup) {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("model", model);
        root.put("batch", batch);
        root.put("seq", seq);
        root.put("warmup", warmup);
        return root;
    }

    static void writeJson(Path json, Map<String, Object> root) throws IOException {
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(json.toFile(), root);
        System.out.println("wrote " + json);
    }

    /** The median of {@code values}, which it leaves as they are. */
    static double medianOf(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return median(sorted);
    }

    static double median(double[] sorted) {
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }
}
