package io.recurflow.scc;

import io.recurflow.dsl.Arg;
import io.recurflow.dsl.GraphBuilder;
import io.recurflow.dsl.Recurrent;
import io.recurflow.dsl.Value;
import io.recurflow.ir.Graph;

/** Small cells built with the DSL, PyTorch parameter names, for the SCC and DOT tests. */
final class Cells {
    static final int IN = 4;
    static final int HID = 8;

    private Cells() {
    }

    /** x → linear → relu → linear: no cycle at all. */
    static Graph mlp() {
        GraphBuilder g = new GraphBuilder("mlp");
        Value x = g.input("x", IN);
        Value w1 = g.param("w1", HID, IN);
        Value b1 = g.param("b1", HID);
        Value w2 = g.param("w2", 3, HID);
        Value b2 = g.param("b2", 3);
        Value h = g.relu(g.add(g.matmulT(x, w1), b1)).named("h");
        g.output("y", g.add(g.matmulT(h, w2), b2));
        return g.build();
    }

    /** Elman: h = tanh(x W_ih^T + h[t-1] W_hh^T + b). */
    static Graph elman() {
        GraphBuilder g = new GraphBuilder("elman");
        Value x = g.input("x", IN);
        Value wih = g.param("weight_ih_l0", HID, IN);
        Value whh = g.param("weight_hh_l0", HID, HID);
        Value b = g.param("bias_ih_l0", HID);
        Recurrent h = g.recurrent("h", HID);
        h.define(g.tanh(g.add(g.add(g.matmulT(x, wih), g.matmulT(h.prev(), whh)), b)));
        g.output(h);
        return g.build();
    }

    /** One LSTM layer (gates i, f, g, o) reading {@code x}; {@code reverse} reads h and c at t+1. */
    static Value lstm(GraphBuilder g, Value x, int inSize, String suffix, boolean reverse) {
        GraphBuilder.Scope scope = g.scope("lstm" + suffix);
        try {
            Value wih = g.param("weight_ih" + suffix, 4 * HID, inSize);
            Value whh = g.param("weight_hh" + suffix, 4 * HID, HID);
            Value bih = g.param("bias_ih" + suffix, 4 * HID);
            Value bhh = g.param("bias_hh" + suffix, 4 * HID);
            Recurrent h = g.recurrent("h" + suffix, HID);
            Recurrent c = g.recurrent("c" + suffix, HID);
            Arg hPrev = reverse ? h.next() : h.prev();
            Arg cPrev = reverse ? c.next() : c.prev();
            Value gates = g.add(g.add(g.matmulT(x, wih), bih), g.add(g.matmulT(hPrev, whh), bhh));
            Value i = g.sigmoid(g.slice(gates, 0, HID));
            Value f = g.sigmoid(g.slice(gates, HID, 2 * HID));
            Value gg = g.tanh(g.slice(gates, 2 * HID, 3 * HID));
            Value o = g.sigmoid(g.slice(gates, 3 * HID, 4 * HID));
            c.define(g.add(g.mul(f, cPrev), g.mul(i, gg)));
            h.define(g.mul(o, g.tanh(c)));
            return h;
        } finally {
            scope.close();
        }
    }

    static Graph lstm() {
        GraphBuilder g = new GraphBuilder("lstm");
        Value x = g.input("x", IN);
        g.output(lstm(g, x, IN, "_l0", false));
        return g.build();
    }

    /** GRU (gates r, z, n; b_hn inside r ⊙ (W_hn h + b_hn)); h = n + z ⊙ (h[t-1] − n). */
    static Graph gru() {
        GraphBuilder g = new GraphBuilder("gru");
        Value x = g.input("x", IN);
        Value wih = g.param("weight_ih_l0", 3 * HID, IN);
        Value whh = g.param("weight_hh_l0", 3 * HID, HID);
        Value bih = g.param("bias_ih_l0", 3 * HID);
        Value bhh = g.param("bias_hh_l0", 3 * HID);
        Recurrent h = g.recurrent("h", HID);
        Value gi = g.add(g.matmulT(x, wih), bih);
        Value gh = g.add(g.matmulT(h.prev(), whh), bhh);
        Value r = g.sigmoid(g.add(g.slice(gi, 0, HID), g.slice(gh, 0, HID)));
        Value z = g.sigmoid(g.add(g.slice(gi, HID, 2 * HID), g.slice(gh, HID, 2 * HID)));
        Value n = g.tanh(g.add(g.slice(gi, 2 * HID, 3 * HID), g.mul(r, g.slice(gh, 2 * HID, 3 * HID))));
        h.define(g.add(n, g.mul(z, g.sub(h.prev(), n))));
        g.output(h);
        return g.build();
    }

    /** Two LSTM layers, the second reading the first's h; a loss summed over time at the end. */
    static Graph stackedLstm() {
        GraphBuilder g = new GraphBuilder("stacked");
        Value x = g.input("x", IN);
        Value h0 = lstm(g, x, IN, "_l0", false);
        Value h1 = lstm(g, h0, HID, "_l1", false);
        g.output("loss", g.sumTime(g.mul(h1, h1)));
        return g.build();
    }

    /** A bidirectional LSTM layer: forward and reverse directions, outputs concatenated. */
    static Graph biLstm() {
        GraphBuilder g = new GraphBuilder("bilstm");
        Value x = g.input("x", IN);
        Value fwd = lstm(g, x, IN, "_l0", false);
        Value bwd = lstm(g, x, IN, "_l0_reverse", true);
        g.output("y", g.concat(fwd, bwd));
        return g.build();
    }

    /** h = tanh(x W^T + h[t-2] U^T): two interleaved chains, in-flight 2; forward or reverse (t+2). */
    static Graph delay2(boolean reverse) {
        GraphBuilder g = new GraphBuilder(reverse ? "delay2_reverse" : "delay2");
        Value x = g.input("x", IN);
        Value w = g.param("w", HID, IN);
        Value u = g.param("u", HID, HID);
        Recurrent h = g.recurrent("h", HID);
        h.define(g.tanh(g.add(g.matmulT(x, w), g.matmulT(h.delayed(reverse ? -2 : 2), u))));
        g.output(h);
        return g.build();
    }

    /**
     * Two cycles through h: h → a (delay 2) → h (delay 1), total 3, and h → b (delay 4) → h, total 4;
     * no single edge has delay 3, so in-flight 3 needs the total around the cycle.
     */
    static Graph twoPaths() {
        GraphBuilder g = new GraphBuilder("two_paths");
        Value x = g.input("x", HID);
        Recurrent h = g.recurrent("h", HID);
        Value a = g.tanh(h.delayed(2)).named("a");
        Value b = g.sigmoid(h.delayed(4)).named("b");
        h.define(g.add(g.add(x, a.prev()), b));
        g.output(h);
        return g.build();
    }
}
