package io.recurflow.passes;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.recurflow.dsl.GraphBuilder;
import io.recurflow.dsl.Value;
import io.recurflow.ir.Dim;
import io.recurflow.ir.Graph;
import io.recurflow.ir.Node;
import io.recurflow.ir.Operand;
import io.recurflow.ir.Shape;
import io.recurflow.layers.Cell;
import io.recurflow.layers.Cells;
import io.recurflow.layers.RecurrentLayers;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The sample cells of the layer library, differentiated and checked against finite differences
 * with lengths 5, 3, 1 and given initial states; loss Σ over time and batch of Σ y · r.
 */
class CellGradientTest {
    private static final int INPUT = 3;
    private static final int HIDDEN = 4;

    static Stream<Arguments> cells() {
        return Stream.of(
                Arguments.of("rnn", Cells.ELMAN, 1, false),
                Arguments.of("lstm", Cells.LSTM, 1, false),
                Arguments.of("gru", Cells.GRU, 1, false),
                Arguments.of("lstm_2_layers", Cells.LSTM, 2, false),
                Arguments.of("gru_bidirectional", Cells.GRU, 1, true),
                Arguments.of("lstm_bidirectional", Cells.LSTM, 1, true));
    }

    /** The stack over x [B, 3] with initial states h0 (and c0) [layers · directions, B, 4], loss [1]. */
    static Graph network(String name, Cell cell, int layers, boolean bidirectional) {
        GraphBuilder g = new GraphBuilder(name);
        Value x = g.input("x", INPUT);
        Shape states = Shape.of(Dim.of(layers * (bidirectional ? 2 : 1)), Dim.B, Dim.of(HIDDEN));
        List<Value> initial = new ArrayList<>();
        for (String s : cell.states()) {
            initial.add(g.staticInput(s + "0", states));
        }
        Value y = RecurrentLayers.stack(g, cell, x, INPUT, HIDDEN, layers, bidirectional, initial).output();
        Value r = g.input("r", y.shape().features());
        g.output("loss", g.sumBatch(g.sumTime(g.sumAxis(g.mul(y, r), 1))));
        return g.build();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cells")
    void gradientsMatchFiniteDifferences(String name, Cell cell, int layers, boolean bidirectional) {
        Graph forward = network(name, cell, layers, bidirectional);
        List<String> wrt = GradCases.differentiable(forward);
        GradCheck.Report report = GradCases.check(forward, "loss", wrt, GradCheck.Options.defaults()
                .withMaxCoordinates(12));
        System.out.println(name + " (worst " + String.format("%.2e", report.worst()) + "):\n" + report);
        assertTrue(report.worst() <= GradCases.TOLERANCE, name + ":\n" + report);
        assertTrue(wrt.containsAll(List.of("x", "h0", "weight_ih_l0", "bias_hh_l" + (layers - 1))), wrt.toString());
    }

    /**
     * The backward graph's recurrences run the other way: every delayed read that lies on a cycle
     * of gradient nodes reads the future where the forward direction read the past, and vice versa.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("cells")
    void recurrencesAreReversed(String name, Cell cell, int layers, boolean bidirectional) {
        Graph forward = network(name, cell, layers, bidirectional);
        Graph backward = Autodiff.gradients(forward, "loss", GradCases.differentiable(forward));
        int reversed = 0;
        for (Node user : backward.nodes()) {
            for (Operand o : user.operands()) {
                if (o.delay() == 0 || !onCycle(backward, o.source(), user.id())) {
                    continue;
                }
                boolean gradient = user.name().startsWith("grad");
                boolean reverseDirection = user.name().contains("_reverse");
                // forward layers read t-1 (delay 1): their gradients read t+1; the reverse layers the opposite
                int expected = (gradient == reverseDirection) ? 1 : -1;
                assertTrue(Integer.signum(o.delay()) == expected, "%" + user.name() + " reads %"
                        + backward.node(o.source()).name() + " with delay " + o.delay());
                if (gradient) {
                    reversed++;
                }
            }
        }
        assertFalse(reversed == 0, "no recurrence among the gradient nodes");
    }

    /** Whether {@code from} is reachable from {@code to} along operand edges, i.e. edge from → to closes a cycle. */
    private static boolean onCycle(Graph g, int from, int to) {
        List<List<Integer>> users = new ArrayList<>();
        for (int i = 0; i < g.size(); i++) {
            users.add(new ArrayList<>());
        }
        for (Node n : g.nodes()) {
            for (Operand o : n.operands()) {
                users.get(o.source()).add(n.id());
            }
        }
        boolean[] seen = new boolean[g.size()];
        Deque<Integer> work = new ArrayDeque<>(List.of(to));
        while (!work.isEmpty()) {
            int v = work.pop();
            if (v == from) {
                return true;
            }
            for (int u : users.get(v)) {
                if (!seen[u]) {
                    seen[u] = true;
                    work.push(u);
                }
            }
        }
        return false;
    }
}
