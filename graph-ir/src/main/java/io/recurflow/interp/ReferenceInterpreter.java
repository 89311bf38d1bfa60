package io.recurflow.interp;

import io.recurflow.ir.Graph;
import io.recurflow.ir.Node;
import io.recurflow.ir.Op;
import io.recurflow.ir.Operand;
import io.recurflow.ir.Verifier;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The plain-Java meaning of a graph: runs it over a batch of sequences, each with its own length,
 * and returns every output. Every other executor is checked against this one.
 *
 * <p>Every op acts on each sequence independently, so the interpreter runs one sequence at a time
 * (batch 1), which makes the per-sequence rules of DESIGN.md direct: a read of step t − d outside
 * [0, len) yields the operand's initial value (zeros, or its static init), so a reverse recurrence
 * starts at the sequence's own last step; per-step outputs past the end are zero; time reductions
 * see only the sequence's own steps. Within a sequence, (node, step) pairs are evaluated on demand
 * with an explicit stack, in whatever order their dependencies require.
 *
 * <p>Feeds: per-step inputs as [T, B, ...], static inputs with their declared shape (B bound to the
 * batch), parameters as declared. Outputs: per-step nodes as [T, B, ...], static ones as declared.
 */
public final class ReferenceInterpreter {
    private final Graph graph;

    public ReferenceInterpreter(Graph graph) {
        this.graph = Verifier.verify(graph);
    }

    public Graph graph() {
        return graph;
    }

    /** Runs with every sequence as long as the per-step inputs. */
    public Map<String, Tensor> run(Map<String, Tensor> feeds) {
        return run(feeds, null);
    }

    /**
     * Runs the graph. {@code lengths} (one per sequence, each in [1, T]) may be null: then every
     * sequence has the full length T of the per-step inputs.
     */
    public Map<String, Tensor> run(Map<String, Tensor> feeds, int[] lengths) {
        int[] bt = batchAndSteps(feeds, lengths);
        int batch = bt[0];
        int steps = bt[1];
        int[] lens = lengths != null ? lengths.clone() : filled(batch, steps);
        checkFeeds(feeds, batch, steps, lens);
        Map<Integer, Tensor> shared = new LinkedHashMap<>();
        List<Sequence> seqs = new ArrayList<>();
        for (int b = 0; b < batch; b++) {
            seqs.add(new Sequence(feeds, b, lens[b], steps, shared, seqs));
        }
        for (Sequence s : seqs) {
            for (int out : graph.outputs()) {
                s.value(out, graph.node(out).isPerStep() ? 0 : -1);
                if (graph.node(out).isPerStep()) {
                    for (int t = 0; t < s.length; t++) {
                        s.value(out, t);
                    }
                }
            }
        }
        Map<String, Tensor> result = new LinkedHashMap<>();
        for (int out : graph.outputs()) {
            result.put(graph.node(out).name(), assemble(graph.node(out), seqs, batch, steps));
        }
        return result;
    }

    private static int[] filled(int n, int v) {
        int[] r = new int[n];
        Arrays.fill(r, v);
        return r;
    }

    private int[] batchAndSteps(Map<String, Tensor> feeds, int[] lengths) {
        int batch = lengths != null ? lengths.length : -1;
        int steps = -1;
        for (Node n : graph.nodes()) {
            Tensor t = feeds.get(n.name());
            if (t == null) {
                continue;
            }
            if (n.op() == Op.INPUT && t.rank() >= 2) {
                steps = steps < 0 ? t.dim(0) : steps;
                batch = batch < 0 ? t.dim(1) : batch;
            } else if (n.op() == Op.STATIC_INPUT && n.shape().hasBatch() && batch < 0
                    && t.rank() == n.shape().rank()) {
                batch = t.dim(n.shape().batchAxis());
            }
        }
        if (steps < 0 && lengths != null) {
            steps = Arrays.stream(lengths).max().orElse(0);
        }
        if (batch < 0) {
            batch = 1;
        }
        if (steps < 0) {
            throw new RunException("cannot tell the sequence length: the graph has no per-step input and no lengths were given");
        }
        return new int[] {batch, steps};
    }

    private void checkFeeds(Map<String, Tensor> feeds, int batch, int steps, int[] lens) {
        if (batch < 1) {
            throw new RunException("the batch is empty");
        }
        for (int b = 0; b < lens.length; b++) {
            if (lens[b] < 1 || lens[b] > steps) {
                throw new RunException("sequence " + b + " has length " + lens[b] + "; lengths must be in [1, " + steps + "]");
            }
        }
        for (Node n : graph.feeds().values()) {
            int[] expected = feedShape(n, batch, steps);
            Tensor t = feeds.get(n.name());
            if (t == null) {
                throw new RunException("missing " + kind(n) + " %" + n.name() + " " + n.dtype().textName()
                        + Arrays.toString(expected));
            }
            if (!Arrays.equals(t.shape(), expected)) {
                throw new RunException(kind(n) + " %" + n.name() + " has shape " + Arrays.toString(t.shape())
                        + ", expected " + Arrays.toString(expected) + " (" + feedShapeText(n) + " with T=" + steps
                        + ", B=" + batch + ")");
            }
        }
    }

