package io.recurflow.layers;

import io.recurflow.dsl.GraphBuilder;
import io.recurflow.dsl.Value;
import java.util.ArrayList;
import java.util.List;

/**
 * Stacks and mirrors any {@link Cell} the way PyTorch's nn.LSTM/nn.GRU/nn.RNN do: layer k reads the
 * outputs of layer k − 1 (both directions concatenated, forward first), parameters are suffixed
 * {@code _lk} and {@code _lk_reverse}, and initial and final states are [layers · directions, B, H],
 * ordered layer 0 forward, layer 0 reverse, layer 1 forward, ….
 */
public final class RecurrentLayers {
    private RecurrentLayers() {
    }

    /** The per-step output [B, directions · H] and one final state [layers · directions, B, H] per cell state. */
    public record Result(Value output, List<Value> finalStates) {
    }

    /**
     * Builds the stack over per-step input {@code x} [B, inputSize]. {@code initialStates} holds, per
     * cell state, a static [layers · directions, B, hidden] value, or is null for zeros.
     */
    public static Result stack(GraphBuilder g, Cell cell, Value x, int inputSize, int hidden, int layers,
                               boolean bidirectional, List<Value> initialStates) {
        if (layers < 1 || hidden < 1 || inputSize < 1) {
            throw new IllegalArgumentException("layers, hidden and input must be at least 1");
        }
        int directions = bidirectional ? 2 : 1;
        int stateCount = cell.states().size();
        List<List<Value>> finals = new ArrayList<>();
        for (int s = 0; s < stateCount; s++) {
            finals.add(new ArrayList<>());
        }
        Value in = x;
        int inSize = inputSize;
        for (int layer = 0; layer < layers; layer++) {
            List<Value> outs = new ArrayList<>();
            for (int dir = 0; dir < directions; dir++) {
                String suffix = "_l" + layer + (dir == 1 ? "_reverse" : "");
                int slot = layer * directions + dir;
                try (GraphBuilder.Scope ignored = g.scope(cell.kind() + suffix)) {
                    List<Value> init = null;
                    if (initialStates != null) {
                        init = new ArrayList<>();
                        for (Value all : initialStates) {
                            init.add(all == null ? null : g.select(all, slot).named(g.scoped(
                                    cell.states().get(init.size()) + "0")));
                        }
                    }
                    List<Value> states = cell.build(g, in, inSize, hidden, suffix, dir == 0 ? 1 : -1, init);
                    outs.add(states.get(0));
                    for (int s = 0; s < stateCount; s++) {
                        Value st = states.get(s);
                        finals.get(s).add(dir == 0 ? g.lastStep(st) : g.firstStep(st));
                    }
                }
            }
            in = outs.size() == 1 ? outs.get(0) : g.concat(outs.get(0), outs.get(1));
            inSize = hidden * directions;
        }
        List<Value> packed = new ArrayList<>();
        for (List<Value> f : finals) {
            packed.add(g.pack(f.toArray(new Value[0])));
        }
        return new Result(in, packed);
    }
}
