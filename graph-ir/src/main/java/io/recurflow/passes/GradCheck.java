package io.recurflow.passes;

import io.recurflow.interp.ReferenceInterpreter;
import io.recurflow.interp.RunException;
import io.recurflow.interp.Tensor;
import io.recurflow.ir.Attrs;
import io.recurflow.ir.DType;
import io.recurflow.ir.Graph;
import io.recurflow.ir.GraphException;
import io.recurflow.ir.Node;
import io.recurflow.ir.Op;
import io.recurflow.ir.Operand;
import io.recurflow.ir.Verifier;
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
        return checkAll(forward, loss, wrt, feeds, lengths, options,
                Map.of("reference", (backward, f, lens) -> new ReferenceInterpreter(backward).run(f, lens)))
                .get("reference");
    }

    /** Runs a differentiated graph somewhere (the reference interpreter, an OpenCL mode) and returns its outputs. */
    @FunctionalInterface
    public interface Executor {
        Map<String, Tensor> run(Graph backward, Map<String, Tensor> feeds, int[] lengths);
    }

    /**
     * As {@link #check}, with the analytic gradients computed by each of {@code executors} (by name)
     * against one set of finite differences; one report per executor, in the map's order.
     */
    public static Map<String, Report> checkAll(Graph forward, String loss, List<String> wrt, Map<String, Tensor> feeds,
                                               int[] lengths, Options options, Map<String, Executor> executors) {
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
        Graph backward = Autodiff.gradients(forward, loss, wrt);
        Map<String, Map<String, Tensor>> analytic = new LinkedHashMap<>();
        executors.forEach((name, ex) -> analytic.put(name, ex.run(backward, feeds, lengths)));
        ReferenceInterpreter f = new ReferenceInterpreter(forward.replace(forward.nodes(), List.of(lossNode.id())));
        Map<String, List<Worst>> out = new LinkedHashMap<>();
        for (String name : analytic.keySet()) {
            out.put(name, new ArrayList<>());
        }
        for (String w : wrt) {
            Tensor theta = feeds.get(w);
            if (theta == null) {
                throw new RunException("missing feed %" + w);
            }
            Map<String, Worst> worst = new LinkedHashMap<>();
            for (int i : coordinates(w, theta.size(), options)) {
                double x = theta.data()[i];
                double h = options.step() * Math.max(1, Math.abs(x));
                double up = lossAt(f, feeds, w, theta, i, x + h, lengths);
                double down = lossAt(f, feeds, w, theta, i, x - h, lengths);
                double numeric = (up - down) / (2 * h);
                for (Map.Entry<String, Map<String, Tensor>> e : analytic.entrySet()) {
                    double a = e.getValue().get(Autodiff.gradientName(w)).data()[i];
                    double err = relativeError(a, numeric, options.floor());
                    Worst was = worst.get(e.getKey());
                    if (was == null || err > was.error()) {
                        worst.put(e.getKey(), new Worst(w, err, i, a, numeric, 0));
                    }
                }
            }
            int checked = Math.min(theta.size(), options.maxCoordinates());
            for (String name : analytic.keySet()) {
                Worst b = worst.get(name);
                out.get(name).add(b == null ? new Worst(w, 0, -1, 0, 0, 0)
                        : new Worst(w, b.error(), b.index(), b.analytic(), b.numeric(), checked));
            }
        }
        Map<String, Report> reports = new LinkedHashMap<>();
        out.forEach((name, list) -> reports.put(name, new Report(list)));
        return reports;
    }

    /** The name of the fixed random weight {@link #withWeightedLoss} adds. */
    public static final String LOSS_WEIGHT = "gradcheck.r";

    /**
     * The graph itself when it outputs {@code loss}; else with {@code loss} = y · r as its only
     * output, y its first per-step f32 output and r a new per-step input {@link #LOSS_WEIGHT}: the
     * loss's sum weighs every element of y.
     */
    public static Graph withWeightedLoss(Graph g) {
        if (g.node("loss") != null && g.outputs().contains(g.node("loss").id())) {
            return g;
        }
        Node y = g.outputNodes().stream().filter(n -> n.isPerStep() && n.dtype() == DType.F32).findFirst()
                .orElseThrow(() -> new GraphException("graph " + g.name() + " has no `loss` output and no per-step"
                        + " f32 output to build one from"));
        List<Node> nodes = new ArrayList<>(g.nodes());
        Node r = new Node(nodes.size(), LOSS_WEIGHT, Op.INPUT, List.of(), Attrs.EMPTY, DType.F32, y.shape(), y.axis());
        nodes.add(r);
        nodes.add(new Node(nodes.size(), "loss", Op.MUL, List.of(Operand.of(y.id()), Operand.of(r.id())), Attrs.EMPTY,
                DType.F32, y.shape(), y.axis()));
        return Verifier.verify(g.replace(nodes, List.of(nodes.size() - 1)));
    }

    /** The f32 feeds of {@code g} but the loss weight {@code weight}: what a gradient check differentiates by. */
    public static List<String> differentiable(Graph g, String weight) {
        List<String> wrt = new ArrayList<>();
        for (Node n : g.feeds().values()) {
            if (n.dtype() == DType.F32 && !n.name().equals(weight)) {
                wrt.add(n.name());
            }
        }
        return wrt;
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
