package io.recurflow.passes;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.recurflow.dsl.GraphBuilder;
import io.recurflow.dsl.Value;
import io.recurflow.interp.RandomFeeds;
import io.recurflow.interp.Tensor;
import io.recurflow.ir.DType;
import io.recurflow.ir.Graph;
import io.recurflow.ir.Node;
import io.recurflow.text.GraphParser;
import io.recurflow.text.GraphPrinter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Shared pieces of the gradient tests: a weighted loss, the feeds, the check and the structural checks. */
final class GradCases {
    /** T = 5, B = 3, unequal lengths with a sequence of one step. */
    static final int STEPS = 5;
    static final int[] LENGTHS = {5, 3, 1};
    static final double TOLERANCE = 1e-3;

    private GradCases() {
    }

    /** A fixed random value r of y's own type (not differentiated): Σ y · r is a loss that weighs every element. */
    static Value weightFor(GraphBuilder g, Value y, String name) {
        if (y.isPerStep()) {
            return g.input(name, DType.F32, y.shape(), "t");
        }
        if (y.shape().hasBatch()) {
            return g.staticInput(name, y.shape());
        }
        int[] sizes = y.shape().dims().stream().mapToInt(d -> d.size()).toArray();
        return g.param(name, sizes);
    }

    /** Finishes {@code g} with output {@code loss} = y · r, seeded with ones: the gradient of Σ y · r. */
    static Graph withWeightedLoss(GraphBuilder g, Value y) {
        g.output("loss", g.mul(y, weightFor(g, y, "r")));
        return g.build();
    }

    /** Every f32 feed but the loss weight r. */
    static List<String> differentiable(Graph g) {
        return GradCheck.differentiable(g, "r");
    }

    /** Differentiates, checks the backward graph's structure, runs the gradient check; returns its report. */
    static GradCheck.Report check(Graph forward, String loss, List<String> wrt, GradCheck.Options options) {
        Graph backward = Autodiff.gradients(forward, loss, wrt);
        checkStructure(forward, backward, loss, wrt);
        Map<String, Tensor> feeds = RandomFeeds.generate(forward, 11, LENGTHS.length, STEPS);
        return GradCheck.check(forward, loss, wrt, feeds, LENGTHS, options);
    }

    /** The forward graph is kept as it was, the outputs are named as promised, the text form round-trips. */
    static void checkStructure(Graph forward, Graph backward, String loss, List<String> wrt) {
        assertEquals(forward.nodes(), backward.nodes().subList(0, forward.size()));
        List<String> outputs = new ArrayList<>();
        outputs.add(loss);
        for (String w : wrt) {
            outputs.add(Autodiff.gradientName(w));
        }
        assertEquals(outputs, backward.outputNodes().stream().map(Node::name).toList());
        for (String w : wrt) {
            Node n = forward.node(w);
            Node gn = backward.node(Autodiff.gradientName(w));
            assertEquals(List.of(n.dtype(), n.shape(), String.valueOf(n.axis())),
                    List.of(gn.dtype(), gn.shape(), String.valueOf(gn.axis())), "type of the gradient of %" + w);
        }
        String text = GraphPrinter.print(backward);
        Graph parsed = GraphParser.parse(text, backward.name() + ".rfg");
        assertEquals(backward, parsed);
        assertEquals(text, GraphPrinter.print(parsed));
    }
}
