package io.recurflow.codegen;

import io.recurflow.codegen.kernels.Activation;
import io.recurflow.codegen.kernels.GemmKernel;
import io.recurflow.codegen.kernels.GemmSpec;
import io.recurflow.codegen.kernels.ParamKind;
import io.recurflow.codegen.kernels.RowMode;
import io.recurflow.ir.DType;
import io.recurflow.ir.Graph;
import io.recurflow.ir.Node;
import io.recurflow.ir.Op;
import io.recurflow.ir.Operand;
import io.recurflow.ir.Verifier;
import io.recurflow.runtime.program.Arg;
import io.recurflow.runtime.program.BufferSpec;
import io.recurflow.runtime.program.Instr;
import io.recurflow.runtime.program.Program;
import io.recurflow.scc.Component;
import io.recurflow.scc.ComponentKind;
import io.recurflow.scc.SccAnalysis;
import io.recurflow.scc.SccResult;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Lowers a graph into a runtime {@link Program} for one {@link Mode}, batch size B and sequence
 * length T (the per-sequence lengths stay a run-time input).
 *
 * <p>Layout: a per-step value of width F is one buffer [T, B, F] (row t·B + b); a static one is its
 * own shape, rows × last axis. Slices, selections and stacks over time are views, never launches.
 * Parameters and constants are written once by the program's setup.
 *
 * <p>{@link Mode#NAIVE}: components in topological order; every per-step component step by step
 * (its own direction for a reverse recurrence), one launch per op per step, no fusion.
 * {@link Mode#BATCHED}: acyclic per-step components once over all T·B rows; a GEMM followed by the
 * addition of a bias and an activation, where nothing else reads the intermediate values, is one
 * launch; recurrent components step by step, their element-wise work of a step fused into one kernel
 * per output width between the GEMMs it depends on.
 */
public final class Lowering {
    private final Graph graph;
    private final Mode mode;
    private final int batch;
    private final int steps;
    private final SccResult scc;
    private final List<BufferSpec> buffers = new ArrayList<>();
    private final Map<Integer, Loc> locs = new HashMap<>();
    private final KernelSet kernels = new KernelSet();
    private final Kernels gen;
    private final List<Instr> setup = new ArrayList<>();
    private final List<Instr> run = new ArrayList<>();
    private final Map<String, String> feeds = new LinkedHashMap<>();
    private final Map<String, String> params = new LinkedHashMap<>();
    private final List<String> outputs = new ArrayList<>();
    /** matmul id → {bias add id or -1, activation id or -1}: epilogues fused into the GEMM (batched). */
    private final Map<Integer, int[]> epilogues = new HashMap<>();
    /** Nodes computed inside another node's kernel (a GEMM's epilogue). */
    private final Set<Integer> absorbed = new HashSet<>();
    private int lengthsBuffer;
    private final Options options;
    /** The queue the next launch goes on, the events it waits for, and the next free event id. */
    private int queue;
    private List<Integer> pendingWaits = new ArrayList<>();
    private int events;
    /** The work of each run instruction (null for transfers), for the cost model. */
    private final List<LaunchCostModel.Work> work = new ArrayList<>();
    private io.recurflow.scc.schedule.Schedule schedule;
    private io.recurflow.scc.schedule.TaskGraph taskGraph;
    /** Packed weight panels by (parameter, shape): a weight read by several GEMMs is packed once. */
    private final Map<String, Integer> packed = new HashMap<>();
    /** The rows the launches being emitted cover: every row, or one stream's (scheduled mode, S > 1). */
    private StreamRows rowSet;

    /**
     * How the scheduled mode plans: {@code queues} K (0: let the scheduler choose up to
     * {@code maxQueues}), the cost model that prices launches and events, and {@code streams} S, the
     * independent groups of B/S sequences whose tasks are scheduled together (see {@link StreamRows}).
     */
    public record Options(int queues, int maxQueues, LaunchCostModel costs, int streams) {
        public static final Options DEFAULT = new Options(0, 4, LaunchCostModel.DEFAULT);

        public Options {
            if (queues < 0 || maxQueues < 1) {
                throw new IllegalArgumentException("queues must be at least 1 (or 0 for auto), maxQueues at least 1");
            }
            if (streams < 1) {
                throw new IllegalArgumentException("streams must be at least 1, not " + streams);
            }
        }

        public Options(int queues, int maxQueues, LaunchCostModel costs) {
            this(queues, maxQueues, costs, 1);
        }

        /** These options with the batch split into {@code newStreams} streams. */
        public Options withStreams(int newStreams) {
            return new Options(queues, maxQueues, costs, newStreams);
        }
    }

    private Lowering(Graph graph, Mode mode, int batch, int steps, Options options) {
        this.options = options;
        this.rowSet = StreamRows.all(batch);
        this.graph = Verifier.verify(graph);
        this.mode = mode;
        this.batch = batch;
        this.steps = steps;
        this.scc = SccAnalysis.analyze(graph);
        this.gen = new Kernels(graph, this::loc, batch);
    }

    /** Lowers {@code graph} for {@code mode} at batch {@code batch} and sequence length {@code steps}. */
    public static CompiledModel lower(Graph graph, Mode mode, int batch, int steps) {
        return lower(graph, mode, batch, steps, Options.DEFAULT);
    }

    /** As {@link #lower(Graph, Mode, int, int)}, with the scheduled mode's queues and cost model. */
    public static CompiledModel lower(Graph graph, Mode mode, int batch, int steps, Options options) {
        if (batch < 1 || steps < 1) {
            throw new IllegalArgumentException("batch and sequence length must be at least 1");
        }
        if (mode != Mode.SCHEDULED && options.streams() > 1) {
            throw new IllegalArgumentException("streams split the batch in the scheduled mode only, not in "
                    + mode.textName());
        }
        // the scheduled mode sums rows by id before a product rather than after (the embedding gradient)
        Graph given = graph;
        graph = mode == Mode.SCHEDULED ? io.recurflow.passes.ScatterBeforeProduct.rewrite(graph) : graph;
        Lowering l = new Lowering(graph, mode, batch, steps, options);
        if (graph != given) {
            l.notes.add("scatter before product: rows summed by id before their product with the weights");
        }
        l.checkSupported();
        if (mode != Mode.NAIVE) {
            l.planEpilogues();
            l.planConcatsInPlace();
        }
        if (mode == Mode.SCHEDULED) {
            l.planInlined();
        }
        l.layout();
        if (mode == Mode.SCHEDULED) {
            l.emitScheduled();
        } else {
            l.emitRun();
        }
        int queues = l.schedule == null ? 1 : l.schedule.queues();
        Set<Integer> launched = new HashSet<>();
        for (Instr i : l.setup) {
            if (i instanceof Instr.Launch launch) {
                launched.add(launch.kernel());
            }
        }
        for (Instr i : l.run) {
            if (i instanceof Instr.Launch launch) {
                launched.add(launch.kernel());
            }
        }
        KernelSet.Retained kept = l.kernels.retain(launched);
        Program p = dropUnusedBuffers(new Program(graph.name() + "-" + mode.textName(), kept.source(),
                l.buffers, kept.specs(), withKernels(l.setup, kept.renumbered()), withKernels(l.run, kept.renumbered()),
                queues));
        double predicted = options.costs().predict(p, l.work);
        return new CompiledModel(graph, mode, batch, steps, p, l.feeds, l.params, l.outputs, predicted, l.taskGraph,
                l.schedule, l.notes, options.costs().launchTimes(p, l.work));
    }

    /**
     * Removes buffers no instruction mentions (values that fused kernels keep in registers) and
     * renumbers the rest in order.
     */
    static Program dropUnusedBuffers(Program p) {
        Set<Integer> used = new java.util.TreeSet<>();
        List<Instr> all = new ArrayList<>(p.setup());
        all.addAll(p.run());
        for (Instr i : all) {
            if (i instanceof Instr.Write w) {
                used.add(w.buffer());
            } else if (i instanceof Instr.Read r) {
                used.add(r.buffer());
            } else if (i instanceof Instr.Fill f) {
                used.add(f.buffer());
            } else if (i instanceof Instr.Launch l) {
                for (Arg a : l.args()) {
                    if (a instanceof Arg.Buffer b) {
                        used.add(b.buffer());
                    }
                }
            }
        }
        Map<Integer, Integer> renum = new HashMap<>();
        List<BufferSpec> kept = new ArrayList<>();
        for (int id : used) {
            BufferSpec b = p.buffer(id);
            renum.put(id, kept.size());
            kept.add(new BufferSpec(kept.size(), b.name(), b.bytes(), b.role()));
        }
        return new Program(p.name(), p.source(), kept, p.kernels(), renumber(p.setup(), renum),
                renumber(p.run(), renum), p.queues());
    }

    /** {@code instrs} with every launch's kernel id mapped through {@code renum}. */
    private static List<Instr> withKernels(List<Instr> instrs, Map<Integer, Integer> renum) {
        List<Instr> out = new ArrayList<>();
        for (Instr i : instrs) {
            out.add(i instanceof Instr.Launch l ? new Instr.Launch(renum.get(l.kernel()), l.args(), l.global(),
                    l.local(), l.queue(), l.waits(), l.event(), l.label()) : i);
        }
        return out;
    }

    private static List<Instr> renumber(List<Instr> instrs, Map<Integer, Integer> renum) {
        List<Instr> out = new ArrayList<>();
        for (Instr i : instrs) {
            if (i instanceof Instr.Write w) {
                out.add(new Instr.Write(renum.get(w.buffer()), w.host(), w.queue()));
            } else if (i instanceof Instr.Read r) {
                out.add(new Instr.Read(renum.get(r.buffer()), r.host(), r.queue()));
            } else if (i instanceof Instr.Fill f) {
                out.add(new Instr.Fill(renum.get(f.buffer()), f.value(), f.queue()));
            } else if (i instanceof Instr.Launch l) {
                List<Arg> args = new ArrayList<>();
                for (Arg a : l.args()) {
                    args.add(a instanceof Arg.Buffer b ? new Arg.Buffer(renum.get(b.buffer())) : a);
                }
                out.add(new Instr.Launch(l.kernel(), args, l.global(), l.local(), l.queue(), l.waits(), l.event(),
                        l.label()));
            }
        }
        return out;
    }

    private Loc loc(int node) {
        Loc l = locs.get(node);
        if (l == null) {
            throw new IllegalStateException("no location for %" + graph.node(node).name());
        }
        return rowSet.shift(graph.node(node), l);
    }

    /** Whether a value is one number per row: no axes, or the batch axis last ([B], a per-sequence scalar). */
    private static boolean scalarRows(Node n) {
        return n.shape().rank() == 0 || n.shape().dim(-1).isSymbolic();
    }

    /** Elements per row: the last axis, or 1 for {@link #scalarRows} values. */
    private int width(Node n) {
        return scalarRows(n) ? 1 : n.shape().features();
    }

    /** Rows of a static value: every axis but the last (all of them for {@link #scalarRows} values). */
    private int staticRows(Node n) {
        int[] dims = n.shape().resolve(batch, steps);
        int rows = 1;
        for (int i = 0; i + (scalarRows(n) ? 0 : 1) < dims.length; i++) {
            rows *= dims[i];
        }
        return rows;
    }

    // ---- support --------------------------------------------------------------------------------

    private void checkSupported() {
        for (Node n : graph.nodes()) {
            if (n.isPerStep() && n.shape().rank() > 2) {
                throw new UnsupportedGraphException("node %" + n.name() + " has per-step shape " + n.shape()
                        + ": the OpenCL backend handles [B] and [B, F]");
            }
            if (n.isStatic() && n.shape().hasBatch() && !batchIsLastRowAxis(n)
                    && n.op() != Op.STATIC_INPUT && n.op() != Op.STACK_TIME && n.op() != Op.PACK) {
                throw new UnsupportedGraphException("node %" + n.name() + " has static shape " + n.shape()
                        + ": the OpenCL backend needs the batch axis right before the last");
            }
            if ((n.op() == Op.SUM_BATCH || n.op() == Op.BROADCAST_BATCH)
                    && !batchIsLastRowAxis(n.op() == Op.SUM_BATCH ? graph.node(n.operand(0).source()) : n)) {
                throw new UnsupportedGraphException("node %" + n.name() + " (" + n.op().textName() + ") over shape "
                        + graph.node(n.operand(0).source()).shape()
                        + ": the OpenCL backend needs the batch axis right before the last");
            }
        }
    }

    /** Whether a static value's rows are (…, sequence): B right before the last axis, or last in a {@link #scalarRows} value. */
    private static boolean batchIsLastRowAxis(Node n) {
        int axis = n.shape().batchAxis();
        return axis == n.shape().rank() - 2 || axis == n.shape().rank() - 1 && scalarRows(n);
    }

    // ---- fusion decisions -----------------------------------------------------------------------

    private List<int[]> users(int node) {
        List<int[]> r = new ArrayList<>();
        for (Node n : graph.nodes()) {
            for (int i = 0; i < n.operands().size(); i++) {
                Operand o = n.operand(i);
                if (o.source() == node || (o.hasInit() && o.init() == node)) {
                    r.add(new int[] {n.id(), i});
                }
            }
        }
        return r;
    }

    /** The only reader of {@code node} (at delay 0, not an output), or -1. */
    private int soleUser(int node) {
        if (graph.outputs().contains(node)) {
            return -1;
        }
        List<int[]> u = users(node);
        if (u.size() != 1 || graph.node(u.get(0)[0]).operand(u.get(0)[1]).delay() != 0) {
            return -1;
        }
        return u.get(0)[0];
    }

    /** Whether fusing {@code b} into the launch of {@code a} keeps to the batched mode's rules. */
    private boolean sameLaunchUnit(int a, int b) {
        Component ca = scc.componentOf(a);
        Component cb = scc.componentOf(b);
        return ca.index() == cb.index() || (!ca.isRecurrent() && !cb.isRecurrent()
                && graph.node(a).isPerStep() == graph.node(b).isPerStep());
    }

    private void planEpilogues() {
        for (Node m : graph.nodesOf(Op.MATMUL)) {
            int add = soleUser(m.id());
            if (add < 0 || graph.node(add).op() != Op.ADD || !sameLaunchUnit(m.id(), add)) {
                continue;
            }
            Node a = graph.node(add);
            Operand other = a.operand(a.operand(0).source() == m.id() && a.operand(0).delay() == 0 ? 1 : 0);
            Node bias = graph.node(other.source());
            if (other.delay() != 0 || !bias.isStatic() || bias.shape().rank() != 1
                    || bias.shape().features() != width(m) || a.operand(0).source() == a.operand(1).source()) {
                continue;
            }
            int act = soleUser(add);
            if (act >= 0 && !Set.of(Op.SIGMOID, Op.TANH, Op.RELU).contains(graph.node(act).op())
                    || act >= 0 && !sameLaunchUnit(add, act)) {
                act = -1;
            }
            epilogues.put(m.id(), new int[] {add, act});
            absorbed.add(add);
            if (act >= 0) {
                absorbed.add(act);
            }
        }
    }

    /** The node whose location holds a GEMM's final result (after its fused epilogue). */
    private int gemmResult(int matmul) {
        int[] e = epilogues.get(matmul);
        if (e == null) {
            return matmul;
        }
        return e[1] >= 0 ? e[1] : e[0];
    }

    /** Concatenations whose operands write their own columns of it: concat id → its operands. */
    private final Map<Integer, List<Integer>> concatsInPlace = new LinkedHashMap<>();
    /** Operand id → {concat id, first column}: where an in-place concat's operand lives. */
    private final Map<Integer, int[]> inConcat = new HashMap<>();

    /**
     * Concatenations of per-step element-wise results (the gate gradients of an LSTM step) become
     * in place: each operand is stored straight into its columns of the concatenation, which then
     * needs no launch of its own. Not in naive mode, which launches every op.
     */
    private void planConcatsInPlace() {
        Set<Integer> gemmResults = new HashSet<>();
        for (int m : epilogues.keySet()) {
            gemmResults.add(gemmResult(m));
        }
        for (Node n : graph.nodesOf(Op.CONCAT)) {
            if (!n.isPerStep() || graph.outputs().contains(n.id())) {
                continue;
            }
            List<Integer> parts = new ArrayList<>();
            boolean ok = true;
            for (Operand o : n.operands()) {
                Node src = graph.node(o.source());
                ok &= o.delay() == 0 && !o.hasInit() && src.isPerStep() && Kernels.ELEMENTWISE.contains(src.op())
                        && src.op() != Op.BROADCAST_TIME && src.op() != Op.UNSTACK_TIME
                        && !absorbed.contains(src.id()) && !gemmResults.contains(src.id())
                        && !graph.outputs().contains(src.id()) && !parts.contains(src.id())
                        && !inConcat.containsKey(src.id()) && !readByProduct(src.id());
                parts.add(src.id());
            }
            if (!ok) {
                continue;
            }
            int col = 0;
            for (int part : parts) {
                inConcat.put(part, new int[] {n.id(), col});
                col += width(graph.node(part));
            }
            concatsInPlace.put(n.id(), parts);
            absorbed.add(n.id());
        }
    }

    /**
     * Whether a matrix product reads {@code node}: the tiled GEMM cannot read its operands from a
     * column view, so a value stored into a concatenation's columns would send that product to the
     * plain kernel (a layer's h, say, which its own recurrence multiplies and the next layer reads
     * through the concatenation of both directions).
     */
    private boolean readByProduct(int node) {
        for (int[] u : users(node)) {
            Op op = graph.node(u[0]).op();
            if (op == Op.MATMUL || op == Op.MATMUL_TN) {
                return true;
            }
        }
        return false;
    }

    /**
     * Lays out an in-place concatenation (its own buffer) or one of its operands (a column view of
     * it, placed when the operand comes first); false for every other node.
     */
    private boolean layoutInConcat(Node n) {
        int[] at = inConcat.get(n.id());
        int concat = at != null ? at[0] : concatsInPlace.containsKey(n.id()) ? n.id() : -1;
        if (concat < 0) {
            return false;
        }
        if (!locs.containsKey(concat)) {
            locs.put(concat, own(graph.node(concat), BufferSpec.Role.TEMP));
        }
        if (at != null) {
            locs.put(n.id(), loc(concat).withColumns(at[1], width(n)));
        }
        return true;
    }

    // ---- layout ---------------------------------------------------------------------------------

    private int buffer(String name, long elements, BufferSpec.Role role) {
        int id = buffers.size();
        buffers.add(new BufferSpec(id, name, Math.max(1, elements) * 4, role));
        return id;
    }

    private Loc own(Node n, BufferSpec.Role role) {
        int w = width(n);
        if (n.isPerStep()) {
            return new Loc(buffer(n.name(), (long) steps * batch * w, role), 0, w, 0, w, true, -1);
        }
        int rows = staticRows(n);
        return new Loc(buffer(n.name(), (long) rows * w, role), 0, w, 0, w, false, rows);
    }

    private void layout() {
        lengthsBuffer = buffer(CompiledModel.LENGTHS, batch, BufferSpec.Role.INPUT);
        feeds.put(CompiledModel.LENGTHS, CompiledModel.LENGTHS);
        Set<Integer> outs = new HashSet<>(graph.outputs());
        Map<Integer, Integer> resultOf = new HashMap<>();
        for (Map.Entry<Integer, int[]> e : epilogues.entrySet()) {
            resultOf.put(gemmResult(e.getKey()), e.getKey());
        }
        for (Node n : graph.nodes()) {
            BufferSpec.Role temp = outs.contains(n.id()) ? BufferSpec.Role.OUTPUT : BufferSpec.Role.TEMP;
            if (layoutInConcat(n)) {
                continue;
            }
            switch (n.op()) {
                case INPUT, STATIC_INPUT -> {
                    locs.put(n.id(), own(n, BufferSpec.Role.INPUT));
                    feeds.put(n.name(), n.name());
                }
                case PARAM -> {
                    locs.put(n.id(), own(n, BufferSpec.Role.PARAM));
                    params.put(n.name(), n.name());
                    setup.add(new Instr.Write(loc(n.id()).buffer(), n.name(), 0));
                }
                case CONST -> {
                    locs.put(n.id(), own(n, BufferSpec.Role.PARAM));
                    setup.add(new Instr.Fill(loc(n.id()).buffer(), (float) n.attrs().getDouble("value", 0), 0));
                }
                case SLICE -> {
                    if (isView(n)) {
                        Loc src = loc(n.operand(0).source());
                        locs.put(n.id(), src.withColumns(n.attrs().getInt("start"), width(n)));
                    } else {
                        locs.put(n.id(), own(n, temp));
                    }
                }
                case SELECT -> {
                    Loc src = loc(n.operand(0).source());
                    requireContiguous(n, src);
                    int rows = staticRows(n);
                    long inner = (long) rows * width(n);
                    locs.put(n.id(), new Loc(src.buffer(), src.base() + n.attrs().getInt("index") * inner, width(n), 0,
                            width(n), false, rows));
                }
                case STACK_TIME -> {
                    Loc src = loc(n.operand(0).source());
                    if (src.contiguous()) {
                        locs.put(n.id(), new Loc(src.buffer(), src.base(), src.stride(), 0, src.width(), false,
                                steps * batch));
                    } else {
                        // the steps of a slice: copied into whole rows by emitNode
                        locs.put(n.id(), new Loc(buffer(n.name(), (long) steps * batch * src.width(), temp), 0,
                                src.width(), 0, src.width(), false, steps * batch));
                    }
                }
                case MATMUL -> {
                    if (gemmResult(n.id()) == n.id()) {
                        locs.put(n.id(), own(n, temp));
                    }
                }
                default -> {
                    Integer mm = resultOf.get(n.id());
                    if (mm == null && !absorbed.contains(n.id())) {
                        locs.put(n.id(), own(n, temp));
                    } else if (mm != null) {
                        locs.put(n.id(), own(n, temp));
                    }
                }
            }
        }
    }

    /**
     * Whether a slice is a view of its operand's columns: where it reads it at the same step. A slice
     * of a delayed read (with its initial value outside the sequence) is computed like an element-wise op.
     */
    private static boolean isView(Node n) {
        return n.op() == Op.SLICE && n.operand(0).delay() == 0 && !n.operand(0).hasInit();
    }

    private void requireContiguous(Node n, Loc src) {
        if (!src.contiguous()) {
            throw new UnsupportedGraphException("node %" + n.name() + " (" + n.op().textName()
                    + ") reads a slice; the OpenCL backend needs whole rows there");
        }
    }

    // ---- run instructions -----------------------------------------------------------------------

    private void emitWrites() {
        addInstr(new Instr.Write(lengthsBuffer, CompiledModel.LENGTHS, 0), null);
        for (Node n : graph.nodes()) {
            if (n.op() == Op.INPUT || n.op() == Op.STATIC_INPUT) {
                addInstr(new Instr.Write(loc(n.id()).buffer(), n.name(), 0), null);
            }
        }
    }

    private void addInstr(Instr i, LaunchCostModel.Work w) {
        run.add(i);
        work.add(w);
    }

    private void emitRun() {
        emitWrites();
        for (Component c : scc.components()) {
            List<Integer> order = instantOrder(c);
            boolean perStep = graph.node(c.nodes().get(0)).isPerStep();
            if (!perStep) {
                for (int id : order) {
                    emitNode(graph.node(id), 0, 0);
                }
            } else if (mode == Mode.BATCHED && !c.isRecurrent()) {
                for (int id : order) {
                    emitNode(graph.node(id), 0, steps);
                }
            } else {
                boolean reverse = c.kind() == ComponentKind.RECURRENT_REVERSE;
                for (int i = 0; i < steps; i++) {
                    int t = reverse ? steps - 1 - i : i;
                    if (mode == Mode.BATCHED) {
                        emitStep(c, order, t);
                    } else {
                        for (int id : order) {
                            emitNode(graph.node(id), t, 1);
                        }
                    }
                }
            }
        }
        emitReads();
    }

    private void emitReads() {
        for (int o : graph.outputs()) {
            Node n = graph.node(o);
            Loc l = loc(o);
            BufferSpec spec = buffers.get(l.buffer());
            boolean direct = spec.role() == BufferSpec.Role.OUTPUT && l.base() == 0 && l.contiguous()
                    && spec.bytes() == 4L * (n.isPerStep() ? (long) steps * batch : staticRows(n)) * width(n);
            if (!direct) {
                Loc copy = own(n, BufferSpec.Role.OUTPUT);
                launch(n.isPerStep() ? gen.copy(l, copy, true, 0) : gen.copy(l, copy, false, staticRows(n)), 0,
                        n.isPerStep() ? steps * batch : staticRows(n), "output " + n.name());
                l = copy;
            }
            addInstr(new Instr.Read(l.buffer(), n.name(), 0), null);
            outputs.add(n.name());
        }
    }

    /** The component's nodes ordered so that every delay-0 operand inside it comes first. */
    private List<Integer> instantOrder(Component c) {
        Set<Integer> members = new HashSet<>(c.nodes());
        Map<Integer, Integer> pending = new TreeMap<>();
        Map<Integer, List<Integer>> next = new HashMap<>();
        for (int id : c.nodes()) {
            int count = 0;
            for (Operand o : graph.node(id).operands()) {
                if (o.delay() == 0 && members.contains(o.source())) {
                    count++;
                    next.computeIfAbsent(o.source(), k -> new ArrayList<>()).add(id);
                }
            }
            pending.put(id, count);
        }
        List<Integer> order = new ArrayList<>();
        Set<Integer> ready = new java.util.TreeSet<>();
        pending.forEach((id, count) -> {
            if (count == 0) {
                ready.add(id);
            }
        });
        while (!ready.isEmpty()) {
            int id = ready.iterator().next();
            ready.remove(id);
            order.add(id);
            for (int u : next.getOrDefault(id, List.of())) {
                if (pending.merge(u, -1, Integer::sum) == 0) {
                    ready.add(u);
                }
            }
        }
        return order;
    }

    private void launch(Kernel k, int t0, int rows, String label) {
        // priced per value element (a float16 work-item does sixteen): its bytes (four a value in each
        // buffer it reads or writes, as the calibration's copy counts them), and its transcendental
        // functions at the calibrated per-item cost of the gate kernel, which calls two
        long items = (long) k.columns() * k.lanes() * rows;
        launch(k, t0, rows, label, new LaunchCostModel.Work(0, 4.0 * items * k.buffers().size(),
                items * transcendentals(k.text()) / GATE_TRANSCENDENTALS));
    }

    /** Transcendental functions in the calibration's gate kernel, whose per-item cost the model measures. */
    private static final double GATE_TRANSCENDENTALS = 2;

    private static final java.util.regex.Pattern TRANSCENDENTAL =
            java.util.regex.Pattern.compile("\\b(exp|log|tanh|pow|sqrt|rsqrt)\\(");

    /** Calls of transcendental functions in a kernel's text (each work-item makes them once per value). */
    static int transcendentals(String text) {
        java.util.regex.Matcher m = TRANSCENDENTAL.matcher(text);
        int n = 0;
        while (m.find()) {
            n++;
        }
        return n;
    }

    /** A launch over [columns, rows] whose work the caller knows better than the default estimate. */
    private void launch(Kernel k, int t0, int rows, String label, LaunchCostModel.Work w) {
        // a float16 kernel has few work-items per row: one row per work-group, so that the driver cannot
        // put every row into one group (one core)
        long[] local = k.lanes() > 1 && k.columns() <= 256 ? new long[] {k.columns(), 1} : null;
        launch(k, t0, new long[] {k.columns(), rows}, local, label, w);
    }

    /** A launch of one of this module's kernels: arguments (lengths, t0, its buffers…). */
    private void launch(Kernel k, int t0, long[] global, long[] local, String label, LaunchCostModel.Work w) {
        int id = kernels.add(k.prefix(), k.text(), k.params());
        List<Arg> args = new ArrayList<>();
        args.add(new Arg.Buffer(rowSet.lengths(lengthsBuffer)));
        args.add(new Arg.Int(t0));
        for (int b : k.buffers()) {
            args.add(new Arg.Buffer(b));
        }
        addLaunch(id, args, global, local, label, w);
    }

    /** Adds a run launch on the current queue, waiting on the pending events. */
    private void addLaunch(int kernel, List<Arg> args, long[] global, long[] local, String label,
                           LaunchCostModel.Work w) {
        addInstr(new Instr.Launch(kernel, args, global, local, queue, pendingWaits, -1, label), w);
        pendingWaits = new ArrayList<>();
    }

    /** Gives the last launch an event id (so that other queues can wait for it) and returns the id. */
    private int recordEvent() {
        Instr.Launch l = (Instr.Launch) run.get(run.size() - 1);
        if (l.event() >= 0) {
            return l.event();
        }
        int e = events++;
        run.set(run.size() - 1, new Instr.Launch(l.kernel(), l.args(), l.global(), l.local(), l.queue(), l.waits(), e,
                l.label()));
        return e;
    }

    /** A launch that does nothing: it carries waits and events where a task has no launch of its own. */
    private void emitJoin(String label) {
        KernelWriter w = new KernelWriter(false, batch, 1);
        Kernel k = new Kernel("join", w.finish(List.of(), "0"), w.buffers(), w.paramKinds(), 1);
        launch(k, 0, new long[] {1, 1}, null, label, new LaunchCostModel.Work(0, 0, 0));
    }

    // ---- the scheduled mode ---------------------------------------------------------------------

    /**
     * Builds the task graph, lets the list scheduler place the tasks on queues, and emits each task's
     * launches on its queue in the schedule's enqueue order: a task's first launch waits on the events
     * the schedule names, its last records an event when another queue waits on it. Inputs are
     * written on queue 0 before a start launch every other queue waits on; a final launch on queue 0
     * waits for every other queue before the outputs are read.
     */
    private void emitScheduled() {
        rowSet = StreamRows.of(batch, options.streams(), n -> buffer(CompiledModel.LENGTHS + ".s" + n, batch,
                BufferSpec.Role.TEMP));
        for (Component c : scc.components()) {
            if (c.isRecurrent() && oneLaunchCheaper(c)) {
                whole.add(c.index());
            }
        }
        io.recurflow.scc.schedule.TaskGraph tg = taskGraph(1);
        io.recurflow.scc.schedule.CostModel model = new io.recurflow.scc.schedule.CostModel() {
            private final Map<String, Double> memo = new HashMap<>();

            @Override
            public double taskCost(io.recurflow.scc.schedule.TaskGraph tasks, io.recurflow.scc.schedule.Task t) {
                if (whole.contains(t.component())) {
                    return persistentUs(scc.component(t.component()), t.stepCount());
                }
                return memo.computeIfAbsent(t.component() + ":" + t.stepCount() + ":" + t.isStatic() + ":"
                        + t.isShared(), k -> probeTask(t));
            }

            @Override
            public double launchOverhead() {
                return options.costs().overheadUs();
            }

            @Override
            public double eventCost() {
                return options.costs().eventUs();
            }

            @Override
            public double overlap() {
                return options.costs().overlap();
            }
        };
        io.recurflow.scc.schedule.Schedule sch;
        if (options.queues() == 0 && !options.costs().concurrentQueues()) {
            // queues overlap little on this device (calibrated): more queues gain little, but one launch
            // with a work-group per independent recurrence can (horizontal fusion)
            // recurrences cut into chunks of steps let a chunk of one layer share a launch with the
            // previous chunk of the layer above (a wavefront of work-groups); the cost model picks the count
            sch = null;
            double best = Double.POSITIVE_INFINITY;
            Map<Integer, List<Integer>> bestFusion = Map.of();
            for (int chunks = 1; chunks <= Math.min(MAX_CHUNKS, steps); chunks *= 2) {
                io.recurflow.scc.schedule.TaskGraph g = chunks == 1 ? tg : taskGraph(chunks);
                fusedWith.clear();
                io.recurflow.scc.schedule.Schedule s = serialSchedule(g, model);
                if (sch == null || s.makespan() < best * (1 - CHUNK_MARGIN)) {
                    sch = s;
                    tg = g;
                    best = s.makespan();
                    bestFusion = new HashMap<>(fusedWith);
                }
            }
            fusedWith.clear();
            fusedWith.putAll(bestFusion);
            fusionNotes(tg);
        } else {
            // batched work cut into chunks of steps lets a recurrence start on the first chunk of its input
            // while the recurrence upstream still runs (a wavefront across stacked layers); the cost model
            // picks the chunk count, near-ties going to fewer chunks
            sch = null;
            double best = Double.POSITIVE_INFINITY;
            for (int chunks = 1; chunks <= Math.min(MAX_CHUNKS, steps); chunks *= 2) {
                io.recurflow.scc.schedule.TaskGraph g = chunks == 1 ? tg : taskGraph(chunks);
                io.recurflow.scc.schedule.Schedule s = options.queues() == 0
                        ? io.recurflow.scc.schedule.ListScheduler.scheduleAuto(g, model, options.maxQueues())
                        : io.recurflow.scc.schedule.ListScheduler.schedule(g, model, options.queues());
                double time = io.recurflow.scc.schedule.ListScheduler.expectedTime(g, model, s);
                if (sch == null || time < best * (1 - CHUNK_MARGIN)) {
                    sch = s;
                    tg = g;
                    best = time;
                }
            }
            if (tg.options().chunks() > 1) {
                notes.add("batched components in " + tg.options().chunks() + " chunks of steps, so that the"
                        + " recurrences they feed start before they end");
            }
            if (!whole.isEmpty()) {
                notes.add("no horizontal fusion: " + (options.queues() > 0 ? options.queues()
                        + " queues were asked for" : "the device runs several queues at once") + ", so "
                        + "independent recurrences run side by side on separate queues");
            }
        }
        io.recurflow.scc.schedule.ScheduleVerifier.verify(tg, sch);
        this.taskGraph = tg;
        this.schedule = sch;
        queue = 0;
        emitWrites();
        emitStreamLengths();
        int start = -1;
        if (sch.queues() > 1) {
            emitJoin("start");
            start = recordEvent();
        }
        Map<Integer, Integer> eventOf = new HashMap<>();
        Set<Integer> sources = new HashSet<>();
        for (io.recurflow.scc.schedule.Schedule.Event e : sch.events()) {
            sources.add(e.from());
        }
        Set<Integer> startedQueues = new HashSet<>(List.of(0));
        int[] lastOnQueue = new int[sch.queues()];
        java.util.Arrays.fill(lastOnQueue, -1);
        for (int id : sch.enqueueOrder()) {
            io.recurflow.scc.schedule.Task t = tg.task(id);
            queue = sch.queueOf(id);
            List<Integer> waits = new ArrayList<>();
            for (io.recurflow.scc.schedule.Schedule.Event e : sch.waitsOf(id)) {
                waits.add(eventOf.get(e.from()));
            }
            if (startedQueues.add(queue) && start >= 0) {
                waits.add(start);
            }
            pendingWaits = waits;
            int before = run.size();
            emitTaskRows(t);
            boolean emitted = run.size() > before;
            if (!emitted && (!waits.isEmpty() || sources.contains(id))) {
                emitJoin("task " + t.label());
                emitted = true;
            }
            pendingWaits = new ArrayList<>();
            if (emitted) {
                lastOnQueue[queue] = run.size() - 1;
                if (sources.contains(id)) {
                    eventOf.put(id, recordEvent());
                }
            } else if (sources.contains(id)) {
                throw new IllegalStateException("task " + t.label() + " has no launch to record an event on");
            }
        }
        queue = 0;
        if (sch.queues() > 1) {
            List<Integer> joins = new ArrayList<>();
            for (int q = 1; q < sch.queues(); q++) {
                if (lastOnQueue[q] >= 0) {
                    int at = lastOnQueue[q];
                    Instr.Launch l = (Instr.Launch) run.get(at);
                    int e = l.event() >= 0 ? l.event() : events++;
                    run.set(at, new Instr.Launch(l.kernel(), l.args(), l.global(), l.local(), l.queue(), l.waits(), e,
                            l.label()));
                    joins.add(e);
                }
            }
            pendingWaits = joins;
            emitJoin("join");
        }
        emitReads();
    }

    // ---- streams: the batch split into S groups of rows (scheduled mode) --------------------------

    /**
     * The components that get one task for all streams. A stream's rows of one step are contiguous, so
     * a step of a recurrence runs per stream with moved offsets ({@link StreamRows}); acyclic work over
     * all steps would touch rows strided by B, which the kernels cannot address, and is cheapest as one
     * launch over T·B rows anyway, so it is shared, as are static work and one-launch recurrences (whose
     * kernel loops over every sequence itself). Streams therefore start together and meet at each
     * acyclic component (a layer's input projection); between those, each stream's recurrence is an
     * independent chain the scheduler can overlap with the others on separate queues.
     */
    private Set<Integer> sharedByStreams() {
        Set<Integer> shared = new java.util.TreeSet<>();
        for (Component c : scc.components()) {
            if (!c.isRecurrent() || whole.contains(c.index())) {
                shared.add(c.index());
            }
        }
        return shared;
    }

    /**
     * Whether the cost model prefers recurrence {@code c} as one launch over all its steps to running it
     * step by step (T launches over all B rows). With S streams, a recurrence run step by step becomes S
     * chains of T launches over B/S rows, as many chains at once as queues can overlap; the one launch
     * (a kernel that loops over every sequence, shared by the streams) must then beat both, so that it
     * is never chosen where the single-stream plan would not choose it. The choice and the predictions
     * go into the notes that {@code analyze} prints.
     */
    private boolean oneLaunchCheaper(Component c) {
        if (rowSet.streams() == 1) {
            return persistentFits(c) && persistentUs(c) < steps * stepUs(c);
        }
        double[] us = new double[1];
        rowSet.within(0, () -> us[0] = steps * stepUs(c));
        int overlap = !options.costs().concurrentQueues() ? 1
                : options.queues() > 0 ? options.queues() : options.maxQueues();
        double chains = us[0] * ((rowSet.streams() + overlap - 1) / overlap);
        double single = steps * stepUs(c);
        boolean one = persistentFits(c) && persistentUs(c) < Math.min(chains, single);
        String predicted = "predicted " + Math.round(chains) + " µs for " + rowSet.streams() + " chains of " + steps
                + " steps over " + batch / rowSet.streams() + " rows (" + overlap + " at a time), "
                + Math.round(single) + " µs for one chain over all " + batch + " rows"
                + (persistentFits(c) ? ", " + Math.round(persistentUs(c)) + " µs in one launch" : "");
        notes.add("streams: C" + c.index() + (one ? " runs as one launch over all steps, shared by the "
                + rowSet.streams() + " streams: " : " runs step by step, one chain per stream: ") + predicted);
        return one;
    }

    /** Fills each stream's lengths buffer (queue 0, before any task). */
    private void emitStreamLengths() {
        for (int s = 0; s < rowSet.streams() && rowSet.streams() > 1; s++) {
            Kernel k = rowSet.lengthsKernel(s);
            launch(k, rowSet.firstRow(s), new long[] {k.columns(), 1}, null, "lengths of stream " + s,
                    new LaunchCostModel.Work(0, 8.0 * k.columns(), k.columns()));
        }
    }

    /** The launches of one task over its stream's rows (all rows for a shared task). */
    private void emitTaskRows(io.recurflow.scc.schedule.Task t) {
        if (t.isShared() || rowSet.streams() == 1) {
            emitTask(t);
        } else {
            rowSet.within(t.stream(), () -> emitTask(t));
        }
    }

    /** Chunks of steps the scheduled mode tries for batched components: 1, 2, 4, … up to this. */
    private static final int MAX_CHUNKS = 8;

    /**
     * The predicted gain that twice the chunks must promise to be taken: each chunk adds launches, whose
     * cost in a wavefront the model prices low (measured here: 8 chunks of a 2-layer LSTM at batch 1
     * predicted 3% faster than 4 and ran 4-6% slower).
     */
    private static final double CHUNK_MARGIN = 0.05;

    /** The scheduled mode's tasks with batched components cut into {@code chunks} ranges of steps. */
    private io.recurflow.scc.schedule.TaskGraph taskGraph(int chunks) {
        return io.recurflow.scc.schedule.TaskGraph.build(scc, steps, options.streams(),
                io.recurflow.scc.schedule.TaskOptions.DEFAULT.withBatch(batch).withChunks(chunks).withWhole(whole)
                        .withShared(sharedByStreams()));
    }

    /** The launches of one task, in batched mode's way: acyclic work over all its steps, recurrences step by step. */
    private void emitTask(io.recurflow.scc.schedule.Task t) {
        Component c = scc.component(t.component());
        List<Integer> order = instantOrder(c);
        if (t.isStatic()) {
            for (int id : order) {
                emitNode(graph.node(id), 0, 0);
            }
        } else if (!c.isRecurrent()) {
            int from = Math.min(t.from(), t.to());
            for (int id : order) {
                emitNode(graph.node(id), from, t.stepCount());
            }
        } else if (fusedWith.containsKey(t.id())) {
            List<Integer> group = fusedWith.get(t.id());
            if (group.get(0) == t.id()) {
                emitRecurrenceLaunch(group.stream().map(taskGraph::task).toList());
            }
        } else if (whole.contains(c.index())) {
            emitRecurrenceLaunch(List.of(t));
        } else {
            // as the batched mode runs a step (one launch where the cost model prefers it, measured on an
            // H200 at B=32: 69 launches against 133, 52 ms against 71); a stream's rows, a part of the
            // batch, run the GEMMs and fused element-wise kernels
            for (int step : t.steps()) {
                if (rowSet.streams() == 1) {
                    emitStep(c, order, step);
                } else {
                    emitFusedStep(order, step);
                }
            }
        }
    }

    /** Recurrent components run as one kernel over all their steps (chosen by the cost model). */
    private final Set<Integer> whole = new HashSet<>();
    /** Task → the tasks of its horizontal fusion group (in lane order; the first emits the launch). */
    private final Map<Integer, List<Integer>> fusedWith = new HashMap<>();
    /** What the lowering chose and why, for {@code analyze}. */
    private final List<String> notes = new ArrayList<>();

    /** Says which components share launches (horizontal fusion), and how often. */
    private void fusionNotes(io.recurflow.scc.schedule.TaskGraph tg) {
        Map<List<Integer>, Integer> launches = new java.util.TreeMap<>(java.util.Comparator.comparing(Object::toString));
        for (Map.Entry<Integer, List<Integer>> e : fusedWith.entrySet()) {
            if (e.getValue().get(0).equals(e.getKey())) {
                List<Integer> comps = e.getValue().stream().map(id -> tg.task(id).component()).sorted().toList();
                launches.merge(comps, 1, Integer::sum);
            }
        }
        launches.forEach((comps, n) -> notes.add("horizontal fusion: components " + comps.stream().map(g -> "C" + g)
                .toList() + " share " + n + " launch" + (n == 1 ? "" : "es") + ", a work-group each, because"
                + " separate queues overlap little on this device" + String.format(
                " (%.0f%% of the ideal gain; work-groups of one launch %.0f%%)", 100 * options.costs().overlap(),
                100 * options.costs().groupOverlap())));
    }

    /**
     * The one-queue schedule for a device whose queues overlap little, with horizontal fusion: ready
     * work that is not a one-launch recurrence goes first (in task order); then every ready recurrence
     * task — at most one per compute unit, and ready tasks never depend on one another — shares one
     * launch, a work-group each. With recurrences in chunks of steps this runs a chunk of a layer beside
     * the previous chunk of the layer above, the layer's input projection of that chunk in between.
     * Fills {@link #fusedWith}.
     */
    private io.recurflow.scc.schedule.Schedule serialSchedule(io.recurflow.scc.schedule.TaskGraph tg,
                                                            io.recurflow.scc.schedule.CostModel model) {
        int n = tg.size();
        int[] waiting = new int[n];
        java.util.TreeSet<Integer> ready = new java.util.TreeSet<>();
        for (int i = 0; i < n; i++) {
            waiting[i] = tg.predecessors(i).size();
            if (waiting[i] == 0) {
                ready.add(i);
            }
        }
        List<Integer> lane = new ArrayList<>();
        double[] start = new double[n];
        double[] finish = new double[n];
        double clock = 0;
        while (!ready.isEmpty()) {
            List<Integer> batch = new ArrayList<>();
            for (int id : ready) {
                if (!whole.contains(tg.task(id).component()) || tg.task(id).isStatic()) {
                    batch.add(id);
                    break;
                }
            }
            if (batch.isEmpty()) {
                for (int id : ready) {
                    if (batch.size() < Math.max(1, options.costs().units())) {
                        batch.add(id);
                    }
                }
            }
            double longest = 0;
            double total = 0;
            for (int id : batch) {
                ready.remove(id);
                lane.add(id);
                start[id] = clock;
                double cost = model.taskCost(tg, tg.task(id));
                longest = Math.max(longest, cost);
                total += cost;
            }
            if (batch.size() > 1) {
                for (int id : batch) {
                    fusedWith.put(id, batch);
                }
                // one launch overhead for the group (each task's cost carries a recurrence launch's), its
                // work-groups side by side
                total -= (batch.size() - 1) * options.costs().recurrenceOverheadUs();
                longest = options.costs().groupsUs(total, longest);
            }
            clock += longest;
            for (int id : batch) {
                finish[id] = clock;
                for (int succ : tg.successors(id)) {
                    if (--waiting[succ] == 0) {
                        ready.add(succ);
                    }
                }
            }
        }
        if (lane.size() != n) {
            throw new IllegalStateException("the task graph has a cycle: scheduled " + lane.size() + " of " + n);
        }
        return new io.recurflow.scc.schedule.Schedule(List.of(lane), List.of(), start, finish, clock, lane);
    }

    /**
     * Recurrence tasks in one launch, a work-group each (one task: a recurrence over all its steps, or a
     * chunk of a wavefront; several: a horizontal fusion group), each over its own steps: the launch's
     * t0 is the first task's first step, the others' steps offset from it (so that the diagonals of a
     * wavefront in equal chunks share one kernel).
     */
    private void emitRecurrenceLaunch(List<io.recurflow.scc.schedule.Task> tasks) {
        int t0 = Math.min(tasks.get(0).from(), tasks.get(0).to());
        List<Kernels.Part> parts = new ArrayList<>();
        int widest = 1;
        double work = 0;
        double longest = 0;
        StringBuilder label = new StringBuilder();
        for (io.recurflow.scc.schedule.Task t : tasks) {
            Component c = scc.component(t.component());
            List<Integer> order = instantOrder(c);
            for (int id : c.nodes()) {
                widest = Math.max(widest, width(graph.node(id)));
            }
            int from = Math.min(t.from(), t.to());
            parts.add(part(c, order, null).at(from - t0, t.stepCount()));
            double us = t.stepCount() * oneGroupStepUs(c, false);
            longest = Math.max(longest, us);
            work += us;
            label.append(label.length() == 0 ? "" : " + ").append(graph.node(order.get(order.size() - 1)).name());
            if (tasks.size() > 1 && t.stepCount() != steps) {
                label.append(" " + from + ".." + (from + t.stepCount() - 1));
            }
        }
        int local = Math.min(options.costs().groupSize(), widest);
        Kernel k = gen.persistent(parts, id -> loc(gemmResult(id)), steps, local);
        if (tasks.size() == 1) {
            int count = tasks.get(0).stepCount();
            label.append(count == steps ? " (all " + steps + " steps in one launch)"
                    : " (steps " + t0 + ".." + (t0 + count - 1) + " in one launch)");
        } else {
            label.append(tasks.stream().allMatch(t -> t.stepCount() == steps) ? " (all " + steps + " steps" : " (steps")
                    .append(", one work-group each)");
        }
        launch(k, t0, new long[] {(long) local * parts.size()}, new long[] {local}, label.toString(),
                LaunchCostModel.Work.recurrence(options.costs().groupsUs(work, longest)));
    }

    /** Whether every node of the component fits the one-launch kernel: fusable ops and GEMMs it can do. */
    private boolean persistentFits(Component c) {
        for (int id : c.nodes()) {
            Node n = graph.node(id);
            if (absorbed.contains(id) || fused(id)) {
                continue;
            }
            if (n.op() != Op.MATMUL || !gen.persistentGemmFits(n)) {
                return false;
            }
        }
        return true;
    }

    /** The cost model's time for one step of a recurrent component run launch by launch. */
    private double stepUs(Component c) {
        return probeLaunches(() -> emitFusedStep(instantOrder(c), 0), true);
    }

    /**
     * The cost model's time for the one-launch kernel: one such launch's overhead, then every step's work on
     * one work-group — its products at the rate measured for one group, its element-wise work per item.
     */
    private double persistentUs(Component c) {
        return persistentUs(c, steps);
    }

    /** As {@link #persistentUs(Component)} for a launch over {@code stepCount} of its steps (a chunk). */
    private double persistentUs(Component c, int stepCount) {
        return options.costs().recurrenceOverheadUs() + stepCount * oneGroupStepUs(c, false);
    }

    /**
     * Element-wise nodes in the calibration's gate kernel (sigmoid, tanh, their product, and the load and
     * store): its per-item time spread over them is the time of one node on one item.
     */
    private static final double GATE_NODES = 4;

    /**
     * One step of a recurrent component in one work-group, looped over in one launch or a launch of its own
     * ({@code perLaunch}): its products by {@link #oneGroupGemmUs}, its element-wise nodes (not views) on
     * one compute unit, each item at the calibrated per-item time of the whole device times its compute
     * units, per {@link #GATE_NODES} (measured here: about 0.3 ns per node and item, in sixteen lanes).
     */
    private double oneGroupStepUs(Component c, boolean perLaunch) {
        double us = 0;
        double nodeItemNs = options.costs().itemNs() * options.costs().units() / GATE_NODES;
        for (int id : c.nodes()) {
            Node n = graph.node(id);
            if (n.op() == Op.MATMUL) {
                int k = graph.node(n.operand(0).source()).shape().features();
                us += oneGroupGemmUs(width(n), k, perLaunch);
            } else if (!n.op().isSource() && !Set.of(Op.SLICE, Op.BROADCAST_TIME, Op.UNSTACK_TIME).contains(n.op())) {
                us += batch * width(n) * nodeItemNs / 1e3;
            }
        }
        return us;
    }

    /**
     * The cost model's time for one step's [batch, k] × [k, n] product in one work-group: blocks of
     * {@link Kernels#DOT_BATCH} rows at the rate measured for four rows, one row at the rate measured
     * for one; a block of two or three rows in between, in proportion (measured here for a 1024 × 256
     * product: 10.0, 14.2 and 20.2 µs for one, two and four rows); the rates of steps looped over in one
     * launch, or of a launch each ({@code perLaunch}).
     */
    private double oneGroupGemmUs(int n, int k, boolean perLaunch) {
        double oneRow = 2.0 * n * k / (options.costs().oneGroupRate(1, perLaunch) * 1e3);
        int block = Kernels.DOT_BATCH;
        double fullBlock = block * 2.0 * n * k / (options.costs().oneGroupRate(block, perLaunch) * 1e3);
        int rest = batch % block;
        double partial = rest == 0 ? 0 : oneRow + (fullBlock - oneRow) * (rest - 1) / (block - 1);
        return batch / block * fullBlock + partial;
    }

    /**
     * Emits launches into a scratch list, prices them (with or without launch overheads), and drops
     * them, with the weight packs they added to the setup (a training run repeats every pack).
     */
    private double probeLaunches(Runnable emit, boolean withOverhead) {
        int runSize = run.size();
        int setupSize = setup.size();
        Set<String> savedPacks = new HashSet<>(packed.keySet());
        List<Integer> saved = pendingWaits;
        Set<Integer> savedTransposes = new HashSet<>(transposeEmitted);
        pendingWaits = new ArrayList<>();
        emit.run();
        double us = 0;
        for (int i = runSize; i < run.size(); i++) {
            if (work.get(i) != null) {
                us += options.costs().launchUs(work.get(i)) - (withOverhead ? 0 : options.costs().overheadUs());
            }
        }
        run.subList(runSize, run.size()).clear();
        // weights the probed launches packed: packed again if a real launch needs them, else never
        setup.subList(setupSize, setup.size()).clear();
        packed.keySet().retainAll(savedPacks);
        transposeEmitted.retainAll(savedTransposes);
        work.subList(runSize, work.size()).clear();
        pendingWaits = saved;
        return us;
    }

    /** The predicted time of a task: its launches emitted into a scratch list and priced. */
    private double probeTask(io.recurflow.scc.schedule.Task t) {
        return probeLaunches(() -> emitTaskRows(t), true);
    }

    /**
     * One node's own work over {@code count} steps from t0 (per-step) or once (static, count 0), then
     * the transpose its weight-gradient readers share ({@link #sharedTranspose}).
     */
    private void emitNode(Node n, int t0, int count) {
        emitNodeWork(n, t0, count);
        if (sharedTranspose(n.id())) {
            emitTranspose(n.id(), n.name() + " (transpose for the weight gradients)");
        }
    }

    private void emitNodeWork(Node n, int t0, int count) {
        if (absorbed.contains(n.id())) {
            return;
        }
        boolean perStep = n.isPerStep();
        int rows = perStep ? count * rowSet.stepRows() : staticRows(n);
        int sr = perStep ? 0 : staticRows(n);
        String label = n.name() + (perStep ? count == 1 ? " t=" + t0 : " t=" + t0 + ".." + (t0 + count - 1) : "");
        switch (n.op()) {
            case INPUT, STATIC_INPUT, PARAM, CONST, SELECT -> {
            }
            case SLICE -> {
                if (!isView(n)) {
                    launch(gen.elementwise(Set.of(n.id()), List.of(n.id()), perStep, sr), t0, rows, label);
                }
            }
            case STACK_TIME -> {
                Loc src = loc(n.operand(0).source());
                Loc own = loc(n.id());
                if (own.buffer() != src.buffer()) {
                    // a stack of a slice: its rows copied step by step (zeros past each sequence's end)
                    Loc asSteps = new Loc(own.buffer(), own.base(), own.stride(), 0, own.width(), true, -1);
                    launch(gen.copy(src, asSteps, true, 0), 0, steps * batch, label);
                }
            }
            case MATMUL -> emitMatmul(n, t0, count, label);
            case ADD, SUB, MUL, DIV, NEG, SIGMOID, TANH, RELU, EXP, LOG, STEP, BROADCAST_TIME, UNSTACK_TIME ->
                    launch(gen.elementwise(Set.of(n.id()), List.of(n.id()), perStep, sr), t0, rows, label);
            case CONCAT -> launch(gen.concat(n, perStep, sr), t0, rows, label);
            case SOFTMAX, LOG_SOFTMAX, CROSS_ENTROPY, CROSS_ENTROPY_GRAD ->
                    launch(gen.rowwise(n, perStep, sr), t0, rows, label);
            case SUM_AXIS -> emitSumAxis(n, t0, rows, label);
            case SUM_BATCH -> {
                long in = (long) rows * batch * width(n);
                launch(gen.sumBatch(n, rows), 0, rows, label, new LaunchCostModel.Work(in, 4.0 * (in + (long) rows
                        * width(n)), (double) rows * width(n)));
            }
            case BROADCAST_BATCH -> launch(gen.broadcastBatch(n, rows), 0, rows, label);
            case MATMUL_TN -> emitMatmulTn(n, label);
            case SCATTER_ADD -> {
                Node ids = graph.node(n.operand(0).source());
                int idRows = loc(ids.id()).rows();
                boolean masked = ids.op() == Op.STACK_TIME && idRows == steps * batch;
                double adds = (double) idRows * width(n);
                launch(gen.scatterAdd(n, idRows, masked), 0, 1, label, new LaunchCostModel.Work(adds,
                        4.0 * idRows * (width(n) + 1) + 8.0 * rows * width(n), adds));
            }
            case EMBEDDING -> launch(gen.embedding(n, perStep, sr), t0, rows, label);
            case SUM_TIME, LAST_STEP, FIRST_STEP -> launch(gen.timeReduction(n), 0, batch, label);
            case PACK -> {
                Loc out = loc(n.id());
                int part = staticRows(n) / n.operands().size();
                for (int i = 0; i < n.operands().size(); i++) {
                    Loc src = loc(n.operand(i).source());
                    Loc dst = new Loc(out.buffer(), out.base() + (long) i * part * out.stride(), out.stride(), 0,
                            out.width(), false, part);
                    launch(gen.copy(src, dst, false, part), 0, part, n.name() + "[" + i + "]");
                }
            }
        }
    }

    /** Sum over one fixed-size axis: the last (within each row) or one of the rows' axes. */
    private void emitSumAxis(Node n, int t0, int rows, String label) {
        Node x = graph.node(n.operand(0).source());
        int axis = n.attrs().getInt("axis");
        boolean perStep = n.isPerStep();
        int sr = perStep ? 0 : staticRows(n);
        if (axis == x.shape().rank() - 1 && !scalarRows(x)) {
            launch(gen.sumAxis(n, perStep, sr, 0, 0, true), t0, rows, label, new LaunchCostModel.Work(
                    (double) rows * width(x), 4.0 * rows * (width(x) + 1), rows));
            return;
        }
        if (perStep) {
            throw new UnsupportedGraphException("node %" + n.name() + " sums a per-step value over axis " + axis
                    + ": the OpenCL backend sums per-step values over the last axis only");
        }
        int[] dims = x.shape().resolve(batch, steps);
        int rowAxes = scalarRows(x) ? dims.length : dims.length - 1;
        int inner = 1;
        for (int i = axis + 1; i < rowAxes; i++) {
            inner *= dims[i];
        }
        double in = (double) rows * dims[axis] * width(n);
        launch(gen.sumAxis(n, false, sr, dims[axis], inner, false), t0, rows, label,
                new LaunchCostModel.Work(in, 4.0 * in, (double) rows * width(n)));
    }

    /**
     * a[R, M]ᵀ · b[R, N] over every stacked row: a transposed into a scratch [M, R], then the tiled GEMM
     * with k = R (the steps and sequences), B = b as [k, n]; the plain kernel where b is not whole rows.
     */
    private void emitMatmulTn(Node n, String label) {
        Loc al = loc(n.operand(0).source());
        Loc bl = loc(n.operand(1).source());
        Loc out = loc(n.id());
        int rows = al.rows();
        int m = al.width();
        int cols = bl.width();
        if (!bl.contiguous() || !out.contiguous()) {
            double flops = 2.0 * rows * m * cols;
            launch(gen.matmulTn(n, rows), 0, m, label, new LaunchCostModel.Work(flops, 4.0 * rows * (m + cols), 0));
            return;
        }
        // one transpose per left operand: the weight gradients of the products that read one gradient share
        // it, where everything runs in order on one queue; on several, the operand's own task transposes it
        // (sharedTranspose), so that every product waits for it like for the operand itself
        int source = n.operand(0).source();
        boolean inOrder = mode != Mode.SCHEDULED || schedule != null && schedule.queues() == 1;
        Integer done = transposed.get(source);
        int scratch;
        if (sharedTranspose(source) || done != null && transposeEmitted.contains(done) && inOrder) {
            scratch = scratchOf(source);
        } else {
            scratch = emitTranspose(source, label + " (transpose)");
        }
        GemmSpec spec = GemmSpec.plain("gemm_n" + cols + "_k" + rows + "_kn", cols, rows, false);
        launchGemm(spec, p -> switch (p) {
            case A -> new Arg.Buffer(scratch);
            case A_OFF -> new Arg.Int(0);
            case B -> new Arg.Buffer(bl.buffer());
            case B_OFF -> new Arg.Int((int) bl.base());
            case C -> new Arg.Buffer(out.buffer());
            case C_OFF -> new Arg.Int((int) out.base());
            case M -> new Arg.Int(m);
            default -> throw new IllegalStateException(p + " in a plain GEMM");
        }, m, label);
    }

    /** The scratch buffer of {@code source} transposed, [width, rows]. */
    private int scratchOf(int source) {
        Loc al = loc(source);
        return transposed.computeIfAbsent(source, k -> buffer(graph.node(source).name() + ".t",
                (long) al.rows() * al.width(), BufferSpec.Role.TEMP));
    }

    /** Transposes {@code source} into its scratch buffer; returns the buffer. */
    private int emitTranspose(int source, String label) {
        Loc al = loc(source);
        int rows = al.rows();
        int m = al.width();
        int scratch = scratchOf(source);
        Loc at = new Loc(scratch, 0, rows, 0, rows, false, m);
        int tiles = (rows + Kernels.TILE - 1) / Kernels.TILE;
        launch(gen.transpose(al, at, rows), 0, tiles, label, new LaunchCostModel.Work(0, 8.0 * rows * m,
                (double) rows * m / Kernels.TILE));
        transposeEmitted.add(scratch);
        return scratch;
    }

    /**
     * Whether, in the scheduled mode, {@code source} is the left operand of two or more matmul_tn that
     * take the tiled GEMM: then its own task transposes it once for all of them.
     */
    private boolean sharedTranspose(int source) {
        if (mode != Mode.SCHEDULED || absorbed.contains(source) || graph.node(source).isPerStep()) {
            return false;
        }
        int readers = 0;
        for (int[] u : users(source)) {
            Node r = graph.node(u[0]);
            if (r.op() == Op.MATMUL_TN && u[1] == 0 && r.operand(0).source() == source
                    && loc(r.operand(1).source()).contiguous() && loc(r.id()).contiguous()) {
                readers++;
            }
        }
        return readers >= 2;
    }

    /** The scratch buffer holding each transposed left operand of a matmul_tn, by operand node. */
    private final Map<Integer, Integer> transposed = new HashMap<>();
    /** The scratch buffers whose transpose the run holds (a probe's launches are dropped, and its transposes). */
    private final Set<Integer> transposeEmitted = new HashSet<>();

    /** A launch of the tiled GEMM {@code spec} over {@code rows} rows, each parameter's argument from {@code arg}. */
    private void launchGemm(GemmSpec spec, java.util.function.Function<ParamKind, Arg> arg, int rows, String label) {
        List<Arg> args = new ArrayList<>();
        for (ParamKind p : GemmKernel.params(spec)) {
            args.add(arg.apply(p));
        }
        List<Arg.Kind> kinds = GemmKernel.params(spec).stream().map(ParamKind::argKind).toList();
        int id = kernels.addNamed(spec.name(), GemmKernel.source(spec), kinds);
        addLaunch(id, args, GemmKernel.globalSize(spec, rows), GemmKernel.localSize(spec, rows), label,
                gemmWork(spec, rows));
    }

    /**
     * A matrix product with its fused epilogue: the tiled GEMM where its operands allow (whole rows of
     * A, B a fixed matrix, A delayed only in a one-step launch), else the plain kernel.
     */
    private void emitMatmul(Node n, int t0, int count, String label) {
        int[] e = epilogues.get(n.id());
        Node add = e == null ? null : graph.node(e[0]);
        Node act = e == null || e[1] < 0 ? null : graph.node(e[1]);
        boolean perStep = n.isPerStep();
        int rows = perStep ? count * rowSet.stepRows() : staticRows(n);
        Operand a = n.operand(0);
        Operand b = n.operand(1);
        Loc al = loc(a.source());
        Loc bl = loc(b.source());
        Loc out = loc(gemmResult(n.id()));
        Loc init = a.hasInit() ? loc(a.init()) : null;
        Loc bias = null;
        if (add != null) {
            Operand bo = add.operand(add.operand(0).source() == n.id() ? 1 : 0);
            bias = loc(bo.source());
        }
        boolean fast = bl.contiguous() && !bl.perStep() && al.contiguous() && out.contiguous()
                && (a.delay() == 0 || perStep && count == 1 && al.perStep())
                && (init == null || init.contiguous() && init.rows() == batch)
                && (bias == null || bias.contiguous() && bias.rows() == 1)
                && (!perStep || al.perStep());
        if (!fast) {
            launch(gen.gemm(n, add, act, out, perStep, perStep ? 0 : staticRows(n)), t0, rows, label);
            return;
        }
        boolean transposeB = n.attrs().getBool("transpose_b", false);
        int k = al.width();
        int cols = out.width();
        RowMode mode = a.delay() == 0 ? RowMode.PLAIN : init == null ? RowMode.STEP : RowMode.STEP_INIT;
        Activation activation = act == null ? Activation.NONE : switch (act.op()) {
            case SIGMOID -> Activation.SIGMOID;
            case TANH -> Activation.TANH;
            case RELU -> Activation.RELU;
            default -> throw new IllegalStateException(act.op().toString());
        };
        // few rows with B as [n, k]: the GEMM takes dot products straight from B's rows, faster than panels
        boolean packed = graph.node(b.source()).op() == Op.PARAM && (rows > 16 || !transposeB);
        String name = "gemm_n" + cols + "_k" + k + (transposeB ? "_nk" : "_kn") + (bias != null ? "_bias" : "")
                + (act != null ? "_" + act.op().textName() : "") + (mode == RowMode.PLAIN ? "" : mode == RowMode.STEP
                ? "_step" : "_stepinit") + (perStep ? "_mask" : "") + (packed ? "_packed" : "");
        GemmSpec spec = new GemmSpec(name, cols, k, transposeB, bias != null, activation, mode, perStep, packed);
        int bBuffer = bl.buffer();
        long bOff = bl.base();
        if (packed) {
            bBuffer = packedWeights(b.source(), bl, cols, k, transposeB);
            bOff = 0;
        }
        int bBuf = bBuffer;
        long bOffset = bOff;
        Loc biasLoc = bias;
        launchGemm(spec, p -> switch (p) {
                case A -> new Arg.Buffer(al.buffer());
                case A_OFF -> new Arg.Int((int) (al.base() + (mode == RowMode.PLAIN && perStep ? (long) t0 * batch * k : 0)));
                case B -> new Arg.Buffer(bBuf);
                case B_OFF -> new Arg.Int((int) bOffset);
                case BIAS -> new Arg.Buffer(biasLoc.buffer());
                case BIAS_OFF -> new Arg.Int((int) biasLoc.base());
                case C -> new Arg.Buffer(out.buffer());
                case C_OFF -> new Arg.Int((int) (out.base() + (perStep ? (long) t0 * batch * cols : 0)));
                case M -> new Arg.Int(rows);
                case LENGTHS -> new Arg.Buffer(rowSet.lengths(lengthsBuffer));
                case T0 -> new Arg.Int(t0);
                case BATCH -> new Arg.Int(batch);
                case DELAY -> new Arg.Int(a.delay());
                case INIT -> new Arg.Buffer(init.buffer());
                case INIT_OFF -> new Arg.Int((int) init.base());
                case PACKED, PACKED_OFF -> throw new IllegalStateException("pack parameter in a GEMM");
            }, rows, label);
    }

    /**
     * A GEMM's work for the cost model: its flops at the rate for its rows, and the bytes of its
     * activations; weights are reused at every step and stay in cache, so they are not counted.
     */
    static LaunchCostModel.Work gemmWork(GemmSpec spec, int rows) {
        return LaunchCostModel.Work.gemm(spec.flops(rows), 4.0 * ((double) rows * spec.k() + (double) rows * spec.n()),
                rows);
    }

    /** The weight {@code param} in the GEMM's panel layout, packed once by the setup. */
    private int packedWeights(int param, Loc bl, int cols, int k, boolean transposeB) {
        String key = param + ":" + cols + ":" + k + ":" + transposeB;
        Integer done = packed.get(key);
        if (done != null) {
            return done;
        }
        GemmSpec spec = GemmSpec.plain("gemm_n" + cols + "_k" + k + (transposeB ? "_nk" : "_kn"), cols, k, transposeB)
                .withPackedB(true);
        int buf = buffer(graph.node(param).name() + (transposeB ? ".packed" : ".packed_kn"), GemmKernel.packedLength(spec), BufferSpec.Role.PARAM);
        List<Arg.Kind> kinds = GemmKernel.packParams(spec).stream().map(ParamKind::argKind).toList();
        int id = kernels.addNamed(GemmKernel.packName(spec), GemmKernel.packSource(spec), kinds);
        setup.add(new Instr.Launch(id, List.of(new Arg.Buffer(bl.buffer()), new Arg.Int((int) bl.base()),
                new Arg.Buffer(buf), new Arg.Int(0)), GemmKernel.packGlobalSize(spec), GemmKernel.packLocalSize(spec), 0,
                List.of(), -1, "pack " + graph.node(param).name()));
        packed.put(key, buf);
        return buf;
    }

    /**
     * One step of recurrence {@code c}: as one launch split by columns over work-groups where the
     * component allows it and the cost model prefers it, else as {@link #emitFusedStep}.
     */
    private void emitStep(Component c, List<Integer> order, int t) {
        StepChoice choice = stepChoice(c);
        if (choice.split() == null) {
            emitFusedStep(order, t);
            return;
        }
        Kernel k = splitKernels.computeIfAbsent(c.index(), i -> gen.persistentStep(part(c, order, choice.split()),
                id -> loc(gemmResult(id)), options.costs().groupSize(), choice.split()));
        int local = options.costs().groupSize();
        launch(k, t, new long[] {(long) local * choice.split().groups()}, new long[] {local},
                graph.node(order.get(order.size() - 1)).name() + " (step in one launch, " + choice.split().groups()
                        + " groups) t=" + t, LaunchCostModel.Work.ofMicros(choice.splitUs() - options.costs().overheadUs()));
    }

    private final Map<Integer, Kernel> splitKernels = new HashMap<>();

    /** How a recurrence runs step by step: {@code split} null for the stage kernels and GEMMs. */
    private record StepChoice(Kernels.Split split, double splitUs, double stagedUs) {
    }

    private final Map<Integer, StepChoice> stepChoices = new HashMap<>();

    /**
     * Whether recurrence {@code c} runs each step as one split launch: only where {@link #splitUnits} finds
     * the column-local shape, with the cost model's time for that launch below the staged step's. The
     * choice goes into the notes that {@code analyze} prints.
     */
    private StepChoice stepChoice(Component c) {
        StepChoice known = stepChoices.get(c.index());
        if (known != null) {
            return known;
        }
        int units = splitUnits(c);
        StepChoice choice;
        if (units <= 0) {
            choice = new StepChoice(null, Double.NaN, Double.NaN);
        } else {
            Kernels.Split split = new Kernels.Split(units, splitGroups(units));
            double splitUs = splitStepUs(c, split);
            double stagedUs = stepUs(c);
            List<Integer> order = instantOrder(c);
            String name = graph.node(order.get(order.size() - 1)).name();
            boolean take = splitUs < stagedUs;
            notes.add("step: C" + c.index() + " (" + name + ") runs each step as " + (take
                    ? "one launch" + (split.groups() == 1 ? " in one work-group" : " over " + split.groups()
                            + " work-groups of " + split.span() + " of its " + units + " units each")
                    : "its GEMMs and fused element-wise kernels") + ": predicted " + Math.round(splitUs)
                    + " µs per step in one launch, " + Math.round(stagedUs) + " µs as separate launches");
            choice = new StepChoice(take ? split : null, splitUs, stagedUs);
        }
        stepChoices.put(c.index(), choice);
        return choice;
    }

    /**
     * Work-groups of a split step: one per compute unit where a group is a full set of work-items (a
     * GPU), dividing the units evenly. On a CPU (one work-item per group) one group: two groups on this
     * machine's two cores ran the step no faster than one (the matrix-vector product streams the same
     * weights through each core's caches), and one group leaves a core to the host thread that
     * enqueues the next launch.
     */
    private int splitGroups(int units) {
        int g = options.costs().groupSize() == 1 ? 1 : Math.max(1, Math.min(units, options.costs().units()));
        while (units % g != 0) {
            g--;
        }
        return g;
    }

    /**
     * The cost model's time for one split step: one launch overhead, then the step's work in one group at
     * the rates of one-step launches, divided among as many compute units as there are groups, at the
     * measured overlap of groups.
     */
    private double splitStepUs(Component c, Kernels.Split split) {
        int groups = Math.max(1, Math.min(split.groups(), options.costs().units()));
        double par = 1 + (groups - 1) * options.costs().groupOverlap();
        return options.costs().overheadUs() + oneGroupStepUs(c, true) / par;
    }

    /**
     * The width U by which a step of recurrence {@code c} splits into independent column groups, or 0
     * where it does not. Every node must be a GEMM that {@link Kernels#persistentGemmFits} and reads no
     * value of the same step, a GEMM epilogue, or a fused element-wise node; U is the narrowest width
     * among them, and every width a multiple of it. A fused node reads a same-step value at its own
     * column, or through a slice that starts at a multiple of U: then the columns u + i·U (i = 0, 1, …)
     * of every value depend only on the same columns of the others, and a work-group can own them.
     */
    private int splitUnits(Component c) {
        if (!c.isRecurrent() || !persistentFits(c) || rowSet.streams() > 1) {
            return 0;
        }
        Set<Integer> members = new HashSet<>(c.nodes());
        Set<Integer> epilogueNodes = new HashSet<>();
        for (int[] e : epilogues.values()) {
            epilogueNodes.add(e[0]);
            epilogueNodes.add(e[1]);
        }
        int units = Integer.MAX_VALUE;
        for (int id : c.nodes()) {
            Node n = graph.node(id);
            if (n.op() == Op.MATMUL) {
                Operand a = n.operand(0);
                if (a.delay() == 0 && members.contains(a.source())) {
                    return 0;
                }
            } else if (!fused(id) && !(absorbed.contains(id) && epilogueNodes.contains(id))) {
                return 0;
            }
            if (!absorbed.contains(id)) {
                units = Math.min(units, width(n));
            }
        }
        for (int id : c.nodes()) {
            Node n = graph.node(id);
            if (absorbed.contains(id)) {
                continue;
            }
            if (width(n) % units != 0) {
                return 0;
            }
            if (!fused(id)) {
                continue;
            }
            for (Operand o : n.operands()) {
                if (o.delay() != 0 || !members.contains(o.source())) {
                    continue;
                }
                boolean ownColumns = n.op() == Op.SLICE ? n.attrs().getInt("start") % units == 0
                        : width(graph.node(o.source())) == width(n);
                if (!ownColumns) {
                    return 0;
                }
            }
        }
        return units == Integer.MAX_VALUE ? 0 : units;
    }

    /**
     * The one-launch kernel's share for recurrence {@code c}: its stages, its GEMMs' epilogues, and for
     * several rows ({@code batch} ≥ 2) the [k, n] copies of their [n, k] weights (measured here for a
     * 1024 × 256 product in one work-group: 15.6 µs for four rows as [k, n] against 23.6 µs as [n, k];
     * for one row [n, k] is faster, 9.1 µs against 11.0).
     */
    private Kernels.Part part(Component c, List<Integer> order, Kernels.Split split) {
        Map<Integer, int[]> gemms = new HashMap<>();
        Map<Integer, Loc> weightsKn = new HashMap<>();
        for (int id : c.nodes()) {
            Node n = graph.node(id);
            if (n.op() == Op.MATMUL) {
                gemms.put(id, epilogues.get(id));
                if (batch >= 2 && n.attrs().getBool("transpose_b", false) && Kernels.knFits(width(n), split)) {
                    weightsKn.put(id, weightKn(n.operand(1).source()));
                }
            }
        }
        return new Kernels.Part(stages(order), gemms, c.kind() == ComponentKind.RECURRENT_REVERSE, weightsKn);
    }

    /**
     * The [k, n] copy of the [n, k] weight {@code param}, transposed by the setup (which a training run
     * repeats after every update), once for every kernel that reads it.
     */
    private Loc weightKn(int param) {
        Loc wl = loc(param);
        int n = wl.rows();
        int k = wl.width();
        String key = "kn:" + param;
        Integer done = packed.get(key);
        int buf = done != null ? done
                : buffer(graph.node(param).name() + ".kn", (long) n * k, BufferSpec.Role.PARAM);
        Loc at = new Loc(buf, 0, n, 0, n, false, k);
        if (done == null) {
            Kernel t = gen.transpose(wl, at, n);
            int id = kernels.add(t.prefix(), t.text(), t.params());
            List<Arg> args = new ArrayList<>();
            args.add(new Arg.Buffer(rowSet.lengths(lengthsBuffer)));
            args.add(new Arg.Int(0));
            for (int b : t.buffers()) {
                args.add(new Arg.Buffer(b));
            }
            setup.add(new Instr.Launch(id, args, new long[] {t.columns(), (n + Kernels.TILE - 1) / Kernels.TILE}, null,
                    0, List.of(), -1, "transpose " + graph.node(param).name() + " to [k, n]"));
            packed.put(key, buf);
        }
        return at;
    }

    /**
     * One step of a recurrent component with its element-wise work fused: stage s holds the
     * element-wise nodes that need only stage-s-or-earlier results; each stage is one kernel per
     * output width, then the stage's other nodes (GEMMs, row-wise ops) in order.
     */
    private void emitFusedStep(List<Integer> order, int t) {
        for (Stage st : stages(order)) {
            for (List<Integer> outs : st.outputs()) {
                String label = graph.node(outs.get(outs.size() - 1)).name() + " (fused " + st.group().size()
                        + " ops) t=" + t;
                launch(gen.elementwise(st.group(), outs, true, 0), t, rowSet.stepRows(), label);
            }
            for (int id : st.others()) {
                emitNode(graph.node(id), t, 1);
            }
        }
    }

    /**
     * The stages of one step of a recurrent component: stage s holds the fusable nodes that need only
     * stage-s-or-earlier results from memory; a fused node reading a GEMM's (or another launch's)
     * result moves to the next stage.
     */
    private List<Stage> stages(List<Integer> order) {
        // the same for every step of a component: computed once
        return stagesByComponent.computeIfAbsent(order, this::computeStages);
    }

    private final Map<List<Integer>, List<Stage>> stagesByComponent = new HashMap<>();

    private List<Stage> computeStages(List<Integer> order) {
        Set<Integer> members = new HashSet<>(order);
        Map<Integer, Integer> stage = new HashMap<>();
        int maxStage = 0;
        for (int id : order) {
            Node n = graph.node(id);
            int s = 0;
            for (Operand o : n.operands()) {
                if (o.delay() != 0 || !members.contains(o.source())) {
                    continue;
                }
                int us = stage.get(o.source());
                boolean sameKernel = fused(id) && fused(o.source());
                s = Math.max(s, fused(id) && !sameKernel ? us + 1 : us);
            }
            stage.put(id, s);
            maxStage = Math.max(maxStage, s);
        }
        List<Stage> out = new ArrayList<>();
        for (int s = 0; s <= maxStage; s++) {
            Set<Integer> group = new LinkedHashSet<>();
            List<Integer> others = new ArrayList<>();
            for (int id : order) {
                if (stage.get(id) == s) {
                    (fused(id) ? group : others).add(id);
                }
            }
            Map<Integer, List<Integer>> byWidth = new TreeMap<>();
            for (int id : stored(group)) {
                byWidth.computeIfAbsent(width(graph.node(id)), k -> new ArrayList<>()).add(id);
            }
            addInlined(group);
            out.add(new Stage(group, new ArrayList<>(byWidth.values()), others));
        }
        return out;
    }

    /**
     * Element-wise per-step nodes of acyclic components computed in registers by the fused kernels of
     * the recurrences that read them (scheduled mode): the factors of an LSTM's backward step that
     * depend only on forward values (o · (1 − o), 1 − tanh² c, …) then cost neither a launch over all
     * steps nor a round trip through memory. They have no buffer.
     */
    private final Set<Integer> inlined = new HashSet<>();

    /** Finds the {@link #inlined} nodes: every reader a fused recurrent node or another inlined node, at delay 0. */
    private void planInlined() {
        List<Node> nodes = new ArrayList<>(graph.nodes());
        java.util.Collections.reverse(nodes);
        boolean changed = true;
        while (changed) {
            changed = false;
            for (Node n : nodes) {
                if (!inlined.contains(n.id()) && inlinable(n) && readersAllFused(n.id())) {
                    inlined.add(n.id());
                    absorbed.add(n.id());
                    changed = true;
                }
            }
        }
    }

    private boolean inlinable(Node n) {
        return n.isPerStep() && Kernels.ELEMENTWISE.contains(n.op()) && n.op() != Op.BROADCAST_TIME
                && n.op() != Op.UNSTACK_TIME && !isInt(n) && !absorbed.contains(n.id())
                && !inConcat.containsKey(n.id()) && !graph.outputs().contains(n.id())
                && !scc.componentOf(n.id()).isRecurrent();
    }

    private boolean readersAllFused(int id) {
        List<int[]> readers = users(id);
        for (int[] u : readers) {
            Operand o = graph.node(u[0]).operand(u[1]);
            boolean recurrentFused = scc.componentOf(u[0]).isRecurrent() && fused(u[0]);
            if (o.source() != id || o.delay() != 0 || !(inlined.contains(u[0]) || recurrentFused)) {
                return false;
            }
        }
        return !readers.isEmpty();
    }

    /** Adds to a fused group the {@link #inlined} nodes its members read, and those they read. */
    private void addInlined(Set<Integer> group) {
        List<Integer> work = new ArrayList<>(group);
        while (!work.isEmpty()) {
            for (Operand o : graph.node(work.remove(work.size() - 1)).operands()) {
                if (o.delay() == 0 && inlined.contains(o.source()) && group.add(o.source())) {
                    work.add(o.source());
                }
            }
        }
    }

    /** Whether a node of a recurrent component is computed in registers by a fused kernel. */
    private boolean fused(int id) {
        return Kernels.FUSABLE.contains(graph.node(id).op()) && !absorbed.contains(id);
    }

    /**
     * The members of a fused group whose values must reach memory: those read outside the group, and
     * the sources of slices that are (a slice is a view of its source).
     */
    private Set<Integer> stored(Set<Integer> group) {
        Set<Integer> out = new java.util.TreeSet<>();
        List<Integer> work = new ArrayList<>();
        for (int id : group) {
            if (neededOutside(id, group)) {
                work.add(id);
            }
        }
        while (!work.isEmpty()) {
            int id = work.remove(work.size() - 1);
            Node n = graph.node(id);
            if (isView(n)) {
                if (group.contains(n.operand(0).source())) {
                    work.add(n.operand(0).source());
                }
            } else {
                out.add(id);
            }
        }
        return out;
    }

    /** Whether a fused node's value must be stored: read by a node outside its group, delayed, or an output. */
    private boolean neededOutside(int id, Set<Integer> group) {
        if (graph.outputs().contains(id)) {
            return true;
        }
        for (int[] u : users(id)) {
            Operand o = graph.node(u[0]).operand(u[1]);
            if (!group.contains(u[0]) || o.delay() != 0 || o.source() != id) {
                return true;
            }
        }
        return false;
    }

    static boolean isInt(Node n) {
        return n.dtype() == DType.I32;
    }
}
