package io.recurflow.samples.charlm;

import io.recurflow.dsl.GraphBuilder;
import io.recurflow.dsl.Recurrent;
import io.recurflow.dsl.Value;
import io.recurflow.interp.RandomFeeds;
import io.recurflow.interp.Tensor;
import io.recurflow.ir.DType;
import io.recurflow.ir.Dim;
import io.recurflow.ir.Graph;
import io.recurflow.ir.Node;
import io.recurflow.ir.Op;
import io.recurflow.ir.Shape;
import io.recurflow.layers.Cell;
import io.recurflow.layers.Cells;
import io.recurflow.layers.Layers;
import io.recurflow.layers.RecurrentLayers;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The character-level LSTM language model: ids [T, B] → {@code embedding.weight} [V, H] → L stacked
 * LSTM layers with torch.nn.LSTM's names ({@code weight_ih_l0} …) → {@code decoder} (nn.Linear H → V)
 * → logits. The training variants output {@code loss}, the sum over every sequence's own steps of the
 * cross-entropy against {@code targets} [T, B]; the parameters are the same in every variant, so one
 * checkpoint serves them all.
 */
public final class CharLm {
    private CharLm() {
    }

    /** Which inputs and outputs the graph has. */
    public enum Variant {
        /** Independent sequences from zero state (pad, bucket): ids, targets → loss. */
        SEQUENCES,
        /** State carried from the previous chunk (tbptt): also static h0, c0 [L, B, H] → h_n, c_n. */
        CARRIED,
        /**
         * Streams of spliced sentences (splice): as CARRIED, plus per-step {@code keep} [B, 1] (0 at a
         * sentence's first step: the previous state is zeroed) and {@code mask} [B] (0: no loss at that step).
         */
        SPLICED,
        /** Sampling: ids, h0, c0 → per-step {@code logits} [B, V], h_n, c_n. */
        SAMPLER;

        public boolean carriesState() {
            return this != SEQUENCES;
        }
    }

    /** The model's sizes. */
    public record Config(int vocab, int hidden, int layers) {
        public Config {
            if (vocab < 2 || hidden < 1 || layers < 1) {
                throw new IllegalArgumentException("char-lm needs vocab >= 2, hidden >= 1 and layers >= 1, got vocab="
                        + vocab + ", hidden=" + hidden + ", layers=" + layers);
            }
        }

        /** The shape of a carried state for {@code batch} sequences: [layers, batch, hidden]. */
        public int[] stateShape(int batch) {
            return new int[] {layers, batch, hidden};
        }
    }

    /** The graph of {@code variant}. */
    public static Graph build(Config c, Variant variant) {
        GraphBuilder g = new GraphBuilder("char_lm");
        Value ids = g.inputIds("ids");
        Value x = Layers.embedding(g, "embedding", ids, c.vocab(), c.hidden());
        List<Value> init = null;
        if (variant.carriesState()) {
            Shape s = Shape.of(Dim.of(c.layers()), Dim.B, Dim.of(c.hidden()));
            init = List.of(g.staticInput("h0", s), g.staticInput("c0", s));
        }
        Cell cell = variant == Variant.SPLICED
                ? resettable(g.input("keep", DType.F32, Shape.batch(1), Node.DEFAULT_AXIS)) : Cells.LSTM;
        RecurrentLayers.Result r = RecurrentLayers.stack(g, cell, x, c.hidden(), c.hidden(), c.layers(), false, init);
        Value logits = Layers.dense(g, "decoder", r.output(), c.hidden(), c.vocab());
        if (variant == Variant.SAMPLER) {
            g.output("logits", logits);
        } else {
            Value targets = g.inputIds("targets");
            Value ce = variant == Variant.SPLICED
                    ? g.crossEntropy(logits, targets, g.input("mask", DType.F32, Shape.batch(), Node.DEFAULT_AXIS))
                    : g.crossEntropy(logits, targets);
            g.output("loss", g.sumBatch(g.sumTime(ce)));
        }
        if (variant.carriesState()) {
            g.output("h_n", r.finalStates().get(0));
            g.output("c_n", r.finalStates().get(1));
        }
        return g.build();
    }

    /**
     * torch.nn.LSTM's cell (gates i, f, g, o; the same parameters as {@link Cells#LSTM}) whose previous
     * state is multiplied by the per-step {@code keep} [B, 1]: 0 starts a new sentence from zero state.
     */
    static Cell resettable(Value keep) {
        return Cells.of("lstm", List.of("h", "c"), (g, x, inputSize, hidden, suffix, delay, initial) -> {
            Recurrent h = g.recurrent(g.scoped("h"), hidden);
            Recurrent c = g.recurrent(g.scoped("c"), hidden);
            Value hPrev = g.mul(keep, Cells.prior(h, delay, initial, 0)).named(g.scoped("h_kept"));
            Value cPrev = g.mul(keep, Cells.prior(c, delay, initial, 1)).named(g.scoped("c_kept"));
            Value gates = Cells.projections(g, x, hPrev, inputSize, hidden, 4, suffix).named(g.scoped("gates"));
            Value[] act = new Value[4];
            for (int k = 0; k < 4; k++) {
                Value pre = g.slice(gates, k * hidden, (k + 1) * hidden);
                act[k] = k == 2 ? g.tanh(pre) : g.sigmoid(pre);
            }
            c.define(g.add(g.mul(act[1], cPrev), g.mul(act[0], act[2])));
            h.define(g.mul(act[3], g.tanh(c)));
            return List.<Value>of(h, c);
        });
    }

    /** Seeded initial parameters: uniform in ±1/√H (PyTorch's LSTM and linear scale), float32 values. */
    public static Map<String, Tensor> initialParameters(Config c, long seed) {
        Graph g = build(c, Variant.SEQUENCES);
        Map<String, Tensor> params = new LinkedHashMap<>();
        double k = 1 / Math.sqrt(c.hidden());
        for (Node p : g.nodesOf(Op.PARAM)) {
            params.put(p.name(), RandomFeeds.uniform(seed, p.name(), p.shape().resolve(1, 1), -k, k));
        }
        return params;
    }

    /** Zero states h and c for {@code batch} sequences. */
    public static Map<String, Tensor> zeroState(Config c, int batch) {
        Map<String, Tensor> m = new LinkedHashMap<>();
        m.put("h0", Tensor.zeros(c.stateShape(batch)));
        m.put("c0", Tensor.zeros(c.stateShape(batch)));
        return m;
    }
}
