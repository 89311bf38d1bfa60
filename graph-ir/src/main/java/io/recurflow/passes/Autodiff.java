package io.recurflow.passes;

import io.recurflow.ir.Attrs;
import io.recurflow.ir.DType;
import io.recurflow.ir.Dim;
import io.recurflow.ir.Graph;
import io.recurflow.ir.GraphException;
import io.recurflow.ir.Node;
import io.recurflow.ir.Op;
import io.recurflow.ir.Operand;
import io.recurflow.ir.Shape;
import io.recurflow.ir.TypeRules;
import io.recurflow.ir.Verifier;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Reverse-mode differentiation through time, Graph → Graph: the result is again a generalized
 * recurrent graph, which every executor runs unchanged.
 *
 * <p><b>What is differentiated.</b> The seed is a gradient of ones on node {@code loss}, so the
 * result holds the gradient of the sum of all of the loss's elements, over every sequence of the
 * batch and, for a per-step loss, over each sequence's own steps. The usual loss is a static scalar
 * ({@code [] } or {@code [1]}, e.g. {@code sum_batch(sum_time(...))}); a static {@code [B]} loss is
 * summed over the sequences. {@code wrt} names f32 nodes, normally feeds: parameters, per-step
 * inputs, static inputs (initial states); each gets its gradient as output {@code grad_<name>} with
 * the node's own type (a per-step input's gradient is per-step, zero at padding steps).
 *
 * <p><b>The result.</b> The forward nodes unchanged (same ids and names), then the gradient nodes:
 * {@code grad.<node>} is the gradient of forward node {@code node}, of the node's own type (a
 * gradient equal to another one, as through an add, is not copied and has only the other's name);
 * the nodes computing it are named {@code grad.<user>/<op>_N} after the forward node being
 * back-propagated through. Outputs: the loss, then {@code grad_<name>} for each of {@code wrt} in
 * order.
 *
 * <p><b>Time.</b> If v reads u at t − d, then u at step s received the contribution of v at step
 * s + d: the gradient of u reads that contribution with delay −d (zeros outside the sequence), so
 * a forward recurrence becomes a reverse one. Reads that fell outside [0, len) took the operand's
 * initial value: the init node receives the contributions of exactly those steps, t &lt; d for d &gt; 0
 * (at step 0 for d = 1) and t ≥ len + d for d &lt; 0 (the sequence's own last step for d = −1), each
 * sequence with its own length. Gradients of static values used at every step are sums over the
 * sequence's steps ({@code sum_time}) and, for values without a batch axis such as parameters, over
 * the batch ({@code sum_batch}); a matmul's weight gradient is one {@code matmul_tn} over the stacked
 * steps. Padding steps are never evaluated, so they contribute nothing.
 *
 * <p><b>Limits</b> (each a {@link GraphException} naming the node): a second-order gradient through
 * {@code cross_entropy_grad}; embedding ids or time-reduction operands read with a delay; a
 * broadcast of a size-1 axis against B anywhere but in front.
 */
public final class Autodiff {
    private final Graph forward;
    private final Emitter e;
    private final int loss;
    private final List<Integer> wrt = new ArrayList<>();
    private final boolean[] relevant;
    private final int[] grad;
    private final List<List<int[]>> readers = new ArrayList<>();
    private final List<List<int[]>> initReaders = new ArrayList<>();
    private final Map<Key, Integer> contributions = new HashMap<>();
    private final Map<Operand, Integer> stacks = new HashMap<>();
    private final Map<String, Integer> constants = new HashMap<>();

    /** The reads of {@code source} at t − {@code delay} with initial value {@code init}: one gradient each. */
    private record Key(int source, int delay, int init) {
    }

    /** A summand of a gradient: node {@code slot} read with {@code delay}. */
    private record Term(int slot, int delay) {
    }

    private Autodiff(Graph forward, String lossName, Collection<String> wrtNames) {
        this.forward = forward;
        this.e = new Emitter(forward);
        Node l = forward.node(lossName);
        if (l == null) {
            throw new GraphException("graph " + forward.name() + " has no loss node %" + lossName);
        }
        if (l.dtype() != DType.F32) {
            throw new GraphException("loss %" + lossName + " is " + l.dtype().textName() + "; a loss is f32");
        }
        this.loss = l.id();
        for (String w : new LinkedHashSet<>(wrtNames)) {
            Node n = forward.node(w);
            if (n == null) {
                throw new GraphException("graph " + forward.name() + " has no node %" + w + " to differentiate by");
            }
            if (n.dtype() != DType.F32) {
                throw new GraphException("%" + w + " is " + n.dtype().textName() + ": only f32 values have gradients");
            }
            wrt.add(n.id());
        }
        int size = forward.size();
        for (int i = 0; i < size; i++) {
            readers.add(new ArrayList<>());
            initReaders.add(new ArrayList<>());
        }
        for (Node v : forward.nodes()) {
            for (int i = 0; i < v.operands().size(); i++) {
                Operand o = v.operand(i);
                readers.get(o.source()).add(new int[] {v.id(), i});
                if (o.hasInit()) {
                    initReaders.get(o.init()).add(new int[] {v.id(), i});
                }
            }
        }
        this.relevant = relevance();
        this.grad = new int[size];
    }

    /**
     * The graph of {@code forward} extended with the gradients of {@code loss} (seeded with ones)
     * with respect to each node of {@code wrt}; see the class comment for names and outputs.
     */
    public static Graph gradients(Graph forward, String loss, Collection<String> wrt) {
        return new Autodiff(forward, loss, wrt).run();
    }

    /** The output name of the gradient with respect to node {@code name}: {@code grad_<name>}. */
    public static String gradientName(String name) {
        return "grad_" + name;
    }

    // ---- the pass -------------------------------------------------------------------------------

    /** f32 nodes that depend on some wrt node and that the loss depends on: the ones with a gradient. */
    private boolean[] relevance() {
        int n = forward.size();
        boolean[] toLoss = new boolean[n];
        Deque<Integer> work = new ArrayDeque<>();
        toLoss[loss] = true;
        work.push(loss);
        while (!work.isEmpty()) {
            for (Operand o : forward.node(work.pop()).operands()) {
                for (int s : o.hasInit() ? new int[] {o.source(), o.init()} : new int[] {o.source()}) {
                    if (!toLoss[s]) {
                        toLoss[s] = true;
                        work.push(s);
                    }
                }
            }
        }
        boolean[] fromWrt = new boolean[n];
        for (int w : wrt) {
            fromWrt[w] = true;
            work.push(w);
        }
        while (!work.isEmpty()) {
            int u = work.pop();
            List<int[]> users = new ArrayList<>(readers.get(u));
            users.addAll(initReaders.get(u));
            for (int[] r : users) {
                if (!fromWrt[r[0]]) {
                    fromWrt[r[0]] = true;
                    work.push(r[0]);
                }
            }
        }
        boolean[] r = new boolean[n];
        for (int i = 0; i < n; i++) {
            r[i] = toLoss[i] && fromWrt[i] && forward.node(i).dtype() == DType.F32;
        }
        return r;
    }

    private Graph run() {
        for (int w : wrt) {
            e.reserve(gradientName(forward.node(w).name()));
        }
        for (Node n : forward.nodes()) {
            if (relevant[n.id()] && !wrt.contains(n.id())) {
                e.reserve("grad." + n.name());
            }
        }
        for (Node n : forward.nodes()) {
            grad[n.id()] = -1;
            if (relevant[n.id()]) {
                String name = wrt.contains(n.id()) ? gradientName(n.name()) : "grad." + n.name();
                grad[n.id()] = e.placeholder(name, typeOf(n));
            }
        }
        for (int u : backwardOrder()) {
            if (relevant[u]) {
                e.define(grad[u], accumulate(forward.node(u)), wrt.contains(u));
            }
        }
        List<Integer> outputs = new ArrayList<>();
        outputs.add(loss);
        for (int w : wrt) {
            if (grad[w] >= 0) {
                outputs.add(grad[w]);
            } else {
                // the loss does not depend on it: zeros, named
                Node n = forward.node(w);
                e.scope("grad." + n.name());
                int ph = e.placeholder(gradientName(n.name()), typeOf(n));
                e.define(ph, filled(0, typeOf(n)), true);
                outputs.add(ph);
            }
        }
        return e.build(forward.name() + "_grad", outputs);
    }

    /**
     * Forward nodes, users before the values they read at the same step: the delay-0 edges form
     * no cycle, so this is a reverse topological order; it only makes the output read in order.
     */
    private List<Integer> backwardOrder() {
        int n = forward.size();
        int[] pending = new int[n];
        for (Node v : forward.nodes()) {
            for (Operand o : v.operands()) {
                if (o.delay() == 0) {
                    pending[o.source()]++;
                }
            }
        }
        TreeMap<Integer, Boolean> ready = new TreeMap<>();
        for (int i = 0; i < n; i++) {
            if (pending[i] == 0) {
                ready.put(-i, true);
            }
        }
        List<Integer> order = new ArrayList<>();
        while (!ready.isEmpty()) {
            int v = -ready.pollFirstEntry().getKey();
            order.add(v);
            for (Operand o : forward.node(v).operands()) {
                if (o.delay() == 0 && --pending[o.source()] == 0) {
                    ready.put(-o.source(), true);
                }
            }
        }
        return order;
    }

    /** The gradient of {@code u}: the seed if it is the loss, plus what each read of it received. */
    private int accumulate(Node u) {
        e.scope("grad." + u.name());
        List<Term> terms = new ArrayList<>();
        if (u.id() == loss) {
            terms.add(new Term(filled(1, typeOf(u)), 0));
        }
        Set<Key> asSource = new LinkedHashSet<>();
        for (int[] r : readers.get(u.id())) {
            if (relevant[r[0]]) {
                Operand o = forward.node(r[0]).operand(r[1]);
                asSource.add(new Key(o.source(), o.delay(), o.init()));
            }
        }
        for (Key k : asSource) {
            int c = contribution(k);
            if (c >= 0) {
                terms.add(new Term(c, -k.delay()));
            }
        }
        Set<Key> asInit = new LinkedHashSet<>();
        for (int[] r : initReaders.get(u.id())) {
            if (relevant[r[0]]) {
                Operand o = forward.node(r[0]).operand(r[1]);
                asInit.add(new Key(o.source(), o.delay(), o.init()));
            }
        }
        for (Key k : asInit) {
            int c = contribution(k);
            if (c >= 0) {
                e.scope("grad." + u.name());
                terms.add(new Term(fit(initGradient(c, k.delay()), typeOf(u)), 0));
            }
        }
        e.scope("grad." + u.name());
        return sum(terms, typeOf(u));
    }

    /**
     * What the reads of key {@code k} received, shaped like the source and, for a delay-0 read,
     * reduced to its domain (per-step or static, with or without B); -1 for nothing (reads whose
     * derivative is zero). Slices and selects of one source are put back together in one node.
     */
    private int contribution(Key k) {
        Integer cached = contributions.get(k);
        if (cached != null) {
            return cached;
        }
        Node src = forward.node(k.source());
        List<Integer> parts = new ArrayList<>();
        List<int[]> slices = new ArrayList<>(); // {start, end, grad slot}
        Map<Integer, List<Integer>> selects = new TreeMap<>();
        for (int[] r : readers.get(k.source())) {
            Node v = forward.node(r[0]);
            Operand o = v.operand(r[1]);
            if (!relevant[v.id()] || o.delay() != k.delay() || o.init() != k.init()) {
                continue;
            }
            e.scope("grad." + v.name());
            switch (v.op()) {
                case SLICE -> slices.add(new int[] {v.attrs().getInt("start"), v.attrs().getInt("end"), grad[v.id()]});
                case SELECT -> selects.computeIfAbsent(v.attrs().getInt("index"), x -> new ArrayList<>())
                        .add(grad[v.id()]);
                default -> {
                    int raw = rule(v, r[1]);
                    if (raw >= 0) {
                        parts.add(fit(raw, typeOf(src)));
                    }
                }
            }
        }
        e.scope("grad." + src.name());
        if (!slices.isEmpty()) {
            parts.add(unslice(src, slices));
        }
        if (!selects.isEmpty()) {
            parts.add(unselect(src, selects));
        }
        int c = -1;
        if (!parts.isEmpty()) {
            List<Term> terms = new ArrayList<>();
            for (int p : parts) {
                terms.add(new Term(p, 0));
            }
            c = sum(terms, typeOf(src));
        }
        contributions.put(k, c);
        return c;
    }

    /**
     * The init's share of contribution {@code c} of a read with delay d: the steps whose read fell
     * before the sequence (t &lt; d, d &gt; 0) or after it (t ≥ len + d, d &lt; 0), summed per sequence.
     */
    private int initGradient(int c, int d) {
        List<Term> window = new ArrayList<>();
        for (int k = 0; k < Math.abs(d); k++) {
            window.add(new Term(c, d > 0 ? -k : k));
        }
        int w = sum(window, e.type(c));
        return e.add(d > 0 ? Op.FIRST_STEP : Op.LAST_STEP, Attrs.EMPTY, Operand.of(w));
    }

    // ---- the rules ------------------------------------------------------------------------------

    /**
     * The gradient with respect to operand {@code i} of {@code v}, as v reads it at its step: v's
     * domain (per-step or static), and a shape that may still carry v's broadcast axes; -1 for
     * none. Operands are read exactly as v reads them (same delay and init).
     */
    private int rule(Node v, int i) {
        Operand g = Operand.of(grad[v.id()]);
        Operand y = Operand.of(v.id());
        return switch (v.op()) {
            case INPUT, STATIC_INPUT, PARAM, CONST -> throw new AssertionError("sources have no operands");
            case SLICE, SELECT -> throw new AssertionError("slices and selects are put back together by contribution()");
            case MATMUL -> {
                boolean tb = v.attrs().getBool("transpose_b", false);
                if (i == 0) {
                    // a × b → g × bᵀ; a × bᵀ → g × b
                    yield op(Op.MATMUL, tb ? Attrs.EMPTY : Attrs.of("transpose_b", true), g, v.operand(1));
                }
                Operand a = stacked(v, v.operand(0));
                Operand gs = stacked(v, g);
                // a × b → Σ aᵀg; a × bᵀ → Σ gᵀa, over every row of every step and sequence
                yield tb ? op(Op.MATMUL_TN, Attrs.EMPTY, gs, a) : op(Op.MATMUL_TN, Attrs.EMPTY, a, gs);
            }
            case ADD -> g.source();
            case SUB -> i == 0 ? g.source() : op(Op.NEG, Attrs.EMPTY, g);
            case MUL -> op(Op.MUL, Attrs.EMPTY, g, v.operand(1 - i));
            case DIV -> i == 0 ? op(Op.DIV, Attrs.EMPTY, g, v.operand(1))
                    // d(a/b)/db = −(a/b)/b
                    : op(Op.NEG, Attrs.EMPTY, of(op(Op.MUL, Attrs.EMPTY, g,
                            of(op(Op.DIV, Attrs.EMPTY, y, v.operand(1))))));
            case NEG -> op(Op.NEG, Attrs.EMPTY, g);
            case SIGMOID -> op(Op.MUL, Attrs.EMPTY, g, of(op(Op.MUL, Attrs.EMPTY, y,
                    of(op(Op.SUB, Attrs.EMPTY, of(one()), y)))));
            case TANH -> op(Op.MUL, Attrs.EMPTY, g, of(op(Op.SUB, Attrs.EMPTY, of(one()),
                    of(op(Op.MUL, Attrs.EMPTY, y, y)))));
            case RELU -> op(Op.MUL, Attrs.EMPTY, g, of(op(Op.STEP, Attrs.EMPTY, v.operand(0))));
            case STEP -> -1;
            case EXP -> op(Op.MUL, Attrs.EMPTY, g, y);
            case LOG -> op(Op.DIV, Attrs.EMPTY, g, v.operand(0));
            case CONCAT -> {
                int start = 0;
                for (int j = 0; j < i; j++) {
                    start += forward.node(v.operand(j).source()).shape().features();
                }
                int end = start + forward.node(v.operand(i).source()).shape().features();
                yield op(Op.SLICE, Attrs.of("start", start, "end", end), g);
            }
            case PACK -> op(Op.SELECT, Attrs.of("index", i), g);
            case EMBEDDING -> {
                if (i == 0) {
                    yield -1;
                }
                Operand ids = v.operand(0);
                if (v.isPerStep() && (ids.delay() != 0 || ids.hasInit())) {
                    throw new GraphException("node %" + v.name() + " reads its ids %" + forward.node(ids.source()).name()
                            + " with a delay; differentiating an embedding needs ids read at the same step");
                }
                int rows = forward.node(v.operand(1).source()).shape().dim(0).size();
                yield op(Op.SCATTER_ADD, Attrs.of("rows", rows), stacked(v, ids), stacked(v, g));
            }
            case SOFTMAX -> op(Op.MUL, Attrs.EMPTY, y, of(op(Op.SUB, Attrs.EMPTY, g,
                    of(rowSum(v, of(op(Op.MUL, Attrs.EMPTY, g, y)))))));
            case LOG_SOFTMAX -> op(Op.SUB, Attrs.EMPTY, g, of(op(Op.MUL, Attrs.EMPTY,
                    of(op(Op.EXP, Attrs.EMPTY, y)), of(rowSum(v, g)))));
            case CROSS_ENTROPY -> {
                if (i == 1) {
                    yield -1;
                }
                if (i == 2) {
                    // d(mask · ce)/d mask = the unmasked cross-entropy
                    yield op(Op.MUL, Attrs.EMPTY, g, of(op(Op.CROSS_ENTROPY, Attrs.EMPTY, v.operand(0),
                            v.operand(1))));
                }
                Operand scale = v.operands().size() == 3 ? of(op(Op.MUL, Attrs.EMPTY, g, v.operand(2))) : g;
                yield op(Op.CROSS_ENTROPY_GRAD, Attrs.EMPTY, v.operand(0), v.operand(1), scale);
            }
            case SUM_TIME -> op(Op.BROADCAST_TIME, timeOf(v), g);
            case LAST_STEP, FIRST_STEP -> {
                // z − z[t+1] is g at the sequence's last step and 0 before; z − z[t-1] is g at step 0 only
                int z = op(Op.BROADCAST_TIME, timeOf(v), g);
                yield op(Op.SUB, Attrs.EMPTY, of(z), Operand.delayed(z, v.op() == Op.LAST_STEP ? -1 : 1));
            }
            case STACK_TIME -> op(Op.UNSTACK_TIME, timeOf(v), g);
            case SUM_AXIS -> op(Op.ADD, Attrs.EMPTY, g, of(filled(0, staticType(forward.node(v.operand(0).source())))));
            case SUM_BATCH -> op(Op.BROADCAST_BATCH,
                    Attrs.of("axis", forward.node(v.operand(0).source()).shape().batchAxis()), g);
            case BROADCAST_BATCH -> op(Op.SUM_BATCH, Attrs.EMPTY, g);
            case BROADCAST_TIME -> op(Op.SUM_TIME, Attrs.EMPTY, g);
            case UNSTACK_TIME -> op(Op.STACK_TIME, Attrs.EMPTY, g);
            case MATMUL_TN -> i == 0 ? op(Op.MATMUL, Attrs.of("transpose_b", true), v.operand(1), g)
                    : op(Op.MATMUL, Attrs.EMPTY, v.operand(0), g);
            case SCATTER_ADD -> i == 0 ? -1 : op(Op.EMBEDDING, Attrs.EMPTY, v.operand(0), g);
            case CROSS_ENTROPY_GRAD -> throw new GraphException("node %" + v.name()
                    + " (cross_entropy_grad): second-order gradients through the cross-entropy are not supported");
        };
    }

    private void checkUndelayed(Node v) {
        if (v.op().isTimeReduction() && (v.operand(0).delay() != 0 || v.operand(0).hasInit())) {
            throw new GraphException("time reduction %" + v.name() + " reads %"
                    + forward.node(v.operand(0).source()).name() + " with a delay, which cannot be differentiated");
        }
    }

    private Attrs timeOf(Node v) {
        checkUndelayed(v);
        return Attrs.of("time", forward.node(v.operand(0).source()).axis());
    }

    /** Σ over the last axis, kept: [..., F] → [..., 1]. */
    private int rowSum(Node v, Operand x) {
        return op(Op.SUM_AXIS, Attrs.of("axis", v.shape().rank() - 1), x);
    }

    /**
     * The static value holding operand {@code o} of {@code v} at every step: itself for a static v,
     * else stack_time of it, as v read it (a delayed read first becomes a node of its own).
     */
    private Operand stacked(Node v, Operand o) {
        if (v.isStatic()) {
            return o;
        }
        Integer cached = stacks.get(o);
        if (cached != null) {
            return of(cached);
        }
        Operand plain = o;
        if (o.delay() != 0 || o.hasInit()) {
            plain = of(op(Op.CONCAT, Attrs.EMPTY, o)); // a one-operand concat is the identity
        }
        int s = e.pin(op(Op.STACK_TIME, Attrs.EMPTY, plain));
        stacks.put(o, s);
        return of(s);
    }

    // ---- shapes and domains ---------------------------------------------------------------------

    /**
     * Reduces contribution {@code c} to type {@code target}: sums over the axes along which the
     * target was broadcast, over time (per-step to static) and over the batch (to a value without
     * B), or spreads a static value over time where the target is per-step.
     */
    private int fit(int c, TypeRules.Type target) {
        Shape s = target.shape();
        Shape r = e.type(c).shape();
        if (s.rank() > r.rank()) {
            c = spread(c, target);
            r = e.type(c).shape();
        }
        int lead = r.rank() - s.rank();
        for (int i = 0; i < r.rank(); i++) {
            Dim have = r.dim(i);
            boolean broadcast = i < lead || s.dim(i - lead).equals(Dim.of(1));
            if (broadcast && !have.isSymbolic() && have.size() != 1) {
                c = op(Op.SUM_AXIS, Attrs.of("axis", i), of(c));
            }
        }
        if (e.type(c).axis() != null && target.axis() == null) {
            c = op(Op.SUM_TIME, Attrs.EMPTY, of(c));
        }
        if (e.type(c).shape().hasBatch() && !s.hasBatch()) {
            c = op(Op.SUM_BATCH, Attrs.EMPTY, of(c));
        }
        while (e.type(c).axis() == null && e.type(c).shape().rank() > s.rank()
                && e.type(c).shape().dim(0).equals(Dim.of(1))) {
            c = op(Op.SELECT, Attrs.of("index", 0), of(c));
        }
        while (e.type(c).axis() == null && e.type(c).shape().rank() < s.rank()
                && s.dim(s.rank() - e.type(c).shape().rank() - 1).equals(Dim.of(1))) {
            c = op(Op.PACK, Attrs.EMPTY, of(c)); // B summed where the target had a leading 1
        }
        c = spread(c, target);
        if (!e.type(c).equals(target)) {
            throw new GraphException("cannot reduce a gradient of type " + Verifier.describe(e.type(c))
                    + " to " + Verifier.describe(target)
                    + ": broadcasting a size-1 axis against B is differentiable only in front");
        }
        return c;
    }

    /** Static to per-step and no-B to B where the target is larger; the same value everywhere. */
    private int spread(int c, TypeRules.Type target) {
        if (e.type(c).axis() != null) {
            return c;
        }
        if (!e.type(c).shape().hasBatch() && target.shape().hasBatch()
                && e.type(c).shape().rank() + 1 == target.shape().rank()) {
            c = op(Op.BROADCAST_BATCH, Attrs.of("axis", target.shape().batchAxis()), of(c));
        }
        if (target.axis() != null && e.type(c).shape().equals(target.shape())) {
            c = op(Op.BROADCAST_TIME, Attrs.of("time", target.axis()), of(c));
        }
        return c;
    }

    /** The gradient of a value read by slices: the slices' gradients side by side, zeros in the gaps. */
    private int unslice(Node src, List<int[]> slices) {
        Map<String, int[]> byRange = new TreeMap<>();
        Map<String, List<Term>> sums = new LinkedHashMap<>();
        for (int[] s : slices) {
            String key = String.format("%09d:%09d", s[0], s[1]);
            byRange.putIfAbsent(key, s);
            sums.computeIfAbsent(key, x -> new ArrayList<>()).add(new Term(s[2], 0));
        }
        int width = src.shape().features();
        List<int[]> ranges = new ArrayList<>(); // {start, end, summed slot}, by start
        for (Map.Entry<String, int[]> en : byRange.entrySet()) {
            int[] s = en.getValue();
            ranges.add(new int[] {s[0], s[1], sum(sums.get(en.getKey()), e.type(s[2]))});
        }
        boolean disjoint = true;
        for (int i = 1; i < ranges.size(); i++) {
            disjoint &= ranges.get(i)[0] >= ranges.get(i - 1)[1];
        }
        List<Term> full = new ArrayList<>();
        if (disjoint) {
            full.add(new Term(padded(src, ranges, width), 0));
        } else {
            for (int[] r : ranges) {
                full.add(new Term(padded(src, List.of(r), width), 0));
            }
        }
        return sum(full, typeOf(src));
    }

    /** Disjoint column ranges laid out in [0, width) with zeros between: one concat. */
    private int padded(Node src, List<int[]> ranges, int width) {
        List<Operand> parts = new ArrayList<>();
        int at = 0;
        for (int[] r : ranges) {
            if (r[0] > at) {
                parts.add(of(filled(0, staticType(src, r[0] - at))));
            }
            parts.add(of(r[2]));
            at = r[1];
        }
        if (at < width) {
            parts.add(of(filled(0, staticType(src, width - at))));
        }
        if (parts.size() == 1) {
            return parts.get(0).source();
        }
        return op(Op.CONCAT, Attrs.EMPTY, parts.toArray(new Operand[0]));
    }

    /** The gradient of a value read by selects: the entries' gradients packed, zeros elsewhere. */
    private int unselect(Node src, Map<Integer, List<Integer>> selects) {
        int n = src.shape().dim(0).size();
        TypeRules.Type entry = new TypeRules.Type(DType.F32, src.shape().dropFirst(), null);
        Operand[] parts = new Operand[n];
        for (int i = 0; i < n; i++) {
            List<Term> terms = new ArrayList<>();
            for (int slot : selects.getOrDefault(i, List.of())) {
                terms.add(new Term(slot, 0));
            }
            parts[i] = of(sum(terms, entry));
        }
        return op(Op.PACK, Attrs.EMPTY, parts);
    }

    /** Σ of the terms, each read with its delay; zeros of {@code type} when there are none. */
    private int sum(List<Term> terms, TypeRules.Type type) {
        if (terms.isEmpty()) {
            return filled(0, type);
        }
        Term first = terms.get(0);
        if (terms.size() == 1) {
            return first.delay() == 0 ? first.slot()
                    : op(Op.CONCAT, Attrs.EMPTY, Operand.delayed(first.slot(), first.delay()));
        }
        int acc = op(Op.ADD, Attrs.EMPTY, read(first), read(terms.get(1)));
        for (int i = 2; i < terms.size(); i++) {
            acc = op(Op.ADD, Attrs.EMPTY, of(acc), read(terms.get(i)));
        }
        return acc;
    }

    private static Operand read(Term t) {
        return t.delay() == 0 ? Operand.of(t.slot()) : Operand.delayed(t.slot(), t.delay());
    }

    /** A value of {@code type} whose every element is {@code value}: a constant, spread over B and time. */
    private int filled(double value, TypeRules.Type type) {
        Shape s = type.shape();
        String key = value + " " + s + " " + type.axis();
        Integer cached = constants.get(key);
        if (cached != null) {
            return cached;
        }
        String scope = e.scope();
        e.scope("grad");
        int c;
        if (s.rank() >= 2 && s.dim(0).equals(Dim.T) && s.dim(1).equals(Dim.B)) {
            // stacked steps: the entries past each sequence's end are zero in any stacked value, never read back
            c = op(Op.STACK_TIME, Attrs.EMPTY, of(filled(value, new TypeRules.Type(DType.F32, s.dropFirst(),
                    Node.DEFAULT_AXIS))));
        } else if (type.axis() != null) {
            c = op(Op.BROADCAST_TIME, Attrs.of("time", type.axis()),
                    of(filled(value, new TypeRules.Type(DType.F32, s, null))));
        } else if (s.hasBatch()) {
            List<Dim> fixed = new ArrayList<>(s.dims());
            fixed.remove(s.batchAxis());
            c = op(Op.BROADCAST_BATCH, Attrs.of("axis", s.batchAxis()),
                    of(filled(value, new TypeRules.Type(DType.F32, new Shape(fixed), null))));
        } else {
            c = e.constant(value, s);
        }
        e.pin(c);
        e.scope(scope);
        constants.put(key, c);
        return c;
    }

    private int one() {
        return filled(1, new TypeRules.Type(DType.F32, Shape.of(), null));
    }

    private static TypeRules.Type typeOf(Node n) {
        return new TypeRules.Type(n.dtype(), n.shape(), n.axis());
    }

    private static TypeRules.Type staticType(Node n) {
        return new TypeRules.Type(DType.F32, n.shape(), null);
    }

    private static TypeRules.Type staticType(Node n, int lastAxis) {
        return new TypeRules.Type(DType.F32, n.shape().withLast(Dim.of(lastAxis)), null);
    }

    private int op(Op op, Attrs attrs, Operand... operands) {
        return e.add(op, attrs, operands);
    }

    private static Operand of(int slot) {
        return Operand.of(slot);
    }
}