    private static String kind(Node n) {
        return switch (n.op()) {
            case INPUT -> "input";
            case STATIC_INPUT -> "static input";
            case PARAM -> "parameter";
            default -> n.op().textName();
        };
    }

    /** The concrete shape a feed must have: per-step inputs get a leading T. */
    public static int[] feedShape(Node n, int batch, int steps) {
        int[] s = n.shape().resolve(batch, steps);
        if (n.op() != Op.INPUT) {
            return s;
        }
        int[] r = new int[s.length + 1];
        r[0] = steps;
        System.arraycopy(s, 0, r, 1, s.length);
        return r;
    }

    private static String feedShapeText(Node n) {
        return (n.op() == Op.INPUT ? n.shape().prepend(io.recurflow.ir.Dim.T) : n.shape()).toString();
    }

    private Tensor assemble(Node n, List<Sequence> seqs, int batch, int steps) {
        if (n.isPerStep()) {
            int[] row = seqs.get(0).shapeOf(n);
            int rowSize = Tensor.count(row);
            int[] shape = new int[row.length + 1];
            shape[0] = steps;
            System.arraycopy(row, 0, shape, 1, row.length);
            shape[1] = batch;
            double[] out = new double[steps * batch * rowSize];
            for (int b = 0; b < batch; b++) {
                Sequence s = seqs.get(b);
                for (int t = 0; t < s.length; t++) {
                    System.arraycopy(s.value(n.id(), t).data(), 0, out, (t * batch + b) * rowSize, rowSize);
                }
            }
            return new Tensor(shape, out);
        }
        int axis = n.shape().batchAxis();
        if (axis < 0) {
            return seqs.get(0).value(n.id(), -1);
        }
        Tensor[] parts = new Tensor[batch];
        for (int b = 0; b < batch; b++) {
            parts[b] = seqs.get(b).value(n.id(), -1);
        }
        return Tensor.concat(axis, parts);
    }

    /**
     * The values of one sequence: static nodes once, per-step nodes at each of its steps. Static
     * values without a B axis are shared by all sequences; the batch reductions among them (a static
     * result without B from an operand with B) read that operand in every sequence of {@code all}.
     */
    private final class Sequence {
        final Map<String, Tensor> feeds;
        final int b;
        final int length;
        final int steps;
        final Map<Integer, Tensor> shared;
        final List<Sequence> all;
        final Tensor[] statics = new Tensor[graph.size()];
        final Tensor[][] perStep = new Tensor[graph.size()][];

        Sequence(Map<String, Tensor> feeds, int b, int length, int steps, Map<Integer, Tensor> shared,
                 List<Sequence> all) {
            this.feeds = feeds;
            this.b = b;
            this.length = length;
            this.steps = steps;
            this.shared = shared;
            this.all = all;
        }

        int[] shapeOf(Node n) {
            return n.shape().resolve(1, steps);
        }

        Tensor stored(int node, int t) {
            if (t < 0) {
                Node n = graph.node(node);
                return n.shape().hasBatch() ? statics[node] : shared.get(node);
            }
            Tensor[] row = perStep[node];
            return row == null ? null : row[t];
        }

        void store(int node, int t, Tensor v) {
            if (t < 0) {
                if (graph.node(node).shape().hasBatch()) {
                    statics[node] = v;
                } else {
                    shared.put(node, v);
                }
            } else {
                if (perStep[node] == null) {
                    perStep[node] = new Tensor[length];
                }
                perStep[node][t] = v;
            }
        }

        /** The value of {@code node} at step t (t = -1 for a static node), computing what it needs first. */
        Tensor value(int node, int t) {
            Deque<int[]> stack = new ArrayDeque<>();
            stack.push(new int[] {node, t});
            while (!stack.isEmpty()) {
                int[] top = stack.peek();
                if (stored(top[0], top[1]) != null) {
                    stack.pop();
                    continue;
                }
                List<int[]> missing = new ArrayList<>();
                for (int[] dep : dependencies(graph.node(top[0]), top[1])) {
                    if (stored(dep[0], dep[1]) == null) {
                        missing.add(dep);
                    }
                }
                if (missing.isEmpty()) {
                    store(top[0], top[1], compute(graph.node(top[0]), top[1]));
                    stack.pop();
                } else {
                    for (int[] dep : missing) {
                        stack.push(dep);
                    }
                }
            }
            return stored(node, t);
        }

