package io.recurflow.passes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.recurflow.dsl.GraphBuilder;
import io.recurflow.dsl.Recurrent;
import io.recurflow.dsl.Value;
import io.recurflow.ir.Attrs;
import io.recurflow.ir.Dim;
import io.recurflow.ir.Graph;
import io.recurflow.ir.GraphException;
import io.recurflow.ir.Node;
import io.recurflow.ir.Op;
import io.recurflow.ir.Shape;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every op's gradient rule against finite differences: a tiny graph around the op, loss Σ y · r
 * for a fixed random r, lengths 5, 3, 1; every f32 input, static input and parameter checked.
 */
public class OpGradientTest {
    /** A named tiny graph: {@code body} builds y from inputs and parameters it declares. */
    public record Case(String name, Function<GraphBuilder, Value> body) {
        public Graph graph() {
            GraphBuilder g = new GraphBuilder(name);
            return GradCases.withWeightedLoss(g, body.apply(g));
        }

        @Override
        public String toString() {
            return name;
        }
    }

    private static Shape batch(int... f) {
        return Shape.batch(f);
    }

    /** The cases, also run by the tests module in the OpenCL modes. */
    public static List<Case> cases() {
        return List.of(
            new Case("matmul", g -> g.matmul(g.input("x", 3), g.param("w", 3, 4))),
            new Case("matmul_transpose_b", g -> g.matmulT(g.input("x", 3), g.param("w", 4, 3))),
            new Case("matmul_static", g -> g.matmulT(g.staticInput("s", batch(3)), g.param("w", 4, 3))),
            new Case("matmul_delayed_with_init", g -> {
                Value x = g.input("x", 4);
                Value s = g.staticInput("s", batch(4));
                Recurrent h = g.recurrent("h", 4);
                h.define(g.tanh(g.add(x, g.matmulT(h.prev().init(s), g.param("u", 4, 4)))));
                return h;
            }),
            new Case("add_bias", g -> g.add(g.input("x", 4), g.param("b", 4))),
            new Case("add_static_column", g -> g.add(g.input("x", 4), g.staticInput("c", batch(1)))),
            new Case("add_scalar_first", g -> g.add(g.param("p", 1), g.input("x", 4))),
            new Case("sub", g -> g.sub(g.input("x", 4), g.staticInput("s", batch(4)))),
            new Case("sub_from_scalar", g -> g.sub(g.param("p", 1), g.input("x", 4))),
            new Case("mul_row_param", g -> g.mul(g.input("x", 4), g.param("p", 1, 4))),
            new Case("mul_self", g -> {
                Value x = g.input("x", 4);
                return g.mul(x, x);
            }),
            new Case("div", g -> {
                Value z = g.input("z", 4);
                return g.div(g.input("x", 4), g.add(g.mul(z, z), g.constant(0.5, 1)));
            }),
            new Case("div_by_param", g -> g.div(g.input("x", 4), g.add(g.exp(g.param("p", 4)), g.constant(0.5)))),
            new Case("neg", g -> g.neg(g.input("x", 4))),
            new Case("sigmoid", g -> g.sigmoid(g.input("x", 4))),
            new Case("tanh", g -> g.tanh(g.input("x", 4))),
            new Case("relu", g -> g.relu(g.input("x", 4))),
            new Case("exp", g -> g.exp(g.input("x", 4))),
            new Case("log", g -> {
                Value x = g.input("x", 4);
                return g.log(g.add(g.mul(x, x), g.constant(0.5, 1)));
            }),
            new Case("step", g -> {
                Value x = g.input("x", 4);
                return g.add(g.step(x), g.tanh(x));
            }),
            new Case("concat", g -> {
                Value x = g.input("x", 2);
                return g.concat(x, g.tanh(x), g.input("z", 3));
            }),
            new Case("slice_overlapping_with_gaps", g -> {
                Value x = g.input("x", 7);
                return g.add(g.add(g.slice(x, 0, 3), g.slice(x, 2, 5)), g.slice(x, 2, 5));
            }),
            new Case("slice_delayed", g -> {
                Value x = g.input("x", 6);
                Value s = g.staticInput("s", batch(6));
                return g.mul(g.slice(x.prev().init(s), 1, 3), g.slice(x.next(), 4, 6));
            }),
            new Case("select_and_pack", g -> {
                Value all = g.staticInput("all", Shape.of(Dim.of(3), Dim.B, Dim.of(4)));
                Value a = g.select(all, 0);
                Value b = g.select(all, 2);
                return g.pack(g.tanh(a), g.mul(a, b));
            }),
            new Case("embedding", g -> g.embedding(g.inputIds("ids"), g.param("table", 6, 4))),
            new Case("embedding_static_ids", g -> g.embedding(g.staticIds("ids", batch()), g.param("table", 6, 4))),
            new Case("softmax", g -> g.softmax(g.input("x", 5))),
            new Case("log_softmax", g -> g.logSoftmax(g.input("x", 5))),
            new Case("cross_entropy", g -> g.crossEntropy(g.matmulT(g.input("x", 3), g.param("w", 5, 3)),
                    g.inputIds("targets"))),
            new Case("cross_entropy_masked", g -> g.crossEntropy(g.input("logits", 5), g.inputIds("targets"),
                    g.input("mask"))),
            new Case("sum_time", g -> g.sumTime(g.tanh(g.input("x", 4)))),
            new Case("last_step", g -> g.lastStep(g.tanh(g.input("x", 4)))),
            new Case("first_step", g -> g.firstStep(g.tanh(g.input("x", 4)))),
            new Case("stack_then_unstack_time", g -> g.op(Op.UNSTACK_TIME, Attrs.of("time", "t"),
                    g.stackTime(g.tanh(g.input("x", 4))))),
            new Case("stack_time_matmul_tn", g -> g.op(Op.MATMUL_TN, Attrs.EMPTY, g.stackTime(g.input("x", 3)),
                    g.stackTime(g.sigmoid(g.input("z", 2))))),
            new Case("matmul_tn_static", g -> g.op(Op.MATMUL_TN, Attrs.EMPTY, g.staticInput("a", batch(3)),
                    g.staticInput("b", batch(2)))),
            new Case("sum_axis", g -> g.sumAxis(g.input("x", 4), 1)),
            new Case("sum_batch", g -> g.sumBatch(g.sumTime(g.tanh(g.input("x", 4))))),
            new Case("broadcast_batch", g -> g.mul(g.op(Op.BROADCAST_BATCH, Attrs.of("axis", 0), g.param("p", 4)),
                    g.input("x", 4))),
            new Case("broadcast_time", g -> g.mul(g.op(Op.BROADCAST_TIME, Attrs.of("time", "t"),
                    g.staticInput("s", batch(4))), g.input("x", 4))),
            new Case("scatter_add", g -> g.op(Op.SCATTER_ADD, Attrs.of("rows", 6), g.staticIds("ids", batch()),
                    g.staticInput("v", batch(4)))),
            new Case("recurrence_delay_2_with_init", g -> {
                Value x = g.input("x", 3);
                Value s = g.staticInput("s", batch(3));
                Recurrent h = g.recurrent("h", 3);
                h.define(g.tanh(g.add(x, g.mul(h.delayed(2).init(s), g.param("p", 3)))));
                return h;
            }),
            new Case("reverse_delay_2_with_init", g -> {
                Value x = g.input("x", 3);
                Value s = g.staticInput("s", batch(3));
                Recurrent h = g.recurrent("h", 3);
                h.define(g.tanh(g.add(x, g.mul(h.delayed(-2).init(s), g.param("p", 3)))));
                return h;
            }),
            new Case("static_used_at_every_step", g -> {
                Value s = g.staticInput("s", batch(4));
                Value p = g.tanh(g.matmul(s, g.param("w", 4, 4)));
                return g.add(g.mul(g.input("x", 4), p), g.lastStep(g.mul(g.input("z", 4), p)));
            }));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void gradientMatchesFiniteDifferences(Case c) {
        Graph forward = c.graph();
        GradCheck.Report report = GradCases.check(forward, "loss", GradCases.differentiable(forward),
                GradCheck.Options.defaults());
        System.out.println(c.name() + ":\n" + report);
        assertTrue(report.worst() <= GradCases.TOLERANCE, c.name() + ":\n" + report);
    }

    @Test
    void everyOpIsDifferentiatedByACase() {
        Set<Op> seen = EnumSet.noneOf(Op.class);
        for (Case c : cases()) {
            for (Node n : c.graph().nodes()) {
                seen.add(n.op());
            }
        }
        seen.add(Op.CROSS_ENTROPY_GRAD); // secondOrderThroughCrossEntropyIsRefused
        assertEquals(EnumSet.allOf(Op.class), seen);
    }

    @Test
    void secondOrderThroughCrossEntropyIsRefused() {
        GraphBuilder g = new GraphBuilder("second_order");
        Value y = g.op(Op.CROSS_ENTROPY_GRAD, Attrs.EMPTY, g.input("logits", 4), g.inputIds("targets"),
                g.input("scale"));
        Graph forward = GradCases.withWeightedLoss(g, y);
        GraphException e = assertThrows(GraphException.class,
                () -> Autodiff.gradients(forward, "loss", List.of("logits")));
        assertTrue(e.getMessage().contains("cross_entropy_grad"), e.getMessage());
    }
}
