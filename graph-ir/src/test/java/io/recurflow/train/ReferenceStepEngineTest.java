package io.recurflow.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.recurflow.dsl.GraphBuilder;
import io.recurflow.dsl.Value;
import io.recurflow.interp.RandomFeeds;
import io.recurflow.interp.Tensor;
import io.recurflow.ir.Dim;
import io.recurflow.ir.Graph;
import io.recurflow.ir.Op;
import io.recurflow.ir.Shape;
import io.recurflow.layers.Cells;
import io.recurflow.layers.Layers;
import io.recurflow.layers.RecurrentLayers;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ReferenceStepEngineTest {
    /** A one-layer LSTM classifying each step of a random sequence into one of 3 classes. */
    private static Graph tagger() {
        GraphBuilder g = new GraphBuilder("tagger");
        Value x = g.input("x", 4);
        Value y = g.inputIds("y");
        Value h0 = g.staticInput("h0", Shape.of(Dim.of(1), Dim.B, Dim.of(6)));
        Value c0 = g.staticInput("c0", Shape.of(Dim.of(1), Dim.B, Dim.of(6)));
        RecurrentLayers.Result r = RecurrentLayers.stack(g, Cells.LSTM, x, 4, 6, 1, false, List.of(h0, c0));
        Value logits = Layers.dense(g, "out", r.output(), 6, 3);
        g.output("loss", g.sumBatch(g.sumTime(g.crossEntropy(logits, y))));
        g.output("h_n", r.finalStates().get(0));
        return g.build();
    }

    private static Map<String, Tensor> only(Map<String, Tensor> all, Graph g, boolean params) {
        Map<String, Tensor> m = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : all.entrySet()) {
            if ((g.node(e.getKey()).op() == Op.PARAM) == params) {
                m.put(e.getKey(), e.getValue());
            }
        }
        return m;
    }

    @Test
    void adamDrivesTheLossDownAndEvaluateLeavesParametersAlone() {
        Graph g = tagger();
        Map<String, Tensor> all = RandomFeeds.generate(g, 3, 2, 5);
        Map<String, Tensor> feeds = only(all, g, false);
        int[] lengths = {5, 3};
        try (ReferenceStepEngine e = new ReferenceStepEngine(g, OptimizerSpec.adam(5), only(all, g, true))) {
            StepEngine.Result first = e.evaluate(feeds, lengths);
            assertEquals(8 * Math.log(3), first.loss(), 3);     // 8 tokens, about log 3 each at the start
            assertArrayEquals(new int[] {1, 2, 6}, first.outputs().get("h_n").shape());
            Map<String, Tensor> before = e.parameters();
            e.evaluate(feeds, lengths);
            assertArrayEquals(before.get("out.weight").data(), e.parameters().get("out.weight").data());
            StepEngine.Result r = null;
            for (int i = 0; i < 60; i++) {
                r = e.step(feeds, lengths, 0.05);
            }
            assertTrue(r.loss() < 0.2 * first.loss(), "loss " + first.loss() + " → " + r.loss());
            assertEquals(60, e.steps());
            assertEquals(List.of("weight_ih_l0.m", "weight_ih_l0.v"),
                    e.optimizerState().keySet().stream().limit(2).toList());
        }
    }

    @Test
    void restoredEngineStepsExactlyLikeTheOriginal() {
        Graph g = tagger();
        Map<String, Tensor> all = RandomFeeds.generate(g, 5, 2, 4);
        Map<String, Tensor> feeds = only(all, g, false);
        try (ReferenceStepEngine a = new ReferenceStepEngine(g, OptimizerSpec.adam(1), only(all, g, true));
             ReferenceStepEngine b = new ReferenceStepEngine(g, OptimizerSpec.adam(1),
                     RandomFeeds.generate(g, 99, 2, 4).entrySet().stream()
                             .filter(x -> g.node(x.getKey()).op() == Op.PARAM)
                             .collect(LinkedHashMap::new, (m, x) -> m.put(x.getKey(), x.getValue()), Map::putAll))) {
            a.step(feeds, null, 0.01);
            a.step(feeds, null, 0.01);
            b.restore(a.parameters(), a.optimizerState(), a.steps());
            a.step(feeds, null, 0.01);
            b.step(feeds, null, 0.01);
            for (String p : a.parameters().keySet()) {
                assertArrayEquals(a.parameters().get(p).data(), b.parameters().get(p).data(), p);
            }
        }
    }
}