        private List<int[]> dependencies(Node n, int t) {
            List<int[]> deps = new ArrayList<>();
            if (n.op().isTimeReduction()) {
                int src = n.operand(0).source();
                for (int s = 0; s < length; s++) {
                    deps.add(new int[] {src, s});
                }
                return deps;
            }
            for (Operand o : n.operands()) {
                Node src = graph.node(o.source());
                if (src.isStatic()) {
                    deps.add(new int[] {o.source(), -1});
                } else if (t - o.delay() >= 0 && t - o.delay() < length) {
                    deps.add(new int[] {o.source(), t - o.delay()});
                } else if (o.hasInit()) {
                    deps.add(new int[] {o.init(), -1});
                }
            }
            return deps;
        }

        private Tensor operand(Operand o, int t) {
            Node src = graph.node(o.source());
            if (src.isStatic()) {
                return stored(o.source(), -1);
            }
            int s = t - o.delay();
            if (s >= 0 && s < length) {
                return stored(o.source(), s);
            }
            return o.hasInit() ? stored(o.init(), -1) : Tensor.zeros(shapeOf(src));
        }

        /**
         * Operand {@code o} of batch reduction {@code n} over the whole batch: the sequences' values
         * joined along the B axis. Another sequence computes its value on its own stack; static
         * values lie on no cycle, so this recursion is only as deep as batch reductions are nested.
         */
        private Tensor wholeBatch(Operand o) {
            Node src = graph.node(o.source());
            if (!src.shape().hasBatch()) {
                return stored(o.source(), -1);
            }
            Tensor[] parts = new Tensor[all.size()];
            for (int i = 0; i < parts.length; i++) {
                parts[i] = all.get(i).value(o.source(), -1);
            }
            return Tensor.concat(src.shape().batchAxis(), parts);
        }

        private boolean reducesBatch(Node n) {
            if (n.isPerStep() || n.shape().hasBatch()) {
                return false;
            }
            for (Operand o : n.operands()) {
                if (graph.node(o.source()).shape().hasBatch()) {
                    return true;
                }
            }
            return false;
        }

        private Tensor compute(Node n, int t) {
            List<Tensor> in = new ArrayList<>();
            if (reducesBatch(n)) {
                for (Operand o : n.operands()) {
                    in.add(wholeBatch(o));
                }
            } else if (!n.op().isTimeReduction()) {
                for (Operand o : n.operands()) {
                    in.add(operand(o, t));
                }
            }
            return switch (n.op()) {
                case INPUT -> feed(n).sliceAxis(0, t).reshape(stepShape(feed(n))).sliceAxis(0, b);
                case STATIC_INPUT -> n.shape().hasBatch() ? feed(n).sliceAxis(n.shape().batchAxis(), b) : feed(n);
                case PARAM -> feed(n);
                case CONST -> {
                    double[] d = new double[Tensor.count(shapeOf(n))];
                    Arrays.fill(d, n.attrs().getDouble("value", 0));
                    yield new Tensor(shapeOf(n), d);
                }
                case MATMUL -> RefOps.matmul(in.get(0), in.get(1), n.attrs().getBool("transpose_b", false));
                case ADD -> RefOps.broadcast(in.get(0), in.get(1), Double::sum);
                case SUB -> RefOps.broadcast(in.get(0), in.get(1), (x, y) -> x - y);
                case MUL -> RefOps.broadcast(in.get(0), in.get(1), (x, y) -> x * y);
                case DIV -> RefOps.broadcast(in.get(0), in.get(1), (x, y) -> x / y);
                case NEG -> RefOps.map(in.get(0), x -> -x);
                case SIGMOID -> RefOps.map(in.get(0), RefOps::sigmoid);
                case TANH -> RefOps.map(in.get(0), Math::tanh);
                case RELU -> RefOps.map(in.get(0), x -> Math.max(0, x));
                case EXP -> RefOps.map(in.get(0), Math::exp);
                case LOG -> RefOps.map(in.get(0), Math::log);
                case STEP -> RefOps.map(in.get(0), x -> x > 0 ? 1 : 0);
                case CONCAT -> Tensor.concat(in.get(0).rank() - 1, in.toArray(new Tensor[0]));
                case SLICE -> RefOps.slice(in.get(0), n.attrs().getInt("start"), n.attrs().getInt("end"));
                case SELECT -> RefOps.select(in.get(0), n.attrs().getInt("index"));
                case PACK -> RefOps.pack(in.toArray(new Tensor[0]));
                case EMBEDDING -> embedding(n, in.get(0), in.get(1));
                case SOFTMAX -> RefOps.softmax(in.get(0), false);
                case LOG_SOFTMAX -> RefOps.softmax(in.get(0), true);
                case CROSS_ENTROPY -> crossEntropy(n, in);
                case SUM_TIME -> {
                    Tensor sum = Tensor.zeros(shapeOf(n));
                    for (int s = 0; s < length; s++) {
                        sum = RefOps.broadcast(sum, stored(n.operand(0).source(), s), Double::sum);
                    }
                    yield sum;
                }
                case LAST_STEP -> stored(n.operand(0).source(), length - 1);
                case FIRST_STEP -> stored(n.operand(0).source(), 0);
                case STACK_TIME -> {
                    int[] shape = shapeOf(n);
                    double[] d = new double[Tensor.count(shape)];
                    int step = d.length / steps;
                    for (int s = 0; s < length; s++) {
                        System.arraycopy(stored(n.operand(0).source(), s).data(), 0, d, s * step, step);
                    }
                    yield new Tensor(shape, d);
                }
                case SUM_AXIS -> RefOps.sumAxis(in.get(0), n.attrs().getInt("axis"), true);
                case SUM_BATCH -> RefOps.sumAxis(in.get(0), graph.node(n.operand(0).source()).shape().batchAxis(), false);
                case BROADCAST_BATCH -> RefOps.insertAxis(in.get(0), Math.toIntExact(n.attrs().getLong("axis", 0)));
                case BROADCAST_TIME -> in.get(0);
                case UNSTACK_TIME -> RefOps.select(in.get(0), t);
                case MATMUL_TN -> RefOps.matmulTn(in.get(0), in.get(1));
                case SCATTER_ADD -> scatterAdd(n, in.get(0), in.get(1));
                case CROSS_ENTROPY_GRAD -> crossEntropyGrad(n, in);
            };
        }

