package io.recurflow.cli;

import io.recurflow.interp.RandomFeeds;
import io.recurflow.interp.Tensor;
import io.recurflow.ir.Attrs;
import io.recurflow.ir.DType;
import io.recurflow.ir.Graph;
import io.recurflow.ir.Node;
import io.recurflow.ir.Op;
import io.recurflow.ir.Operand;
import io.recurflow.ir.Verifier;
import io.recurflow.passes.GradCheck;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code recurflow gradcheck}: the differentiated graph's gradients against central finite
 * differences in float64, on the reference interpreter.
 */
@Command(name = "gradcheck", description = {"Check the gradients of a model against finite differences (float64,",
    "reference interpreter). The loss is the graph's `loss` output if it has one, else the sum over",
    "steps and sequences of (first output · r) for a fixed random per-step r. Prints the worst relative",
    "error per parameter and input; exits 1 when any exceeds 1e-3."})
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

    @Override
    public Integer call() {
        Graph g = withLoss(Models.load(model));
        int[] lens = lengths != null ? lengths : new int[] {5, 3, 1};
        int b = batch != null ? batch : lens.length;
        int t = seq != null ? seq : java.util.Arrays.stream(lens).max().orElse(5);
        Feeds feeds = Feeds.prepare(g, b, t, seed, lens, null, null);
        List<String> wrt = new ArrayList<>();
        for (Node n : g.feeds().values()) {
            if (n.dtype() == DType.F32 && !n.name().equals("gradcheck.r")) {
                wrt.add(n.name());
            }
        }
        Map<String, Tensor> values = feeds.values();
        GradCheck.Report report = GradCheck.check(g, "loss", wrt, values, feeds.lengths(),
                GradCheck.Options.defaults().withMaxCoordinates(coordinates));
        System.out.printf("gradcheck %s: batch %d, seq %d, lengths %s, %d tensors, float64 central differences%n",
                g.name(), feeds.batch(), feeds.steps(), java.util.Arrays.toString(feeds.lengths()), wrt.size());
        for (GradCheck.Worst w : report.feeds()) {
            System.out.printf("  %-28s worst relative error %.2e (%d entries checked)%n", w.name(), w.error(),
                    w.checked());
        }
        System.out.printf("worst=%.3e (tolerance %.0e); checked on the reference interpreter — the OpenCL modes"
                + " have no kernels for the backward graph's ops yet%n", report.worst(), TOLERANCE);
        return report.worst() > TOLERANCE ? 1 : 0;
    }

    /** The graph itself when it outputs {@code loss}; else with loss = first output · r, r a new per-step input. */
    static Graph withLoss(Graph g) {
        if (g.node("loss") != null && g.outputs().contains(g.node("loss").id())) {
            return g;
        }
        Node y = g.outputNodes().stream().filter(n -> n.isPerStep() && n.dtype() == DType.F32).findFirst()
                .orElseThrow(() -> new UserException("graph " + g.name() + " has no `loss` output and no per-step"
                        + " f32 output to build one from"));
        List<Node> nodes = new ArrayList<>(g.nodes());
        Node r = new Node(nodes.size(), "gradcheck.r", Op.INPUT, List.of(), Attrs.EMPTY, DType.F32, y.shape(), y.axis());
        nodes.add(r);
        nodes.add(new Node(nodes.size(), "loss", Op.MUL, List.of(Operand.of(y.id()), Operand.of(r.id())), Attrs.EMPTY,
                DType.F32, y.shape(), y.axis()));
        return Verifier.verify(g.replace(nodes, List.of(nodes.size() - 1)));
    }
}
