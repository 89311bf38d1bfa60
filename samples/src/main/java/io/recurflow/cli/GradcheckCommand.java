package io.recurflow.cli;

import io.recurflow.interp.Tensor;
import io.recurflow.ir.Graph;
import io.recurflow.passes.GradCheck;
import io.recurflow.runtime.cl.NoOpenClException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code recurflow gradcheck}: the differentiated graph's gradients, computed in each execution mode,
 * against one set of central finite differences in float64 on the reference interpreter.
 */
@Command(name = "gradcheck", description = {"Check the gradients of a model against finite differences (float64,",
    "reference interpreter), computing the differentiated graph in each mode. The loss is the graph's",
    "`loss` output if it has one, else the sum over steps and sequences of (first output · r) for a fixed",
    "random per-step r. Prints the worst relative error per parameter and input in each mode; exits 1",
    "when any exceeds 1e-3."})
final class GradcheckCommand implements Callable<Integer> {
    static final double TOLERANCE = 1e-3;

    @Parameters(index = "0", paramLabel = "MODEL", description = "A sample or a graph text file.")
    String model;

    @Option(names = "--batch", paramLabel = "B", description = "Sequences (default: from --lengths, else 3).")
    Integer batch;

    @Option(names = "--seq", paramLabel = "T", description = "Steps (default: the longest length, else 5).")
    Integer seq;

    @Option(names = "--lengths", split = ",", paramLabel = "L", description = "Length of each sequence (default 5,3,1).")
    int[] lengths;

    @Option(names = "--seed", defaultValue = "0", paramLabel = "S", description = "Seed of weights and inputs.")
    long seed;

    @Option(names = "--coordinates", defaultValue = "16", paramLabel = "N",
            description = "Entries checked per tensor, drawn at random when it has more (default 16).")
    int coordinates;

    @Option(names = "--mode", defaultValue = "all", paramLabel = "M",
            description = "reference, naive, batched, scheduled, or all (default): where the gradients are computed.")
    String mode;

    @Option(names = "--device", paramLabel = "D", description = "OpenCL device (see `run --help`).")
    String device;

    @Override
    public Integer call() {
        List<Engines.Kind> kinds = kinds();
        Graph g = GradCheck.withWeightedLoss(Models.load(model));
        int[] lens = lengths != null ? lengths : new int[] {5, 3, 1};
        int b = batch != null ? batch : lens.length;
        int t = seq != null ? seq : java.util.Arrays.stream(lens).max().orElse(5);
        Feeds feeds = Feeds.prepare(g, b, t, seed, lens, null, null);
        List<String> wrt = GradCheck.differentiable(g, GradCheck.LOSS_WEIGHT);
        Map<String, GradCheck.Executor> executors = new LinkedHashMap<>();
        for (Engines.Kind k : kinds) {
            executors.put(k.name(), (backward, f, l) -> {
                try (Engines.Engine e = Engines.open(k, backward, feeds.batch(), feeds.steps(), f, device)) {
                    return e.run(f, l);
                }
            });
        }
        Map<String, GradCheck.Report> reports = GradCheck.checkAll(g, "loss", wrt, feeds.values(), feeds.lengths(),
                GradCheck.Options.defaults().withMaxCoordinates(coordinates), executors);
        System.out.printf("gradcheck %s: batch %d, seq %d, lengths %s, %d tensors, float64 central differences%n",
                g.name(), feeds.batch(), feeds.steps(), java.util.Arrays.toString(feeds.lengths()), wrt.size());
        double worst = 0;
        for (Map.Entry<String, GradCheck.Report> r : reports.entrySet()) {
            System.out.printf("%s:%n", r.getKey());
            for (GradCheck.Worst w : r.getValue().feeds()) {
                System.out.printf("  %-28s worst relative error %.2e (%d entries checked)%n", w.name(), w.error(),
                        w.checked());
            }
            System.out.printf("  worst=%.3e%n", r.getValue().worst());
            worst = Math.max(worst, r.getValue().worst()); // NaN stays NaN
        }
        System.out.printf("worst=%.3e over %s (tolerance %.0e)%n", worst, String.join(", ", reports.keySet()),
                TOLERANCE);
        return worst <= TOLERANCE ? 0 : 1; // a NaN gradient fails too
    }

    /** The modes asked for; with {@code all}, the OpenCL ones only where a platform exists (else a note on stderr). */
    private List<Engines.Kind> kinds() {
        if (!mode.equals("all")) {
            return List.of(Engines.Kind.parse(mode));
        }
        List<Engines.Kind> all = new ArrayList<>(List.of(Engines.Kind.values()));
        try {
            Engines.device(device);
        } catch (NoOpenClException e) {
            System.err.println("recurflow: no OpenCL platform (" + e.getMessage() + "): checking the reference"
                    + " interpreter only, the naive, batched and scheduled modes are skipped");
            all = List.of(Engines.Kind.reference);
        }
        return all;
    }
}
