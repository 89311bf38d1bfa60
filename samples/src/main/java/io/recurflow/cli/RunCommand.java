package io.recurflow.cli;

import io.recurflow.interp.ReferenceInterpreter;
import io.recurflow.interp.Tensor;
import io.recurflow.ir.Graph;
import io.recurflow.runtime.safetensors.SafeTensors;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code recurflow run}: runs a model on a batch and prints its output shapes and checksum. */
@Command(name = "run", description = {"Run a model on a batch of sequences and print the output shapes and",
    "checksum=<float64 sum of every output element>.",
    "With --check, also run the reference interpreter and print max_abs_err and max_rel_err: the largest",
    "absolute difference over all outputs, and per output the largest absolute difference divided by the",
    "largest reference magnitude of that output (the worst output is printed); exit 1 when either exceeds",
    "1e-4."})
final class RunCommand implements Callable<Integer> {
    /** The longest the warm-up before a profiled run goes on, for the JIT compiler to go quiet. */
    private static final long WARMUP_MS = 2000;

    static final double TOLERANCE = 1e-4;

    @Parameters(index = "0", paramLabel = "MODEL", description = "A sample or a graph text file.")
    String model;

    @Option(names = "--mode", defaultValue = "reference",
            description = "Execution mode: ${COMPLETION-CANDIDATES} (default reference).")
    Engines.Kind mode;

    @Option(names = "--device", paramLabel = "D",
            description = "OpenCL device: an index from `devices` or a name substring (default: $RECURFLOW_DEVICE, else the first GPU, else the first device).")
    String device;

    @Option(names = "--check", description = "Compare with the reference interpreter (see above).")
    boolean check;

    @Option(names = "--trace", paramLabel = "FILE.json",
            description = "Profile one more run and write its launches as Chrome trace JSON (one track per queue; each"
                    + " launch with its queued time and the cost model's prediction). Warm-up runs go first, for up to 2 s,"
                    + " until the JIT compiler has gone quiet.")
    Path trace;

    @Option(names = "--timeline", paramLabel = "FILE.svg",
            description = "Profile one more run and draw its launches as an SVG lane chart.")
    Path timeline;

    @Option(names = "--queues", defaultValue = "auto", paramLabel = "K|auto",
            description = "Command queues of the scheduled mode (default auto: the scheduler chooses, up to 4).")
    String queues;

    @Option(names = "--streams", defaultValue = "1", paramLabel = "S",
            description = "Split the batch into S independent streams of B/S sequences, scheduled together on the"
                    + " queues (scheduled mode; B must be a multiple of S; default 1).")
    int streams;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--batch", paramLabel = "B", description = "Sequences per batch (default: from --lengths or --inputs, else 1).")
    Integer batch;

    @Option(names = "--seq", paramLabel = "T", description = "Steps per sequence (default: from --inputs or --lengths, else 10).")
    Integer seq;

    @Option(names = "--seed", defaultValue = "0", paramLabel = "S", description = "Seed of the random weights and inputs (default 0).")
    long seed;

    @Option(names = "--lengths", split = ",", paramLabel = "L", description = "Length of each sequence, e.g. 7,4,1 (default: all T).")
    int[] lengths;

    @Option(names = "--weights", paramLabel = "W.safetensors", description = "Parameters by name (PyTorch's names for the layer library).")
    Path weights;

    @Option(names = "--inputs", paramLabel = "X.safetensors", description = "Inputs by name: per-step ones as [T, B, ...]; an integer `lengths` entry sets the lengths.")
    Path inputs;

    @Option(names = "--dump", paramLabel = "OUT.safetensors", description = "Write every output as safetensors.")
    Path dump;

    @Override
    public Integer call() {
        Engines.checkStreams(spec, streams, mode);
        Graph g = Models.load(model);
        Feeds feeds = Feeds.prepare(g, batch, seq, seed, lengths, weights, inputs);
        Map<String, Tensor> out;
        double ms;
        String memory;
        int launches;
        try (Engines.Engine engine = Engines.open(mode, g, feeds.batch(), feeds.steps(), feeds.values(), device,
                Engines.queues(queues), streams)) {
            long start = System.nanoTime();
            out = engine.run(feeds.values(), feeds.lengths());
            ms = (System.nanoTime() - start) / 1e6;
            memory = engine.memory();
            launches = engine.launches();
            if (trace != null || timeline != null) {
                if (mode == Engines.Kind.reference) {
                    throw new UserException("--trace and --timeline need an OpenCL mode (naive, batched, scheduled)");
                }
                // profile a run like those of a long-lived process: after the JIT compiler has gone quiet
                io.recurflow.runtime.JitWarmup.run(() -> engine.run(feeds.values(), feeds.lengths()), 2, WARMUP_MS);
                Timeline tl = new Timeline(engine.profile(feeds.values(), feeds.lengths()),
                        engine.compiled() == null ? List.of() : engine.compiled().launchUs());
                System.out.printf("profiled run: %.3f ms on the device, queue overlap %.1f%%%n", tl.spanMs(),
                        100 * tl.overlap());
                if (trace != null) {
                    tl.writeChromeTrace(trace);
                    System.out.println("wrote " + trace);
                }
                if (timeline != null) {
                    tl.writeSvg(timeline);
                    System.out.println("wrote " + timeline);
                }
            }
            if (engine.compiled() != null && engine.compiled().schedule() != null) {
                System.out.printf("schedule: %d queues, %d tasks, %d events%s%n", engine.compiled().schedule().queues(),
                        engine.compiled().schedule().taskCount(), engine.compiled().schedule().events().size(),
                        streams > 1 ? ", " + streams + " streams of " + feeds.batch() / streams + " sequences" : "");
            }
        }
        System.out.printf("model %s, mode %s, batch %d, seq %d, lengths %s%n", g.name(), mode, feeds.batch(),
                feeds.steps(), Arrays.toString(feeds.lengths()));
        for (Map.Entry<String, Tensor> e : out.entrySet()) {
            System.out.printf("  %-12s f32%s%n", e.getKey(), Arrays.toString(e.getValue().shape()));
        }
        System.out.printf("time %.1f ms%s%n", ms, mode == Engines.Kind.reference ? ""
                : " (first run on the device: includes the OpenCL driver's compilation of each kernel; see `bench`)");
        if (memory != null) {
            System.out.println("launches " + launches + "; device memory: " + memory);
        }
        System.out.println("checksum=" + formatChecksum(Feeds.checksum(out)));
        boolean failed = false;
        if (check) {
            Map<String, Tensor> expected = new ReferenceInterpreter(g).run(feeds.values(), feeds.lengths());
            Comparison c = Comparison.of(out, expected);
            System.out.printf("max_abs_err=%.3e%nmax_rel_err=%.3e (worst output: %s)%n", c.maxAbs(), c.maxRel(),
                    c.worst());
            failed = c.maxAbs() > TOLERANCE || c.maxRel() > TOLERANCE;
            if (failed) {
                System.err.println("error: the " + mode + " results differ from the reference interpreter by more than "
                        + TOLERANCE);
            }
        }
        if (dump != null) {
            Map<String, String> meta = new LinkedHashMap<>();
            meta.put("model", model);
            meta.put("mode", mode.name());
            meta.put("seed", Long.toString(seed));
            meta.put("lengths", Arrays.toString(feeds.lengths()));
            SafeTensors.write(dump, Feeds.toHost(out), meta);
            System.out.println("wrote " + dump);
        }
        return failed ? 1 : 0;
    }

    /** Twelve significant digits: more than float32 results can agree on across modes. */
    static String formatChecksum(double v) {
        return String.format("%.12g", v);
    }
}
