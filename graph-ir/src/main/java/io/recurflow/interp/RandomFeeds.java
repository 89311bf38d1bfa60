package io.recurflow.interp;

import io.recurflow.ir.DType;
import io.recurflow.ir.Graph;
import io.recurflow.ir.Node;
import io.recurflow.ir.Op;
import io.recurflow.ir.Operand;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Seeded random weights and inputs, the same for a given seed on every machine and in every mode.
 *
 * <p>Each feed draws from its own stream, seeded with the run's seed mixed with the FNV-1a hash of
 * the feed's name, so adding a node never changes the others' values. Values are rounded to float32
 * so that the reference interpreter and float32 devices start from identical numbers. Parameters are
 * uniform in ±1/√(last axis) (PyTorch's scale for its RNN and linear layers), float inputs and static
 * inputs uniform in ±1, i32 inputs uniform over the ids their users accept (the embedding table's rows,
 * the logits' classes).
 */
public final class RandomFeeds {
    private RandomFeeds() {
    }

    /** Every feed of {@code graph}, for a batch of {@code batch} sequences of {@code steps} steps. */
    public static Map<String, Tensor> generate(Graph graph, long seed, int batch, int steps) {
        return generate(graph, seed, batch, steps, java.util.Set.of());
    }

    /** As above, leaving out the feeds named in {@code skip} (those the caller has from elsewhere). */
    public static Map<String, Tensor> generate(Graph graph, long seed, int batch, int steps,
                                               java.util.Set<String> skip) {
        Map<String, Tensor> feeds = new LinkedHashMap<>();
        for (Node n : graph.feeds().values()) {
            if (skip.contains(n.name())) {
                continue;
            }
            int[] shape = ReferenceInterpreter.feedShape(n, batch, steps);
            Tensor t;
            if (n.dtype() == DType.I32) {
                t = ids(seed, n.name(), shape, idLimit(graph, n));
            } else if (n.op() == Op.PARAM) {
                int fan = shape.length == 0 ? 1 : shape[shape.length - 1];
                double k = 1.0 / Math.sqrt(Math.max(1, fan));
                t = uniform(seed, n.name(), shape, -k, k);
            } else {
                t = uniform(seed, n.name(), shape, -1, 1);
            }
            feeds.put(n.name(), t);
        }
        return feeds;
    }

    /** A tensor of float32-rounded values uniform in [lo, hi), from the stream of (seed, name). */
    public static Tensor uniform(long seed, String name, int[] shape, double lo, double hi) {
        SplittableRandom r = stream(seed, name);
        double[] d = new double[Tensor.count(shape)];
        for (int i = 0; i < d.length; i++) {
            d[i] = (float) (lo + (hi - lo) * r.nextDouble());
        }
        return new Tensor(shape, d);
    }

    private static Tensor ids(long seed, String name, int[] shape, int limit) {
        SplittableRandom r = stream(seed, name);
        double[] d = new double[Tensor.count(shape)];
        for (int i = 0; i < d.length; i++) {
            d[i] = r.nextInt(limit);
        }
        return new Tensor(shape, d);
    }

    private static SplittableRandom stream(long seed, String name) {
        long h = 0xcbf29ce484222325L;
        for (byte b : name.getBytes(StandardCharsets.UTF_8)) {
            h = (h ^ (b & 0xff)) * 0x100000001b3L;
        }
        return new SplittableRandom(seed * 0x9E3779B97F4A7C15L ^ h);
    }

    /** How many distinct ids the users of i32 node {@code n} accept. */
    public static int idLimit(Graph graph, Node n) {
        int limit = Integer.MAX_VALUE;
        for (Node user : graph.nodes()) {
            for (int i = 0; i < user.operands().size(); i++) {
                Operand o = user.operand(i);
                if (o.source() != n.id()) {
                    continue;
                }
                if (user.op() == Op.EMBEDDING && i == 0) {
                    limit = Math.min(limit, graph.node(user.operand(1).source()).shape().dim(0).size());
                } else if ((user.op() == Op.CROSS_ENTROPY || user.op() == Op.CROSS_ENTROPY_GRAD) && i == 1) {
                    limit = Math.min(limit, graph.node(user.operand(0).source()).shape().features());
                } else if (user.op() == Op.SCATTER_ADD && i == 0) {
                    limit = Math.min(limit, user.attrs().getInt("rows"));
                }
            }
        }
        return limit == Integer.MAX_VALUE ? 2 : Math.max(1, limit);
    }
}
