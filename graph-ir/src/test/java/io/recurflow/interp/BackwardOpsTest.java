package io.recurflow.interp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.recurflow.dsl.GraphBuilder;
import io.recurflow.dsl.Value;
import io.recurflow.ir.Attrs;
import io.recurflow.ir.DType;
import io.recurflow.ir.Graph;
import io.recurflow.ir.GraphException;
import io.recurflow.ir.Op;
import io.recurflow.ir.Shape;
import io.recurflow.text.GraphParser;
import io.recurflow.text.GraphPrinter;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Reference semantics and type rules of the ops that backward graphs use. */
class BackwardOpsTest {
    private static final double EPS = 1e-12;

    /** Two sequences of lengths 3 and 2; x[t][b] = 10 t + b + 1, one feature. */
    private static Tensor x() {
        return new Tensor(new int[] {3, 2, 1}, new double[] {1, 2, 11, 12, 21, 22});
    }

    private static Map<String, Tensor> run(Graph g, Map<String, Tensor> feeds) {
        Map<String, Tensor> out = new ReferenceInterpreter(roundTrip(g)).run(feeds, new int[] {3, 2});
        return out;
    }

    /** Every graph here also goes through the text form. */
    private static Graph roundTrip(Graph g) {
        Graph back = GraphParser.parse(GraphPrinter.print(g));
        assertEquals(g, back);
        return back;
    }

    @Test
    void sumBatchSumsOverTheSequencesOfTheBatch() {
        GraphBuilder g = new GraphBuilder("sb");
        g.output("y", g.sumBatch(g.sumTime(g.input("x", 1))));
        Tensor y = run(g.build(), Map.of("x", x())).get("y");
        assertArrayEquals(new int[] {1}, y.shape());
        assertEquals(1 + 11 + 21 + 2 + 12, y.data()[0], EPS); // x[2][1] = 22 is padding
    }

    @Test
    void matmulTnSumsOverStepsAndSequencesAndStopsAtEachEnd() {
        GraphBuilder g = new GraphBuilder("tn");
        Value x = g.input("x", 1);
        Value stacked = g.stackTime(x);
        g.output("y", g.op(Op.MATMUL_TN, Attrs.EMPTY, stacked, g.stackTime(g.concat(x, x))));
        Tensor y = run(g.build(), Map.of("x", x())).get("y");
        assertArrayEquals(new int[] {1, 2}, y.shape());
        double sq = 1 + 4 + 121 + 144 + 441;
        assertArrayEquals(new double[] {sq, sq}, y.data(), EPS);
    }

    @Test
    void broadcastTimeAndUnstackTimeAreZeroPastEachEnd() {
        GraphBuilder g = new GraphBuilder("bt");
        Value s = g.staticInput("s", Shape.batch(1));
        g.output("spread", g.op(Op.BROADCAST_TIME, Attrs.of("time", "t"), s));
        g.output("back", g.op(Op.UNSTACK_TIME, Attrs.of("time", "t"), g.stackTime(g.input("x", 1))));
        Map<String, Tensor> out = run(g.build(), Map.of("x", x(), "s", new Tensor(new int[] {2, 1},
                new double[] {5, 7})));
        assertArrayEquals(new double[] {5, 7, 5, 7, 5, 0}, out.get("spread").data(), EPS);
        assertArrayEquals(new double[] {1, 2, 11, 12, 21, 0}, out.get("back").data(), EPS);
    }

    @Test
    void broadcastBatchGivesEverySequenceTheValue() {
        GraphBuilder g = new GraphBuilder("bb");
        Value p = g.param("p", 2);
        g.output("y", g.add(g.op(Op.BROADCAST_BATCH, Attrs.of("axis", 0), p), g.input("x", 1)));
        Tensor y = run(g.build(), Map.of("x", x(), "p", new Tensor(new int[] {2}, new double[] {100, 200}))).get("y");
        assertArrayEquals(new double[] {101, 201, 102, 202, 111, 211, 112, 212, 121, 221, 0, 0}, y.data(), EPS);
    }

