package io.recurflow.passes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.recurflow.dsl.GraphBuilder;
import io.recurflow.dsl.Recurrent;
import io.recurflow.dsl.Value;
import io.recurflow.interp.RandomFeeds;
import io.recurflow.interp.ReferenceInterpreter;
import io.recurflow.interp.Tensor;
import io.recurflow.ir.Graph;
import io.recurflow.ir.Node;
import io.recurflow.ir.Op;
import io.recurflow.layers.Layers;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ScatterBeforeProductTest {
    /** An embedding read through a product (an RNN's input weights): its gradient scatters a product's rows. */
    private static Graph forward(boolean throughProduct) {
        GraphBuilder g = new GraphBuilder("embedding_product");
        Value emb = Layers.embedding(g, "emb", g.inputIds("ids"), 7, 4);
        Recurrent h = g.recurrent("h", throughProduct ? 6 : 4);
        Value in = throughProduct ? g.matmulT(emb, g.param("w_ih", 6, 4)) : emb;
        h.define(g.tanh(g.add(in, g.matmulT(h.prev(), g.param("w_hh", throughProduct ? 6 : 4, throughProduct ? 6 : 4)))));
        Value logits = Layers.dense(g, "fc", h, throughProduct ? 6 : 4, 5);
        g.output("loss", g.sumBatch(g.sumTime(g.crossEntropy(logits, g.inputIds("targets"), g.input("mask")))));
        return g.build();
    }

    private static Graph backward(Graph forward) {
        List<String> params = forward.nodesOf(Op.PARAM).stream().map(Node::name).toList();
        return Autodiff.gradients(forward, "loss", params);
    }

    @Test
    void sumsRowsByIdBeforeTheProductWithTheSameResults() {
        Graph before = backward(forward(true));
        Graph after = ScatterBeforeProduct.rewrite(before);
        Node grad = after.node(Autodiff.gradientName("emb.weight"));
        assertEquals(Op.MATMUL, grad.op());
        Node sums = after.node(grad.operand(0).source());
        assertEquals(Op.SCATTER_ADD, sums.op());
        assertEquals(6, sums.shape().features(), "the sums have the product's inner width");
        assertEquals(before.nodes().size(), after.nodes().size(), "one product dropped, one added");

        Map<String, Tensor> feeds = RandomFeeds.generate(before, 5, 3, 4);
        int[] lengths = {4, 2, 3};
        Map<String, Tensor> want = new ReferenceInterpreter(before).run(feeds, lengths);
        Map<String, Tensor> got = new ReferenceInterpreter(after).run(feeds, lengths);
        assertEquals(want.keySet(), got.keySet());
        for (String name : want.keySet()) {
            double[] w = want.get(name).data();
            double[] o = got.get(name).data();
            assertEquals(w.length, o.length, name);
            for (int i = 0; i < w.length; i++) {
                assertTrue(Math.abs(w[i] - o[i]) <= 1e-5 * (1 + Math.abs(w[i])), name + "[" + i + "]: " + w[i]
                        + " vs " + o[i]);
            }
        }
    }

    @Test
    void leavesAnEmbeddingReadDirectlyAlone() {
        Graph g = backward(forward(false));
        assertSame(g, ScatterBeforeProduct.rewrite(g));
    }
}
