package io.recurflow.passes;

import io.recurflow.interp.ReferenceInterpreter;
import io.recurflow.interp.RunException;
import io.recurflow.interp.Tensor;
import io.recurflow.ir.Graph;
import io.recurflow.ir.GraphException;
import io.recurflow.ir.Node;
import io.recurflow.ir.Op;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Checks {@link Autodiff} against finite differences: the differentiated graph and the forward
 * graph both run on the float64 reference interpreter, and each checked coordinate of each feed
 * compares the analytic gradient with the central difference (f(θ + h) − f(θ − h)) / 2h, where f is
 * the sum of all elements of the loss and h = step · max(1, |θ|).
 */
public final class GradCheck {
    private GradCheck() {
    }

    /**
     * {@code step}: the relative finite-difference step; {@code maxCoordinates}: coordinates checked
     * per feed, all of them when the feed is no larger, else a seeded random subset; {@code floor}:
     * the smallest denominator of the relative error, so that gradients that are zero compare in
     * absolute terms.
     */
    public record Options(double step, int maxCoordinates, double floor, long seed) {
        public static Options defaults() {
            return new Options(1e-6, 16, 1e-6, 1);
        }

        public Options withMaxCoordinates(int n) {
            return new Options(step, n, floor, seed);
        }
    }

    /** The worst of the {@code checked} coordinates of feed {@code name}: flat {@code index}, both gradients. */
    public record Worst(String name, double error, int index, double analytic, double numeric, int checked) {
        @Override
        public String toString() {
            return String.format("%-24s %9.2e  at %d: analytic %.9g, numeric %.9g (%d checked)", name, error, index,
                    analytic, numeric, checked);
        }
    }

    /** One {@link Worst} per feed checked, in the order asked. */
    public record Report(List<Worst> feeds) {
        public Report {
            feeds = List.copyOf(feeds);
        }

        /** The largest error over every feed. */
        public double worst() {
            return feeds.stream().mapToDouble(Worst::error).max().orElse(0);
        }

        public Worst get(String name) {
            return feeds.stream().filter(w -> w.name().equals(name)).findFirst().orElseThrow();
        }

        @Override
        public String toString() {
            StringBuilder sb = new StringBuilder();
            for (Worst w : feeds) {
                sb.append(w).append('\n');
            }
            return sb.toString();
        }
    }

    /** |a − b| / max(|a|, |b|, floor). */
    public static double relativeError(double a, double b, double floor) {
        return Math.abs(a - b) / Math.max(Math.max(Math.abs(a), Math.abs(b)), floor);
    }

    /**
     * Differentiates {@code forward}'s {@code loss} with respect to the feeds {@code wrt}, runs both
     * with {@code feeds} and {@code lengths} (null: full length), and reports the worst error per feed.
     */
    public static Report check(Graph forward, String loss, List<String> wrt, Map<String, Tensor> feeds, int[] lengths,
                               Options options) {
        Node lossNode = forward.node(loss);
        if (lossNode == null) {
            throw new GraphException("graph " + forward.name() + " has no loss node %" + loss);
        }
        for (String w : wrt) {
            Node n = forward.node(w);
            if (n == null || !(n.op() == Op.PARAM || n.op() == Op.INPUT || n.op() == Op.STATIC_INPUT)) {
                throw new GraphException("gradient checks perturb feeds; %" + w + " is not an input or parameter");
            }
        }
        Map<String, Tensor> analytic = new ReferenceInterpreter(Autodiff.gradients(forward, loss, wrt))
                .run(feeds, lengths);
        ReferenceInterpreter f = new ReferenceInterpreter(forward.replace(forward.nodes(), List.of(lossNode.id())));
        List<Worst> out = new ArrayList<>();
        for (String w : wrt) {
            Tensor theta = feeds.get(w);
            if (theta == null) {
                throw new RunException("missing feed %" + w);
            }
            Tensor grad = analytic.get(Autodiff.gradientName(w));
            Worst worst = null;
            for (int i : coordinates(w, theta.size(), options)) {
                double x = theta.data()[i];
                double h = options.step() * Math.max(1, Math.abs(x));
                double up = lossAt(f, feeds, w, theta, i, x + h, lengths);
                double down = lossAt(f, feeds, w, theta, i, x - h, lengths);
                double numeric = (up - down) / (2 * h);
                double a = grad.data()[i];
                double err = relativeError(a, numeric, options.floor());
                if (worst == null || err > worst.error()) {
                    worst = new Worst(w, err, i, a, numeric, 0);
                }
            }
            int checked = Math.min(theta.size(), options.maxCoordinates());
            out.add(worst == null ? new Worst(w, 0, -1, 0, 0, 0)
                    : new Worst(w, worst.error(), worst.index(), worst.analytic(), worst.numeric(), checked));
        }
        return new Report(out);
    }

    private static double lossAt(ReferenceInterpreter f, Map<String, Tensor> feeds, String name, Tensor theta, int i,
                                 double value, int[] lengths) {
        double[] d = theta.data().clone();
        d[i] = value;
        Map<String, Tensor> changed = new LinkedHashMap<>(feeds);
        changed.put(name, new Tensor(theta.shape(), d));
        double sum = 0;
        for (Tensor t : f.run(changed, lengths).values()) {
            for (double v : t.data()) {
                sum += v;
            }
        }
        return sum;
    }

    /** Every coordinate, or a seeded random sorted subset of {@code maxCoordinates} of them. */
    private static int[] coordinates(String name, int size, Options o) {
        if (size <= o.maxCoordinates()) {
            int[] all = new int[size];
            Arrays.setAll(all, i -> i);
            return all;
        }
        long h = 0xcbf29ce484222325L;
        for (byte b : name.getBytes(StandardCharsets.UTF_8)) {
            h = (h ^ (b & 0xff)) * 0x100000001b3L;
        }
        SplittableRandom r = new SplittableRandom(o.seed() ^ h);
        return r.ints(0, size).distinct().limit(o.maxCoordinates()).sorted().toArray();
    }
}