    @Test
    void scatterAddAddsEachRowIntoItsIdAcrossTheBatch() {
        GraphBuilder g = new GraphBuilder("sa");
        Value ids = g.staticIds("ids", Shape.batch());
        Value v = g.staticInput("v", Shape.batch(2));
        g.output("y", g.op(Op.SCATTER_ADD, Attrs.of("rows", 3), ids, v));
        g.output("stacked", g.stackTime(g.inputIds("tok")));
        Map<String, Tensor> feeds = new HashMap<>();
        feeds.put("ids", new Tensor(new int[] {2}, new double[] {2, 2}));
        feeds.put("v", new Tensor(new int[] {2, 2}, new double[] {1, 2, 30, 40}));
        feeds.put("tok", new Tensor(new int[] {3, 2}, new double[] {1, 2, 3, 4, 5, 6}));
        Map<String, Tensor> out = run(g.build(), feeds);
        assertArrayEquals(new double[] {0, 0, 0, 0, 31, 42}, out.get("y").data(), EPS);
        assertArrayEquals(new double[] {1, 2, 3, 4, 5, 0}, out.get("stacked").data(), EPS); // i32 stays i32, zero-padded
    }

    @Test
    void crossEntropyGradIsScaledSoftmaxMinusOneHot() {
        GraphBuilder g = new GraphBuilder("ceg");
        g.output("y", g.op(Op.CROSS_ENTROPY_GRAD, Attrs.EMPTY, g.input("logits", 2), g.inputIds("target"),
                g.input("scale")));
        Map<String, Tensor> feeds = new HashMap<>();
        feeds.put("logits", new Tensor(new int[] {1, 1, 2}, new double[] {0, Math.log(3)}));
        feeds.put("target", new Tensor(new int[] {1, 1}, new double[] {1}));
        feeds.put("scale", new Tensor(new int[] {1, 1}, new double[] {2}));
        Tensor y = new ReferenceInterpreter(g.build()).run(feeds).get("y");
        assertArrayEquals(new double[] {2 * 0.25, 2 * (0.75 - 1)}, y.data(), EPS);
    }

    @Test
    void elementwiseAndAxisSums() {
        GraphBuilder g = new GraphBuilder("ew");
        Value x = g.input("x", 1);
        Value two = g.concat(x, g.neg(x));
        g.output("div", g.div(two, g.constant(4, 1)));
        g.output("step", g.step(two));
        g.output("rows", g.sumAxis(g.concat(two, x), 1));
        Map<String, Tensor> out = run(g.build(), Map.of("x", x()));
        assertArrayEquals(new double[] {0.25, -0.25, 0.5, -0.5, 2.75, -2.75, 3, -3, 5.25, -5.25, 0, 0},
                out.get("div").data(), EPS);
        assertArrayEquals(new double[] {1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 0, 0}, out.get("step").data(), EPS);
        assertArrayEquals(new int[] {3, 2, 1}, out.get("rows").shape());
        assertArrayEquals(new double[] {1, 2, 11, 12, 21, 0}, out.get("rows").data(), EPS);
    }

    @Test
    void typeRulesNameWhatIsWrong() {
        GraphBuilder g = new GraphBuilder("bad");
        Value x = g.input("x", 3);
        Value s = g.staticInput("s", Shape.batch(3));
        Value p = g.param("p", 3);
        assertMessage("works on static values; %x is per-step", () -> g.sumBatch(x));
        assertMessage("(stack_time it first)", () -> g.op(Op.MATMUL_TN, Attrs.EMPTY, x, x));
        assertMessage("must be a fixed-size axis", () -> g.sumAxis(s, 0));
        assertMessage("needs a static [T, B, ...] value", () -> g.op(Op.UNSTACK_TIME, Attrs.EMPTY, s));
        assertMessage("needs a static [B, ...] value", () -> g.op(Op.BROADCAST_TIME, Attrs.EMPTY, p));
        assertMessage("must have fixed sizes only", () -> g.op(Op.BROADCAST_BATCH, Attrs.EMPTY, s));
        assertMessage("needs i32 ids", () -> g.op(Op.SCATTER_ADD, Attrs.of("rows", 2), s, s));
        assertMessage("needs a value with a B axis", () -> g.sumBatch(p));
        Value ids = g.inputIds("ids");
        assertEquals(DType.I32, g.stackTime(ids).dtype());
        assertMessage("which is not f32", () -> g.sumTime(ids));
    }

    private static void assertMessage(String part, Runnable r) {
        GraphException e = assertThrows(GraphException.class, r::run);
        assertTrue(e.getMessage().contains(part), e.getMessage());
    }
}
