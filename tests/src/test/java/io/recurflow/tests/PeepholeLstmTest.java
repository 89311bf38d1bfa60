package io.recurflow.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.recurflow.dsl.Arg;
import io.recurflow.dsl.GraphBuilder;
import io.recurflow.dsl.Recurrent;
import io.recurflow.dsl.Value;
import io.recurflow.interp.RandomFeeds;
import io.recurflow.interp.ReferenceInterpreter;
import io.recurflow.interp.Tensor;
import io.recurflow.ir.Graph;
import io.recurflow.layers.Cell;
import io.recurflow.layers.Cells;
import io.recurflow.layers.RecurrentLayers;
import io.recurflow.scc.Component;
import io.recurflow.scc.ComponentKind;
import io.recurflow.scc.SccAnalysis;
import io.recurflow.text.GraphParser;
import io.recurflow.text.GraphPrinter;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A user-defined cell, written here with the DSL only: an LSTM whose input and forget gates also see
 * the previous cell state and whose output gate sees the new one (Gers &amp; Schmidhuber's peepholes).
 * It goes through the same stacking, analysis, text form and interpreter as the library's cells.
 */
class PeepholeLstmTest {
    static final Cell PEEPHOLE = Cells.of("peephole", List.of("h", "c"),
            (g, x, inputSize, hidden, suffix, delay, initial) -> {
                Recurrent h = g.recurrent(g.scoped("h"), hidden);
                Recurrent c = g.recurrent(g.scoped("c"), hidden);
                Arg cPrev = Cells.prior(c, delay, initial, 1);
                Value gates = Cells.projections(g, x, Cells.prior(h, delay, initial, 0), inputSize, hidden, 4, suffix);
                Value pi = g.param("peep_i" + suffix, hidden);
                Value pf = g.param("peep_f" + suffix, hidden);
                Value po = g.param("peep_o" + suffix, hidden);
                Value i = g.sigmoid(g.add(g.slice(gates, 0, hidden), g.mul(cPrev, pi)));
                Value f = g.sigmoid(g.add(g.slice(gates, hidden, 2 * hidden), g.mul(cPrev, pf)));
                Value cand = g.tanh(g.slice(gates, 2 * hidden, 3 * hidden));
                c.define(g.add(g.mul(f, cPrev), g.mul(i, cand)));
                Value o = g.sigmoid(g.add(g.slice(gates, 3 * hidden, 4 * hidden), g.mul(c, po)));
                h.define(g.mul(o, g.tanh(c)));
                return List.of(h, c);
        });

    static Graph graph(boolean bidirectional) {
        GraphBuilder g = new GraphBuilder("peephole");
        Value x = g.input("x", 3);
        RecurrentLayers.Result r = RecurrentLayers.stack(g, PEEPHOLE, x, 3, 4, 1, bidirectional, null);
        g.output("y", r.output());
        g.output("h_n", r.finalStates().get(0));
        return g.build();
    }

    @Test
    void analysesLikeALibraryCell() {
        List<Component> rec = SccAnalysis.analyze(graph(true)).components().stream()
                .filter(Component::isRecurrent).toList();
        assertEquals(List.of(ComponentKind.RECURRENT_FORWARD, ComponentKind.RECURRENT_REVERSE),
                rec.stream().map(Component::kind).sorted().toList());
    }

    @Test
    void printsAndParsesBack() {
        Graph g = graph(true);
        String text = GraphPrinter.print(g);
        assertTrue(text.contains("param() : f32[4]") && text.contains("%peep_o_l0_reverse"), text);
        Graph parsed = GraphParser.parse(text, "peephole.rfg");
        assertEquals(g, parsed);
        assertEquals(text, GraphPrinter.print(parsed));
    }

    /** The interpreter's answer equals the peephole equations written out in plain Java. */
    @Test
    void runsAsTheEquationsSay() {
        Graph g = graph(false);
        int steps = 5;
        Map<String, Tensor> feeds = RandomFeeds.generate(g, 3, 1, steps);
        Tensor y = new ReferenceInterpreter(g).run(feeds).get("y");
        int hid = 4;
        double[] h = new double[hid];
        double[] c = new double[hid];
        double[] w = feeds.get("weight_ih_l0").data();
        double[] u = feeds.get("weight_hh_l0").data();
        double[] bi = feeds.get("bias_ih_l0").data();
        double[] bh = feeds.get("bias_hh_l0").data();
        double[] pi = feeds.get("peep_i_l0").data();
        double[] pf = feeds.get("peep_f_l0").data();
        double[] po = feeds.get("peep_o_l0").data();
        double[] x = feeds.get("x").data();
        for (int t = 0; t < steps; t++) {
            double[] z = new double[4 * hid];
            for (int r = 0; r < 4 * hid; r++) {
                z[r] = bi[r] + bh[r];
                for (int k = 0; k < 3; k++) {
                    z[r] += w[r * 3 + k] * x[t * 3 + k];
                }
                for (int k = 0; k < hid; k++) {
                    z[r] += u[r * hid + k] * h[k];
                }
            }
            double[] newH = new double[hid];
            for (int j = 0; j < hid; j++) {
                double in = sig(z[j] + c[j] * pi[j]);
                double fo = sig(z[hid + j] + c[j] * pf[j]);
                double cn = fo * c[j] + in * Math.tanh(z[2 * hid + j]);
                double out = sig(z[3 * hid + j] + cn * po[j]);
                c[j] = cn;
                newH[j] = out * Math.tanh(cn);
            }
            h = newH;
            for (int j = 0; j < hid; j++) {
                assertEquals(h[j], y.data()[t * hid + j], 1e-12, "step " + t + " unit " + j);
            }
        }
    }

    private static double sig(double v) {
        return 1 / (1 + Math.exp(-v));
    }
}
