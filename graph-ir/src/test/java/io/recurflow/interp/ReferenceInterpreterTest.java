package io.recurflow.interp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.recurflow.dsl.GraphBuilder;
import io.recurflow.dsl.Recurrent;
import io.recurflow.dsl.Value;
import io.recurflow.ir.Dim;
import io.recurflow.ir.Graph;
import io.recurflow.ir.Shape;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ReferenceInterpreterTest {

    /** x as [T, B, 1] with x[t][b] = value. */
    private static Tensor steps(double[][] byStepThenSeq) {
        int t = byStepThenSeq.length;
        int b = byStepThenSeq[0].length;
        double[] d = new double[t * b];
        for (int i = 0; i < t; i++) {
            System.arraycopy(byStepThenSeq[i], 0, d, i * b, b);
        }
        return new Tensor(new int[] {t, b, 1}, d);
    }

    private static Graph runningSum(int delay) {
        GraphBuilder g = new GraphBuilder("sum");
        Value x = g.input("x", 1);
        Recurrent h = g.recurrent("h", 1);
        h.define(g.add(x, h.delayed(delay)));
        g.output(h);
        return g.build();
    }

    @Test
    void forwardRecurrenceStopsAtEachSequencesEndAndPadsWithZeros() {
        Map<String, Tensor> out = new ReferenceInterpreter(runningSum(1))
                .run(Map.of("x", steps(new double[][] {{1, 10}, {2, 20}, {3, 30}})), new int[] {3, 2});
        assertArrayEquals(new int[] {3, 2, 1}, out.get("h").shape());
        assertArrayEquals(new double[] {1, 10, 3, 30, 6, 0}, out.get("h").data());
    }

    @Test
    void reverseRecurrenceStartsAtEachSequencesOwnLastStep() {
        Map<String, Tensor> out = new ReferenceInterpreter(runningSum(-1))
                .run(Map.of("x", steps(new double[][] {{1, 10}, {2, 20}, {3, 30}})), new int[] {3, 2});
        // sequence 0: 1+2+3, 2+3, 3; sequence 1 (length 2): 10+20, 20, padding 0 (x=30 is never read)
        assertArrayEquals(new double[] {6, 30, 5, 20, 3, 0}, out.get("h").data());
    }

    @Test
    void delayTwoReadsTwoStepsBack() {
        Map<String, Tensor> out = new ReferenceInterpreter(runningSum(2))
                .run(Map.of("x", steps(new double[][] {{1}, {2}, {3}, {4}, {5}})), null);
        assertArrayEquals(new double[] {1, 2, 4, 6, 9}, out.get("h").data());
    }

    @Test
    void initialValueIsReadBeforeTheFirstStepPerSequence() {
        GraphBuilder g = new GraphBuilder("init");
        Value x = g.input("x", 1);
        Value h0 = g.staticInput("h0", Shape.of(Dim.B, Dim.of(1)));
        Recurrent h = g.recurrent("h", 1);
        h.define(g.add(x, h.prev().init(h0)));
        g.output(h);
        Map<String, Tensor> feeds = new HashMap<>();
        feeds.put("x", steps(new double[][] {{1, 1}, {1, 1}}));
        feeds.put("h0", new Tensor(new int[] {2, 1}, new double[] {100, 200}));
        Map<String, Tensor> out = new ReferenceInterpreter(g.build()).run(feeds, new int[] {2, 1});
        assertArrayEquals(new double[] {101, 201, 102, 0}, out.get("h").data());
    }

    @Test
    void timeReductionsSeeOnlyEachSequencesOwnSteps() {
        GraphBuilder g = new GraphBuilder("red");
        Value x = g.input("x", 1);
        g.output("sum", g.sumTime(x));
        g.output("last", g.lastStep(x));
        g.output("first", g.firstStep(x));
        g.output("stack", g.stackTime(x));
        Map<String, Tensor> out = new ReferenceInterpreter(g.build())
                .run(Map.of("x", steps(new double[][] {{1, 10}, {2, 20}, {3, 30}})), new int[] {3, 1});
        assertArrayEquals(new double[] {6, 10}, out.get("sum").data());
        assertArrayEquals(new double[] {3, 10}, out.get("last").data());
        assertArrayEquals(new double[] {1, 10}, out.get("first").data());
        assertArrayEquals(new int[] {3, 2, 1}, out.get("stack").shape());
        assertArrayEquals(new double[] {1, 10, 2, 0, 3, 0}, out.get("stack").data());
    }

    @Test
    void matmulWithTransposedWeightAndBroadcastBias() {
        GraphBuilder g = new GraphBuilder("dense");
        Value x = g.input("x", 2);
        Value w = g.param("w", 3, 2);
        Value b = g.param("b", 3);
        g.output("y", g.add(g.matmulT(x, w), b));
        Map<String, Tensor> feeds = Map.of(
                "x", new Tensor(new int[] {1, 1, 2}, new double[] {1, 2}),
                "w", new Tensor(new int[] {3, 2}, new double[] {1, 0, 0, 1, 1, 1}),
                "b", new Tensor(new int[] {3}, new double[] {0.5, 0.25, 0}));
        Tensor y = new ReferenceInterpreter(g.build()).run(feeds).get("y");
        assertArrayEquals(new double[] {1.5, 2.25, 3}, y.data());
    }

    @Test
    void softmaxCrossEntropyAndEmbedding() {
        GraphBuilder g = new GraphBuilder("lm");
        Value ids = g.inputIds("ids");
        Value targets = g.inputIds("targets");
        Value emb = g.embedding(ids, g.param("table", 3, 2));
        g.output("p", g.softmax(emb));
        g.output("ce", g.crossEntropy(emb, targets));
        Map<String, Tensor> feeds = Map.of(
                "ids", new Tensor(new int[] {1, 1}, new double[] {2}),
                "targets", new Tensor(new int[] {1, 1}, new double[] {1}),
                "table", new Tensor(new int[] {3, 2}, new double[] {0, 0, 0, 0, 0, Math.log(3)}));
        Map<String, Tensor> out = new ReferenceInterpreter(g.build()).run(feeds);
        assertArrayEquals(new double[] {0.25, 0.75}, out.get("p").data(), 1e-12);
        assertEquals(-Math.log(0.75), out.get("ce").data()[0], 1e-12);
    }

    @Test
    void outOfRangeIdNamesTheNodeAndTheId() {
        GraphBuilder g = new GraphBuilder("emb");
        g.output("e", g.embedding(g.inputIds("ids"), g.param("table", 3, 2)));
        Map<String, Tensor> feeds = Map.of(
                "ids", new Tensor(new int[] {1, 1}, new double[] {5}),
                "table", Tensor.zeros(3, 2));
        RunException e = assertThrows(RunException.class, () -> new ReferenceInterpreter(g.build()).run(feeds));
        assertTrue(e.getMessage().contains("%e") && e.getMessage().contains("5.0"), e.getMessage());
    }

    @Test
    void missingAndMisshapenFeedsAreNamed() {
        Graph g = runningSum(1);
        RunException missing = assertThrows(RunException.class,
                () -> new ReferenceInterpreter(g).run(Map.of(), new int[] {2}));
        assertTrue(missing.getMessage().contains("missing input %x"), missing.getMessage());
        RunException shape = assertThrows(RunException.class, () -> new ReferenceInterpreter(g)
                .run(Map.of("x", Tensor.zeros(3, 2, 4)), null));
        assertTrue(shape.getMessage().contains("%x has shape [3, 2, 4], expected [3, 2, 1]"), shape.getMessage());
    }

    @Test
    void randomFeedsAreDeterministicPerNameAndSeed() {
        Graph g = runningSum(1);
        Tensor a = RandomFeeds.generate(g, 7, 2, 3).get("x");
        Tensor b = RandomFeeds.generate(g, 7, 2, 3).get("x");
        Tensor c = RandomFeeds.generate(g, 8, 2, 3).get("x");
        assertArrayEquals(a.data(), b.data());
        assertTrue(!java.util.Arrays.equals(a.data(), c.data()));
        for (double v : a.data()) {
            assertEquals((float) v, v, 0.0);
            assertTrue(v >= -1 && v < 1);
        }
    }
}