        private Tensor feed(Node n) {
            return feeds.get(n.name());
        }

        private int[] stepShape(Tensor perStepInput) {
            return Arrays.copyOfRange(perStepInput.shape(), 1, perStepInput.rank());
        }

        private Tensor embedding(Node n, Tensor ids, Tensor table) {
            int vocab = table.dim(0);
            int e = table.dim(1);
            double[] out = new double[ids.size() * e];
            for (int i = 0; i < ids.size(); i++) {
                int id = checkedId(n, ids.data()[i], vocab, "id");
                System.arraycopy(table.data(), id * e, out, i * e, e);
            }
            int[] shape = Arrays.copyOf(ids.shape(), ids.rank() + 1);
            shape[ids.rank()] = e;
            return new Tensor(shape, out);
        }

        private Tensor crossEntropy(Node n, List<Tensor> in) {
            Tensor logp = RefOps.softmax(in.get(0), true);
            Tensor targets = in.get(1);
            int v = logp.dim(-1);
            double[] out = new double[targets.size()];
            for (int i = 0; i < out.length; i++) {
                int target = checkedId(n, targets.data()[i], v, "target");
                double mask = in.size() > 2 ? in.get(2).data()[i] : 1.0;
                out[i] = mask == 0 ? 0 : -logp.data()[i * v + target] * mask;
            }
            return new Tensor(targets.shape(), out);
        }

        private Tensor scatterAdd(Node n, Tensor ids, Tensor values) {
            int rows = n.attrs().getInt("rows");
            int e = values.dim(-1);
            double[] out = new double[rows * e];
            for (int i = 0; i < ids.size(); i++) {
                int id = checkedId(n, ids.data()[i], rows, "id");
                for (int j = 0; j < e; j++) {
                    out[id * e + j] += values.data()[i * e + j];
                }
            }
            return new Tensor(new int[] {rows, e}, out);
        }

        private Tensor crossEntropyGrad(Node n, List<Tensor> in) {
            Tensor p = RefOps.softmax(in.get(0), false);
            Tensor targets = in.get(1);
            Tensor g = in.get(2);
            int v = p.dim(-1);
            double[] out = p.data().clone();
            for (int i = 0; i < targets.size(); i++) {
                out[i * v + checkedId(n, targets.data()[i], v, "target")] -= 1;
                for (int j = 0; j < v; j++) {
                    out[i * v + j] *= g.data()[i];
                }
            }
            return new Tensor(p.shape(), out);
        }

        private int checkedId(Node n, double value, int limit, String what) {
            int id = (int) value;
            if (id != value || id < 0 || id >= limit) {
                throw new RunException("node %" + n.name() + " (" + n.op().textName() + ") got " + what + " "
                        + value + " in sequence " + b + "; it must be an integer in [0, " + limit + ")");
            }
            return id;
        }
    }
}
