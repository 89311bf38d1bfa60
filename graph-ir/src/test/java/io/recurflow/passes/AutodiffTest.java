package io.recurflow.passes;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.recurflow.dsl.GraphBuilder;
import io.recurflow.dsl.Recurrent;
import io.recurflow.dsl.Value;
import io.recurflow.interp.RandomFeeds;
import io.recurflow.interp.ReferenceInterpreter;
import io.recurflow.interp.Tensor;
import io.recurflow.ir.Graph;
import io.recurflow.ir.GraphException;
import io.recurflow.ir.Node;
import io.recurflow.layers.Layers;
import io.recurflow.text.GraphPrinter;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What Autodiff promises beyond the numbers: losses of several shapes, names, zeros, refusals. */
class AutodiffTest {
    private static final List<String> PARAMS = List.of("emb.weight", "w", "fc.weight", "fc.bias", "mask");

    /** A recurrent classifier over an embedding; returns the masked cross-entropy per step and sequence. */
    private static Value classifier(GraphBuilder g) {
        Value emb = Layers.embedding(g, "emb", g.inputIds("ids"), 7, 4);
        Recurrent h = g.recurrent("h", 4);
        h.define(g.tanh(g.add(emb, g.matmulT(h.prev(), g.param("w", 4, 4)))));
        Value logits = Layers.dense(g, "fc", h, 4, 5);
        return g.crossEntropy(logits, g.inputIds("targets"), g.input("mask")).named("ce");
    }

    private static GradCheck.Report check(Graph forward) {
        GradCheck.Report r = GradCases.check(forward, "loss", PARAMS, GradCheck.Options.defaults());
        assertTrue(r.worst() <= GradCases.TOLERANCE, r.toString());
        return r;
    }

    @Test
    void aScalarLossPerRun() {
        GraphBuilder g = new GraphBuilder("scalar");
        g.output("loss", g.sumBatch(g.sumTime(classifier(g))));
        Graph forward = g.build();
        assertEquals(0, forward.node("loss").shape().rank());
        check(forward);
    }

    @Test
    void aLossPerSequenceIsSummedOverTheBatch() {
        GraphBuilder g = new GraphBuilder("per_sequence");
        g.output("loss", g.sumTime(classifier(g)));
        check(g.build());
    }

    @Test
    void aPerStepLossIsSummedOverEachSequencesSteps() {
        GraphBuilder g = new GraphBuilder("per_step");
        g.output("loss", classifier(g));
        check(g.build());
    }

    @Test
    void aStackedLossSumsEveryStepOfEverySequence() {
        GraphBuilder g = new GraphBuilder("stacked");
        g.output("loss", g.stackTime(g.mul(g.tanh(g.input("x", 2)), g.input("r", 2))));
        Graph forward = g.build();
        GradCheck.Report r = GradCases.check(forward, "loss", List.of("x"), GradCheck.Options.defaults());
        assertTrue(r.worst() <= GradCases.TOLERANCE, r.toString());
    }

    @Test
    void theGradientOfAnIntermediateNodeTreatsItAsTheVariable() {
        GraphBuilder g = new GraphBuilder("intermediate");
        Value z = g.tanh(g.input("x", 2)).named("z");
        g.output("loss", g.sumBatch(g.sumTime(g.sumAxis(g.mul(z, g.input("r", 2)), 1))));
        Graph backward = Autodiff.gradients(g.build(), "loss", List.of("z"));
        Map<String, Tensor> feeds = RandomFeeds.generate(backward, 3, 2, 3);
        Tensor grad = new ReferenceInterpreter(backward).run(feeds, new int[] {3, 1}).get("grad_z");
        double[] r = feeds.get("r").data().clone();
        for (int t = 1; t < 3; t++) {
            r[(t * 2 + 1) * 2] = 0; // sequence 1 has one step: padding
            r[(t * 2 + 1) * 2 + 1] = 0;
        }
        assertArrayEquals(r, grad.data(), 1e-12);
    }

    @Test
    void aFeedTheLossDoesNotDependOnGetsZeros() {
        GraphBuilder g = new GraphBuilder("zeros");
        Value x = g.input("x", 2);
        g.input("unused", 3);
        g.param("p", 2, 2);
        g.output("loss", g.sumBatch(g.sumTime(g.sumAxis(g.tanh(x), 1))));
        Graph backward = Autodiff.gradients(g.build(), "loss", List.of("unused", "p", "x"));
        Node unused = backward.node("grad_unused");
        assertEquals("t", unused.axis());
        Map<String, Tensor> out = new ReferenceInterpreter(backward)
                .run(RandomFeeds.generate(backward, 1, 2, 3), new int[] {3, 2});
        assertArrayEquals(new int[] {3, 2, 3}, out.get("grad_unused").shape());
        assertTrue(Arrays.stream(out.get("grad_unused").data()).allMatch(v -> v == 0));
        assertArrayEquals(new double[4], out.get("grad_p").data());
    }

    @Test
    void theResultIsDeterministic() {
        GraphBuilder g1 = new GraphBuilder("det");
        g1.output("loss", g1.sumBatch(g1.sumTime(classifier(g1))));
        Graph f = g1.build();
        assertEquals(GraphPrinter.print(Autodiff.gradients(f, "loss", PARAMS)),
                GraphPrinter.print(Autodiff.gradients(f, "loss", PARAMS)));
    }

    @Test
    void refusalsNameTheNode() {
        GraphBuilder g = new GraphBuilder("bad");
        Value ids = g.inputIds("ids");
        Value x = g.input("x", 2);
        Value delayed = g.embedding(ids.prev(), g.param("table", 5, 2));
        g.output("loss", g.sumBatch(g.sumTime(g.sumAxis(g.mul(delayed, x), 1))));
        Graph f = g.build();
        assertMessage("no loss node %nope", () -> Autodiff.gradients(f, "nope", List.of("x")));
        assertMessage("has no node %nope", () -> Autodiff.gradients(f, "loss", List.of("nope")));
        assertMessage("%ids is i32", () -> Autodiff.gradients(f, "loss", List.of("ids")));
        assertMessage("reads its ids %ids with a delay", () -> Autodiff.gradients(f, "loss", List.of("table")));
        // the ids' delay does not matter when the table is not differentiated
        Autodiff.gradients(f, "loss", List.of("x"));
    }

    private static void assertMessage(String part, Runnable r) {
        GraphException e = assertThrows(GraphException.class, r::run);
        assertTrue(e.getMessage().contains(part), e.getMessage());
    }
}
