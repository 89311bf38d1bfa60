package io.recurflow.layers;

import io.recurflow.dsl.Arg;
import io.recurflow.dsl.Delayed;
import io.recurflow.dsl.GraphBuilder;
import io.recurflow.dsl.Recurrent;
import io.recurflow.dsl.Value;
import java.util.List;

/** The cells of PyTorch's nn.RNN (tanh), nn.LSTM and nn.GRU, with their parameter names and gate orders. */
public final class Cells {
    private Cells() {
    }

    /** Elman RNN: h = tanh(x W_ihᵀ + b_ih + h' W_hhᵀ + b_hh). */
    public static final Cell ELMAN = of("rnn", List.of("h"),
            (g, x, inputSize, hidden, suffix, delay, initial) -> {
                Recurrent h = g.recurrent(g.scoped("h"), hidden);
                Value pre = projections(g, x, prior(h, delay, initial, 0), inputSize, hidden, 1, suffix);
                h.define(g.tanh(pre));
                return List.of(h);
        });

    /** LSTM with gates i, f, g, o: c = f ⊙ c' + i ⊙ g, h = o ⊙ tanh(c). */
    public static final Cell LSTM = of("lstm", List.of("h", "c"),
            (g, x, inputSize, hidden, suffix, delay, initial) -> {
                Recurrent h = g.recurrent(g.scoped("h"), hidden);
                Recurrent c = g.recurrent(g.scoped("c"), hidden);
                Value gates = projections(g, x, prior(h, delay, initial, 0), inputSize, hidden, 4, suffix)
                        .named(g.scoped("gates"));
                Value i = g.sigmoid(g.slice(gates, 0, hidden)).named(g.scoped("i"));
                Value f = g.sigmoid(g.slice(gates, hidden, 2 * hidden)).named(g.scoped("f"));
                Value cand = g.tanh(g.slice(gates, 2 * hidden, 3 * hidden)).named(g.scoped("g"));
                Value o = g.sigmoid(g.slice(gates, 3 * hidden, 4 * hidden)).named(g.scoped("o"));
                c.define(g.add(g.mul(f, prior(c, delay, initial, 1)), g.mul(i, cand)));
                h.define(g.mul(o, g.tanh(c)));
                return List.of(h, c);
        });

    /**
     * GRU with gates r, z, n: n = tanh(x W_inᵀ + b_in + r ⊙ (h' W_hnᵀ + b_hn)), h = (1 − z) ⊙ n + z ⊙ h',
     * computed as n + z ⊙ (h' − n).
     */
    public static final Cell GRU = of("gru", List.of("h"),
            (g, x, inputSize, hidden, suffix, delay, initial) -> {
                Recurrent h = g.recurrent(g.scoped("h"), hidden);
                Arg hPrev = prior(h, delay, initial, 0);
                Value wih = g.param("weight_ih" + suffix, 3 * hidden, inputSize);
                Value whh = g.param("weight_hh" + suffix, 3 * hidden, hidden);
                Value bih = g.param("bias_ih" + suffix, 3 * hidden);
                Value bhh = g.param("bias_hh" + suffix, 3 * hidden);
                Value gi = g.add(g.matmulT(x, wih), bih).named(g.scoped("gi"));
                Value gh = g.add(g.matmulT(hPrev, whh), bhh).named(g.scoped("gh"));
                Value r = g.sigmoid(g.add(g.slice(gi, 0, hidden), g.slice(gh, 0, hidden))).named(g.scoped("r"));
                Value z = g.sigmoid(g.add(g.slice(gi, hidden, 2 * hidden), g.slice(gh, hidden, 2 * hidden)))
                        .named(g.scoped("z"));
                Value n = g.tanh(g.add(g.slice(gi, 2 * hidden, 3 * hidden), g.mul(r, g.slice(gh, 2 * hidden, 3 * hidden))))
                        .named(g.scoped("n"));
                h.define(g.add(n, g.mul(z, g.sub(hPrev, n))));
                return List.of(h);
        });

    /** How a cell builds one layer in one direction: {@link Cell#build} as a lambda. */
    @FunctionalInterface
    public interface Body {
        List<Value> build(GraphBuilder g, Value x, int inputSize, int hidden, String suffix, int delay,
                          List<Value> initial);
    }

    /** A cell called {@code kind} with the given state names, built by {@code body}. */
    public static Cell of(String kind, List<String> states, Body body) {
        List<String> names = List.copyOf(states);
        return new Cell() {
            @Override
            public String kind() {
                return kind;
            }

            @Override
            public List<String> states() {
                return names;
            }

            @Override
            public List<Value> build(GraphBuilder g, Value x, int inputSize, int hidden, String suffix, int delay,
                                     List<Value> initial) {
                return body.build(g, x, inputSize, hidden, suffix, delay, initial);
            }
        };
    }

    /** The cell called {@code name}: rnn, lstm or gru. */
    public static Cell named(String name) {
        return switch (name) {
            case "rnn" -> ELMAN;
            case "lstm" -> LSTM;
            case "gru" -> GRU;
            default -> throw new IllegalArgumentException("unknown cell '" + name + "' (rnn, lstm, gru)");
        };
    }

    /**
     * x W_ihᵀ + b_ih + h' W_hhᵀ + b_hh for {@code gates} gates, with PyTorch's parameter names: the
     * input and recurrent projections that every gated cell shares.
     */
    public static Value projections(GraphBuilder g, Value x, Arg hPrev, int inputSize, int hidden, int gates,
                                    String suffix) {
        Value wih = g.param("weight_ih" + suffix, gates * hidden, inputSize);
        Value whh = g.param("weight_hh" + suffix, gates * hidden, hidden);
        Value bih = g.param("bias_ih" + suffix, gates * hidden);
        Value bhh = g.param("bias_hh" + suffix, gates * hidden);
        return g.add(g.add(g.matmulT(x, wih), bih), g.add(g.matmulT(hPrev, whh), bhh));
    }

    /** State {@code index}'s value one step back in the cell's direction, from its initial value if given. */
    public static Arg prior(Value state, int delay, List<Value> initial, int index) {
        Delayed d = state.delayed(delay);
        Value init = initial == null ? null : initial.get(index);
        return init == null ? d : d.init(init);
    }
}
