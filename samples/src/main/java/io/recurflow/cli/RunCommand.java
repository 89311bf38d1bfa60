package io.recurflow.cli;

import io.recurflow.interp.ReferenceInterpreter;
import io.recurflow.interp.Tensor;
import io.recurflow.ir.Graph;
import io.recurflow.runtime.safetensors.SafeTensors;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code recurflow run}: runs a model on a batch and prints its output shapes and checksum. */
@Command(name = "run", description = {"Run a model on a batch of sequences and print the output shapes and",
    "checksum=<float64 sum of every output element>."})
final class RunCommand implements Callable<Integer> {
    /** Execution modes; the OpenCL ones come with the code generator. */
    enum Mode { reference }

    @Parameters(index = "0", paramLabel = "MODEL", description = "A sample or a graph text file.")
    String model;

    @Option(names = "--mode", defaultValue = "reference", description = "Execution mode: ${COMPLETION-CANDIDATES}.")
    Mode mode;

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
        Graph g = Models.load(model);
        Feeds feeds = Feeds.prepare(g, batch, seq, seed, lengths, weights, inputs);
        long start = System.nanoTime();
        Map<String, Tensor> out = new ReferenceInterpreter(g).run(feeds.values(), feeds.lengths());
        double ms = (System.nanoTime() - start) / 1e6;
        System.out.printf("model %s, mode %s, batch %d, seq %d, lengths %s%n", g.name(), mode, feeds.batch(),
                feeds.steps(), Arrays.toString(feeds.lengths()));
        for (Map.Entry<String, Tensor> e : out.entrySet()) {
            System.out.printf("  %-12s f32%s%n", e.getKey(), Arrays.toString(e.getValue().shape()));
        }
        System.out.printf("time %.1f ms%n", ms);
        System.out.println("checksum=" + formatChecksum(Feeds.checksum(out)));
        if (dump != null) {
            Map<String, String> meta = new LinkedHashMap<>();
            meta.put("model", model);
            meta.put("mode", mode.name());
            meta.put("seed", Long.toString(seed));
            meta.put("lengths", Arrays.toString(feeds.lengths()));
            SafeTensors.write(dump, Feeds.toHost(out), meta);
            System.out.println("wrote " + dump);
        }
        return 0;
    }

    /** Twelve significant digits: more than float32 results can agree on across modes. */
    static String formatChecksum(double v) {
        return String.format("%.12g", v);
    }
}
