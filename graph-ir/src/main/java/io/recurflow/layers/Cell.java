package io.recurflow.layers;

import io.recurflow.dsl.GraphBuilder;
import io.recurflow.dsl.Value;
import java.util.List;

/**
 * A recurrent cell: builds one layer in one direction over a per-step input. Implement this to
 * define a custom cell; {@link RecurrentLayers} stacks and mirrors any cell.
 */
public interface Cell {
    /** A short name for pictures and error messages, e.g. "lstm". */
    String kind();

    /** Names of the cell's state tensors; the first is the output ("h"), e.g. ["h", "c"]. */
    List<String> states();

    /**
     * Builds the layer: parameters named with {@code suffix} (PyTorch's "_l0" or "_l0_reverse"),
     * reading its states at t − {@code delay} (1 forward, −1 reverse), starting from
     * {@code initial} (one static [B, hidden] value per state, or null for zeros). Returns the
     * per-step states, in the order of {@link #states()}.
     */
    List<Value> build(GraphBuilder g, Value x, int inputSize, int hidden, String suffix, int delay,
                      List<Value> initial);
}
