package io.recurflow.layers;

import io.recurflow.dsl.Arg;
import io.recurflow.dsl.GraphBuilder;
import io.recurflow.dsl.Value;

/** Feed-forward layers with PyTorch's parameter names ({@code prefix.weight}, {@code prefix.bias}). */
public final class Layers {
    private Layers() {
    }

    /** nn.Linear: x Wᵀ + b with W [out, in]. */
    public static Value dense(GraphBuilder g, String prefix, Arg x, int in, int out) {
        Value w = g.param(prefix + ".weight", out, in);
        Value b = g.param(prefix + ".bias", out);
        return g.add(g.matmulT(x, w), b);
    }

    /** nn.Embedding: row {@code ids} of a [vocab, dim] table. */
    public static Value embedding(GraphBuilder g, String prefix, Arg ids, int vocab, int dim) {
        return g.embedding(ids, g.param(prefix + ".weight", vocab, dim));
    }
}
