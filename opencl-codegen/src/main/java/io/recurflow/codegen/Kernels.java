package io.recurflow.codegen;

import io.recurflow.ir.DType;
import io.recurflow.ir.Graph;
import io.recurflow.ir.Node;
import io.recurflow.ir.Op;
import io.recurflow.ir.Operand;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.IntFunction;

/**
 * The kernel generators: each decides everything about one kernel from the graph and the value
 * locations, then prints it through a {@link KernelWriter}.
 */
final class Kernels {
    /** Element-wise ops, which fuse into one kernel per (row, column). */
    static final Set<Op> ELEMENTWISE = Set.of(Op.ADD, Op.SUB, Op.MUL, Op.DIV, Op.NEG, Op.SIGMOID, Op.TANH, Op.RELU,
            Op.EXP, Op.LOG, Op.STEP, Op.BROADCAST_TIME, Op.UNSTACK_TIME);
    /**
     * Ops a fused kernel can compute in registers: the element-wise ones, slices as column shifts, and
     * the time expansions as reads of their static operand (its row b, or row t·B + b of a stack).
     */
    static final Set<Op> FUSABLE = Set.of(Op.ADD, Op.SUB, Op.MUL, Op.DIV, Op.NEG, Op.SIGMOID, Op.TANH, Op.RELU, Op.EXP,
            Op.LOG, Op.STEP, Op.BROADCAST_TIME, Op.UNSTACK_TIME, Op.SLICE);

    private final Graph graph;
    private final IntFunction<Loc> locs;
    private final int batch;

    Kernels(Graph graph, IntFunction<Loc> locs, int batch) {
        this.graph = graph;
        this.locs = locs;
        this.batch = batch;
    }

    private int width(int node) {
        return graph.node(node).shape().features() < 0 ? 1 : Math.max(1, graph.node(node).shape().rank() == 0 ? 1
                : graph.node(node).shape().features());
    }

    private boolean isInt(int node) {
        return graph.node(node).dtype() == DType.I32;
    }

    private Loc initLoc(Operand o) {
        return o.hasInit() ? locs.apply(o.init()) : null;
    }

    /**
     * One kernel computing {@code outputs} (all of one width) of a group of element-wise nodes: members
     * are computed in registers, everything else is read from memory.
     */
    Kernel elementwise(Set<Integer> group, List<Integer> outputs, boolean perStep, int staticRows) {
        KernelWriter w = new KernelWriter(perStep, batch, staticRows);
        int cols = width(outputs.get(0));
        // sixteen columns per work-item in float16 where every node computes the same in lanes: PoCL does
        // not vectorise these kernels across work-items itself
        boolean vector = cols % 16 == 0 && group.stream().allMatch(this::vectorizable)
                && outputs.stream().noneMatch(this::isInt);
        w.vector16(vector);
        List<String> padding = groupOutputs(w, group, outputs);
        w.vector16(false);
        return new Kernel("ew", w.finish(padding, null, vector ? 16 : 1), w.buffers(), w.paramKinds(),
                vector ? cols / 16 : cols, vector ? 16 : 1);
    }

    /** Writes the computation and stores of {@code outputs} at column j; returns the padding stores. */
    private List<String> groupOutputs(KernelWriter w, Set<Integer> group, List<Integer> outputs) {
        Map<String, String> memo = new HashMap<>();
        List<String> padding = new ArrayList<>();
        for (int o : outputs) {
            String v = value(w, group, memo, o, "j");
            String at = w.store(locs.apply(o), "j");
            w.line(w.isVector16() ? "vstore16(" + v + ", 0, &" + at + ");" : at + " = " + v + ";");
            padding.add(w.isVector16() ? "vstore16((float16)(0.0f), 0, &" + at + ");" : at + " = 0.0f;");
        }
        return padding;
    }

    /**
     * One recurrent component's share of a {@link #persistent} kernel; {@code gemms} holds, for each
     * MATMUL in its stages, {bias add id or -1, activation id or -1}.
     */
    record Part(List<Stage> stages, Map<Integer, int[]> gemms, boolean reverse, Map<Integer, Loc> weightsKn,
                int offset, int count) {
        Part(List<Stage> stages, Map<Integer, int[]> gemms, boolean reverse, Map<Integer, Loc> weightsKn) {
            this(stages, gemms, reverse, weightsKn, 0, 0);
        }

        Part(List<Stage> stages, Map<Integer, int[]> gemms, boolean reverse) {
            this(stages, gemms, reverse, Map.of());
        }

        /** This part over {@code steps} steps from the launch's t0 + {@code from} (0 steps: the kernel's count). */
        Part at(int from, int steps) {
            return new Part(stages, gemms, reverse, weightsKn, from, steps);
        }
    }

    /**
     * Recurrences over {@code steps} steps from the launch's t0 in one launch. Work-group i runs part i: its {@code local}
     * work-items loop over the steps (in reverse for a reverse recurrence); each stage — a fused
     * element-wise loop, or a GEMM whose rows are dot products over contiguous weight rows — ends in a
     * barrier, which makes its global writes visible to the whole group (a group of one work-item needs none). Used where a step's work is
     * too small to pay a launch; several parts (horizontal fusion) let a device that runs one command
     * at a time still run independent recurrences side by side on its compute units. With
     * {@code steps} = 1 the kernel does the launch's own step t0.
     */
    Kernel persistent(List<Part> parts, IntFunction<Loc> result, int steps, int local) {
        return persistent(parts, result, steps, local, null);
    }

    /**
     * A step of one recurrence split by columns over {@code groups} work-groups: group g computes units
     * [g·span, (g+1)·span) of every {@code units}-wide block of each GEMM's output, then the element-wise
     * work of those units. Valid only where every element-wise value of the step is {@code units} wide
     * and reads a same-step GEMM result only at its own units (the gates of an LSTM or GRU), and no GEMM
     * reads a value of the same step: then no group needs another's columns, and one launch does the
     * whole step on every compute unit.
     */
    record Split(int units, int groups) {
        Split {
            if (groups < 1 || units % groups != 0) {
                throw new IllegalArgumentException(units + " units do not split into " + groups + " groups");
            }
        }

        int span() {
            return units / groups;
        }
    }

    /** {@link #persistent(List, IntFunction, int, int)} with its step's columns split over work-groups. */
    Kernel persistentStep(Part part, IntFunction<Loc> result, int local, Split split) {
        return persistent(List.of(part), result, 1, local, split);
    }

    private Kernel persistent(List<Part> parts, IntFunction<Loc> result, int steps, int local, Split split) {
        KernelWriter w = new KernelWriter(true, batch, 0);
        for (int p = 0; p < parts.size(); p++) {
            Part part = parts.get(p);
            // steps t0 + offset .. + count - 1 (the launch's own t0: 0 for all steps, a chunk's first step in
            // a wavefront, the step itself for a step kernel), in the recurrence's direction
            int count = part.count() > 0 ? part.count() : steps;
            String base = part.offset() == 0 ? "t0" : "t0 + (" + part.offset() + ")";
            String first = count == 1 ? base : part.reverse() ? base + " + " + (count - 1) + " - step" : base + " + step";
            if (parts.size() > 1) {
                w.line("if (get_group_id(0) == " + p + ") {");
            }
            w.line("for (int step = 0; step < " + count + "; step++) {");
            w.line("const int t = " + first + ";");
            for (Stage st : part.stages()) {
                for (List<Integer> outs : st.outputs()) {
                    int cols = width(outs.get(0));
                    // one work-item (a CPU) walks the columns sixteen at a time: vector arithmetic and exp
                    if (split != null && cols % split.units() != 0) {
                        throw new IllegalArgumentException("a split step needs every element-wise value a multiple of "
                                + split.units() + " wide, not " + cols);
                    }
                    int extent = split == null ? cols : split.span();
                    boolean vector = local == 1 && extent % 16 == 0 && st.group().stream().allMatch(this::vectorizable);
                    String each = vector ? "16" : String.valueOf(local);
                    String loop = split == null
                            ? "for (int j = " + (vector ? "0" : "lid") + "; j < " + cols + "; j += " + each + ") {"
                            : "for (int jb = 0; jb < " + cols + "; jb += " + split.units() + ") for (int j = jb + lo"
                                    + (vector ? "" : " + lid") + "; j < jb + hi; j += " + each + ") {";
                    w.vector16(vector);
                    w.line("for (int b = 0; b < " + batch + "; b++) {");
                    w.line("const int R = t * " + batch + " + b;");
                    w.line("if (t < lengths[b]) {");
                    w.line(loop);
                    List<String> padding = groupOutputs(w, st.group(), outs);
                    w.line("}");
                    w.line("} else {");
                    w.line(loop);
                    for (String pad : padding) {
                        w.line(pad);
                    }
                    w.line("}");
                    w.line("}");
                    w.line("}");
                    w.vector16(false);
                    barrier(w, local);
                }
                for (int id : st.others()) {
                    Node m = graph.node(id);
                    if (m.op() != Op.MATMUL) {
                        continue; // absorbed epilogue nodes are computed by their GEMM
                    }
                    persistentGemm(w, m, part.gemms().get(id), result.apply(id), local, split,
                            part.weightsKn().get(id));
                    barrier(w, local);
                }
            }
            w.line("}");
            if (parts.size() > 1) {
                w.line("}");
            }
        }
        String prologue = "    const int lid = get_local_id(0);\n";
        if (split != null) {
            prologue += "    const int lo = get_group_id(0) * " + split.span() + ";\n    const int hi = lo + " + split.span()
                    + ";\n";
        }
        return new Kernel("recurrence", w.finishPersistent(prologue, "", local), w.buffers(), w.paramKinds(), local);
    }

    /**
     * A work-group barrier between the phases of a step, where the group has more than one work-item. A
     * group of one needs none (its one work-item sees its own writes in order), and PoCL compiles a loop
     * without barriers as plain code: measured 10 µs per LSTM step (H=256) without, 16 µs with.
     */
    private static void barrier(KernelWriter w, int local) {
        if (local > 1) {
            w.line("barrier(CLK_GLOBAL_MEM_FENCE);");
        }
    }

    /**
     * Whether a fused node computes the same in sixteen lanes: float values, and an op whose C text
     * works on vectors ({@code step}'s comparison does not).
     */
    private boolean vectorizable(int node) {
        Node n = graph.node(node);
        if (n.op() == Op.STEP || isInt(node)) {
            return false;
        }
        for (Operand o : n.operands()) {
            if (isInt(o.source()) || o.hasInit() && isInt(o.init())) {
                return false;
            }
        }
        return true;
    }

    /**
     * Whether {@link #persistent} can compute this GEMM: whole rows of A, a fixed weight as [n, k]
     * (PyTorch's layout) or [k, n] (the backward product dh = dgates · W).
     */
    boolean persistentGemmFits(Node m) {
        Operand a = m.operand(0);
        Loc al = locs.apply(a.source());
        Loc wl = locs.apply(m.operand(1).source());
        return al.perStep() && al.contiguous() && !wl.perStep()
                && wl.contiguous() && (!a.hasInit() || locs.apply(a.init()).contiguous()
                && locs.apply(a.init()).rows() == batch);
    }

    /**
     * Opens the loop of a one-launch GEMM over its output columns {@code var}, {@code per} at a time per
     * work-item: all n of them, or under a {@link Split} this group's units of every block. Closed by one brace.
     */
    private static void openColumns(KernelWriter w, Split split, String var, int n, int per, int local) {
        if (split == null) {
            w.line("for (int " + var + " = lid * " + per + "; " + var + " < " + n + "; " + var + " += " + local * per
                    + ") {");
        } else {
            w.line("for (int jb = 0; jb < " + n + "; jb += " + split.units() + ")");
            w.line("for (int " + var + " = jb + lo + lid * " + per + "; " + var + " < jb + hi; " + var + " += "
                    + local * per + ") {");
        }
    }

    /**
     * Whether a one-launch GEMM of width {@code n} (split by {@code split}, or null) can read its weight
     * as [k, n] (its own layout, or a copy): whole float16 vectors of columns per work-item.
     */
    static boolean knFits(int n, Split split) {
        return (split == null ? n : split.span()) % 16 == 0;
    }

    /**
     * One GEMM of a one-launch kernel; {@code weightKn}, where not null, is its [n, k] weight transposed
     * to [k, n] (the faster layout for several rows at once).
     */
    private void persistentGemm(KernelWriter w, Node m, int[] epilogue, Loc out, int local, Split split,
                                Loc weightKn) {
        Operand a = m.operand(0);
        Loc al = locs.apply(a.source());
        Loc wl = locs.apply(m.operand(1).source());
        int k = al.width();
        int n = width(m.id());
        boolean transposeB = m.attrs().getBool("transpose_b", false);
        int extent = split == null ? n : split.span();
        if (knFits(n, split) && (!transposeB || weightKn != null)) {
            // W as [k, n]: its own layout (the backward product dh = dgates · W), or the copy
            persistentRowsGemm(w, m, epilogue, out, local, split, transposeB ? weightKn : wl);
            return;
        }
        if (transposeB && extent % DOT_ROWS == 0) {
            persistentRowsGemm(w, m, epilogue, out, local, split, null);
            return;
        }
        String pa = w.param(al.buffer(), false);
        String pw = w.param(wl.buffer(), false);
        String po = w.param(out.buffer(), false);
        w.line("for (int b = 0; b < " + batch + "; b++) {");
        w.line("const int R = t * " + batch + " + b;");
        w.line("if (t < lengths[b]) {");
        String rowA;
        if (a.delay() == 0) {
            w.line("const __global float* arow = " + pa + " + " + al.base() + " + R * " + al.stride() + ";");
            rowA = "arow";
        } else {
            w.line("const int s = t - (" + a.delay() + ");");
            String init = "0";
            if (a.hasInit()) {
                Loc il = locs.apply(a.init());
                init = w.param(il.buffer(), false) + " + " + il.base() + " + b * " + il.stride();
            }
            w.line("const __global float* arow = (s >= 0 && s < lengths[b]) ? " + pa + " + " + al.base() + " + (s * "
                    + batch + " + b) * " + al.stride() + " : " + init + ";");
            rowA = "arow";
        }
        persistentScalarGemm(w, m, epilogue, out, local, rowA, transposeB, split);
        w.line("}");
        w.line("} else {");
        openColumns(w, split, "j", n, 1, local);
        w.line(po + "[" + out.base() + " + R * " + out.stride() + " + j] = 0.0f;");
        w.line("}");
        w.line("}");
        w.line("}");
    }

    /** Outputs {@link #persistentRowsGemm} over W as [n, k] computes at a time. */
    private static final int DOT_ROWS = 4;

    /** Rows of A {@link #persistentRowsGemm} takes at a time: each weight vector it loads serves all of them. */
    static final int DOT_BATCH = 4;

    /**
     * A one-launch GEMM for up to {@link #DOT_BATCH} rows of A at once, so that each weight vector it
     * loads serves all of them, with DOT_ROWS × rows (or vectors × rows) chains of additions side by
     * side (one chain waits on every addition). With W as [n, k] (PyTorch's layout, {@code weightKn}
     * null): {@link #DOT_ROWS} outputs at a time, each a dot product of two contiguous rows in sixteen
     * lanes. With {@code weightKn}, W as [k, n]: one to four float16 vectors of neighbouring columns
     * per work-item, each A element broadcast against them, and no sums across lanes at the end.
     * A row past its sequence's end gets zeros; a row whose delayed operand does not exist (before
     * the first step, with no initial state) gets the epilogue of a zero sum. Such rows read a weight
     * row in place of A, so that the inner loop never branches, and drop the sum.
     */
    private void persistentRowsGemm(KernelWriter w, Node m, int[] epilogue, Loc out, int local, Split split,
                                    Loc weightKn) {
        Operand a = m.operand(0);
        Loc al = locs.apply(a.source());
        Loc wl = weightKn != null ? weightKn : locs.apply(m.operand(1).source());
        int k = al.width();
        int n = width(m.id());
        String pa = w.param(al.buffer(), false);
        String pw = w.param(wl.buffer(), false);
        String po = w.param(out.buffer(), false);
        String init = "0";
        if (a.delay() != 0 && a.hasInit()) {
            Loc il = locs.apply(a.init());
            init = w.param(il.buffer(), false) + " + " + il.base() + " + b * " + il.stride();
        }
        int rows = Math.min(batch, DOT_BATCH);
        boolean ragged = batch % rows != 0;
        if (a.delay() != 0) {
            w.line("const int s = t - (" + a.delay() + ");");
        }
        w.line("for (int b0 = 0; b0 < " + batch + "; b0 += " + rows + ") {");
        for (int r = 0; r < rows; r++) {
            w.line("const int live" + r + " = " + (ragged ? "b0 + " + r + " < " + batch + " && " : "")
                    + "t < lengths[b0 + " + r + "];");
            String rowOf = a.delay() == 0
                    ? pa + " + " + al.base() + " + (t * " + batch + " + b) * " + al.stride()
                    : "(s >= 0 && s < lengths[b]) ? " + pa + " + " + al.base() + " + (s * " + batch + " + b) * "
                            + al.stride() + " : " + init;
            w.line("const __global float* arow" + r + " = 0;");
            w.line("if (live" + r + ") {");
            w.line("const int b = b0 + " + r + ";");
            w.line("arow" + r + " = " + rowOf + ";");
            w.line("}");
            w.line("const int has" + r + " = arow" + r + " != 0;");
            w.line("const __global float* src" + r + " = has" + r + " ? arow" + r + " : " + pw + " + " + wl.base() + ";");
        }
        if (weightKn != null) {
            knColumns(w, m, epilogue, out, local, split, wl, k, n, rows, pw, po);
        } else {
            dotColumns(w, m, epilogue, out, local, split, wl, k, n, rows, pw, po);
        }
        w.line("}");
    }

    /**
     * The inner step of {@link #persistentRowsGemm}: row r's value of A, of C type {@code type}, from
     * {@code load}, times each weight vector w0, w1, …, added into the sums s{r}_{q}.
     */
    private static void rowSums(KernelWriter w, int rows, int vectors, String type, IntFunction<String> load) {
        for (int r = 0; r < rows; r++) {
            w.line("const " + type + " a" + r + " = " + load.apply(r) + ";");
            for (int q = 0; q < vectors; q++) {
                w.line("s" + r + "_" + q + " += a" + r + " * w" + q + ";");
            }
        }
    }

    /**
     * Opens the scope of row r of a {@link #persistentRowsGemm} block, R its row; skipped past the batch
     * in a {@code ragged} last block. Closed by one brace.
     */
    private void openRow(KernelWriter w, int r, boolean ragged) {
        w.line(ragged ? "if (b0 + " + r + " < " + batch + ") {" : "{");
        w.line("const int R = t * " + batch + " + b0 + " + r + ";");
    }

    /** The column loop of {@link #persistentRowsGemm} for W as [n, k]. */
    private void dotColumns(KernelWriter w, Node m, int[] epilogue, Loc out, int local, Split split, Loc wl, int k,
                            int n, int rows, String pw, String po) {
        boolean ragged = batch % rows != 0;
        openColumns(w, split, "j0", n, DOT_ROWS, local);
        w.line("const __global float* wrow = " + pw + " + " + wl.base() + " + j0 * " + wl.stride() + ";");
        for (int r = 0; r < rows; r++) {
            for (int q = 0; q < DOT_ROWS; q++) {
                w.line("float16 s" + r + "_" + q + " = (float16)(0.0f);");
            }
        }
        w.line("for (int k = 0; k + 16 <= " + k + "; k += 16) {");
        for (int q = 0; q < DOT_ROWS; q++) {
            w.line("const float16 w" + q + " = vload16(0, wrow + " + q * wl.stride() + " + k);");
        }
        rowSums(w, rows, DOT_ROWS, "float16", r -> "vload16(0, src" + r + " + k)");
        w.line("}");
        for (int r = 0; r < rows; r++) {
            openRow(w, r, ragged);
            for (int q = 0; q < DOT_ROWS; q++) {
                String sum = "s" + r + "_" + q;
                w.line("{");
                w.line("const int j = j0 + " + q + ";");
                w.line("const float8 e8 = " + sum + ".lo + " + sum + ".hi;");
                w.line("const float4 e4 = e8.lo + e8.hi;");
                w.line("float acc = e4.x + e4.y + e4.z + e4.w;");
                if (k % 16 != 0) {
                    w.line("for (int k = " + (k / 16 * 16) + "; k < " + k + "; k++) acc += src" + r + "[k] * wrow["
                            + q * wl.stride() + " + k];");
                }
                w.line("if (!has" + r + ") acc = 0.0f;");
                w.line("if (live" + r + ") {");
                persistentEpilogue(w, m, epilogue);
                w.line("} else {");
                w.line("acc = 0.0f;");
                w.line("}");
                w.line(po + "[" + out.base() + " + R * " + out.stride() + " + j] = acc;");
                w.line("}");
            }
            w.line("}");
        }
        w.line("}");
    }

    /** The column loop of {@link #persistentRowsGemm} for W as [k, n]. */
    private void knColumns(KernelWriter w, Node m, int[] epilogue, Loc out, int local, Split split, Loc wl, int k,
                           int n, int rows, String pw, String po) {
        boolean ragged = batch % rows != 0;
        int extent = split == null ? n : split.span();
        int vectors = extent % 64 == 0 ? 4 : extent % 32 == 0 ? 2 : 1;
        openColumns(w, split, "j0", n, 16 * vectors, local);
        w.line("const __global float* wcol = " + pw + " + " + wl.base() + " + j0;");
        for (int r = 0; r < rows; r++) {
            for (int q = 0; q < vectors; q++) {
                w.line("float16 s" + r + "_" + q + " = (float16)(0.0f);");
            }
        }
        w.line("for (int k = 0; k < " + k + "; k++) {");
        w.line("const __global float* wk = wcol + k * " + wl.stride() + ";");
        for (int q = 0; q < vectors; q++) {
            w.line("const float16 w" + q + " = vload16(" + q + ", wk);");
        }
        rowSums(w, rows, vectors, "float", r -> "src" + r + "[k]");
        w.line("}");
        for (int r = 0; r < rows; r++) {
            openRow(w, r, ragged);
            for (int q = 0; q < vectors; q++) {
                w.line("{");
                w.line("const int j = j0 + " + 16 * q + ";");
                w.line("float16 acc = has" + r + " ? s" + r + "_" + q + " : (float16)(0.0f);");
                w.line("if (live" + r + ") {");
                w.vector16(true);
                persistentEpilogue(w, m, epilogue);
                w.vector16(false);
                w.line("} else {");
                w.line("acc = (float16)(0.0f);");
                w.line("}");
                w.line("vstore16(acc, 0, " + po + " + " + out.base() + " + R * " + out.stride() + " + j);");
                w.line("}");
            }
            w.line("}");
        }
        w.line("}");
    }

    /** The output loop of {@link #persistentGemm}: a column per work-item, then the epilogue. */
    private void persistentScalarGemm(KernelWriter w, Node m, int[] epilogue, Loc out, int local, String rowA,
                                      boolean transposeB, Split split) {
        Loc al = locs.apply(m.operand(0).source());
        Loc wl = locs.apply(m.operand(1).source());
        int k = al.width();
        int n = width(m.id());
        String pw = w.param(wl.buffer(), false);
        String po = w.param(out.buffer(), false);
        openColumns(w, split, "j", n, 1, local);
        w.line("float acc = 0.0f;");
        w.line("if (" + rowA + ") {");
        if (transposeB) {
            // W as [n, k]: a dot product of two contiguous rows per output
            w.line("const __global float* wrow = " + pw + " + " + wl.base() + " + j * " + wl.stride() + ";");
            w.line("float16 s16 = (float16)(0.0f);");
            w.line("int k = 0;");
            w.line("for (; k + 16 <= " + k + "; k += 16) s16 += vload16(0, " + rowA + " + k) * vload16(0, wrow + k);");
            w.line("float8 s8 = s16.lo + s16.hi;");
            w.line("float4 s4 = s8.lo + s8.hi;");
            w.line("acc = s4.x + s4.y + s4.z + s4.w;");
            w.line("for (; k < " + k + "; k++) acc += " + rowA + "[k] * wrow[k];");
        } else {
            // W as [k, n]: neighbouring work-items read neighbouring columns of each weight row
            w.line("const __global float* wcol = " + pw + " + " + wl.base() + " + j;");
            w.line("for (int k = 0; k < " + k + "; k++) acc += " + rowA + "[k] * wcol[k * " + wl.stride() + "];");
        }
        w.line("}");
        persistentEpilogue(w, m, epilogue);
        w.line(po + "[" + out.base() + " + R * " + out.stride() + " + j] = acc;");
    }

    /** The bias and activation fused into a one-launch GEMM, applied to {@code acc} at column j. */
    private void persistentEpilogue(KernelWriter w, Node m, int[] epilogue) {
        if (epilogue != null && epilogue[0] >= 0) {
            Node add = graph.node(epilogue[0]);
            Operand bias = add.operand(add.operand(0).source() == m.id() ? 1 : 0);
            w.line("acc += " + w.load(locs.apply(bias.source()), 0, null, "j", false) + ";");
            if (epilogue[1] >= 0) {
                w.line("acc = " + switch (graph.node(epilogue[1]).op()) {
                    case SIGMOID -> "1.0f / (1.0f + exp(-acc))";
                    case TANH -> "1.0f - 2.0f / (exp(2.0f * acc) + 1.0f)";
                    case RELU -> "fmax(acc, 0.0f)";
                    default -> throw new IllegalArgumentException(graph.node(epilogue[1]).op().toString());
                } + ";");
            }
        }
    }

    private String value(KernelWriter w, Set<Integer> group, Map<String, String> memo, int node, String col) {
        String key = node + "@" + col;
        String done = memo.get(key);
        if (done != null) {
            return done;
        }
        Node n = graph.node(node);
        List<String> in = new ArrayList<>();
        for (Operand o : n.operands()) {
            String c = width(o.source()) == 1 && width(node) > 1 ? "0" : col;
            if (n.op() == Op.SLICE) {
                c = "(" + col + " + " + n.attrs().getInt("start") + ")";
            }
            if (o.delay() == 0 && group.contains(o.source())) {
                in.add(value(w, group, memo, o.source(), c));
            } else if (n.op() == Op.UNSTACK_TIME) {
                // a static [T, B, ...] value is laid out as a per-step one: row t·B + b
                Loc l = locs.apply(o.source());
                in.add(w.load(new Loc(l.buffer(), l.base(), l.stride(), l.col(), l.width(), true, -1), 0, null, c,
                        false));
            } else {
                in.add(w.load(locs.apply(o.source()), o.delay(), initLoc(o), c, false));
            }
        }
        if (n.op() == Op.SLICE || n.op() == Op.BROADCAST_TIME || n.op() == Op.UNSTACK_TIME) {
            memo.put(key, in.get(0));
            return in.get(0);
        }
        String expr = switch (n.op()) {
            case ADD -> in.get(0) + " + " + in.get(1);
            case SUB -> in.get(0) + " - " + in.get(1);
            case MUL -> in.get(0) + " * " + in.get(1);
            case DIV -> in.get(0) + " / " + in.get(1);
            case STEP -> "(" + in.get(0) + " > 0.0f ? 1.0f : 0.0f)";
            case NEG -> "-" + in.get(0);
            case SIGMOID -> "1.0f / (1.0f + exp(-" + in.get(0) + "))";
            // through exp: PoCL's exp is markedly faster than its tanh, and the result is as exact here
            case TANH -> "1.0f - 2.0f / (exp(2.0f * " + in.get(0) + ") + 1.0f)";
            case RELU -> "fmax(" + in.get(0) + ", 0.0f)";
            case EXP -> "exp(" + in.get(0) + ")";
            case LOG -> "log(" + in.get(0) + ")";
            default -> throw new IllegalArgumentException("not element-wise: " + n.op());
        };
        String v = w.temp();
        w.line((w.isVector16() ? "const float16 " : "const float ") + v + " = " + expr + ";");
        memo.put(key, v);
        return v;
    }

    /** A copy of {@code from} (a view, or any value) into {@code to}, row by row. */
    Kernel copy(Loc from, Loc to, boolean perStep, int staticRows) {
        KernelWriter w = new KernelWriter(perStep, batch, staticRows);
        w.line(w.store(to, "j") + " = " + w.load(from, 0, null, "j", false) + ";");
        return new Kernel("copy", w.finish(List.of(w.store(to, "j") + " = 0.0f;"), null), w.buffers(), w.paramKinds(),
                from.width());
    }

    /** Concatenation along the last axis: column j comes from the part that holds it. */
    Kernel concat(Node n, boolean perStep, int staticRows) {
        KernelWriter w = new KernelWriter(perStep, batch, staticRows);
        Loc out = locs.apply(n.id());
        String v = w.temp();
        w.line("float " + v + ";");
        int start = 0;
        for (int i = 0; i < n.operands().size(); i++) {
            Operand o = n.operand(i);
            int pw = width(o.source());
            String cond = i + 1 == n.operands().size() ? "" : "if (j < " + (start + pw) + ") ";
            String load = w.load(locs.apply(o.source()), o.delay(), initLoc(o), "(j - " + start + ")", false);
            w.line((i == 0 ? "" : "else ") + cond + v + " = " + load + ";");
            start += pw;
        }
        w.line(w.store(out, "j") + " = " + v + ";");
        return new Kernel("concat", w.finish(List.of(w.store(out, "j") + " = 0.0f;"), null), w.buffers(),
                w.paramKinds(), width(n.id()));
    }

    /** Softmax, log-softmax or cross-entropy of one row per work-item (columns: 1). */
    Kernel rowwise(Node n, boolean perStep, int staticRows) {
        KernelWriter w = new KernelWriter(perStep, batch, staticRows);
        Operand x = n.operand(0);
        int f = width(x.source());
        Loc out = locs.apply(n.id());
        String xs = w.load(locs.apply(x.source()), x.delay(), initLoc(x), "c", false);
        w.line("float m = -INFINITY;");
        w.line("for (int c = 0; c < " + f + "; c++) m = fmax(m, " + xs + ");");
        w.line("float s = 0.0f;");
        w.line("for (int c = 0; c < " + f + "; c++) s += exp(" + xs + " - m);");
        w.line("const float ls = log(s) + m;");
        List<String> padding = new ArrayList<>();
        switch (n.op()) {
            case SOFTMAX, LOG_SOFTMAX -> {
                String e = n.op() == Op.SOFTMAX ? "exp(" + xs + " - ls)" : xs + " - ls";
                w.line("for (int c = 0; c < " + f + "; c++) " + w.store(out, "c") + " = " + e + ";");
                padding.add("for (int c = 0; c < " + f + "; c++) " + w.store(out, "c") + " = 0.0f;");
            }
            case CROSS_ENTROPY -> {
                Operand tg = n.operand(1);
                w.line("const int c = " + w.load(locs.apply(tg.source()), tg.delay(), initLoc(tg), "0", true) + ";");
                String loss = "ls - " + xs;
                if (n.operands().size() == 3) {
                    Operand mk = n.operand(2);
                    String mask = w.load(locs.apply(mk.source()), mk.delay(), initLoc(mk), "0", false);
                    loss = "(" + mask + " == 0.0f ? 0.0f : (" + loss + ") * " + mask + ")";
                }
                w.line(w.store(out, "0") + " = " + loss + ";");
                padding.add(w.store(out, "0") + " = 0.0f;");
            }
            case CROSS_ENTROPY_GRAD -> {
                // g · (softmax(x) − onehot(target)), one row per work-item
                Operand tg = n.operand(1);
                Operand g = n.operand(2);
                w.line("const int target = " + w.load(locs.apply(tg.source()), tg.delay(), initLoc(tg), "0", true)
                        + ";");
                w.line("const float g = " + w.load(locs.apply(g.source()), g.delay(), initLoc(g), "0", false) + ";");
                w.line("for (int c = 0; c < " + f + "; c++) " + w.store(out, "c") + " = (exp(" + xs
                        + " - ls) - (c == target ? 1.0f : 0.0f)) * g;");
                padding.add("for (int c = 0; c < " + f + "; c++) " + w.store(out, "c") + " = 0.0f;");
            }
            default -> throw new IllegalArgumentException(n.op().toString());
        }
        return new Kernel(n.op().textName(), w.finish(padding, null), w.buffers(), w.paramKinds(), 1);
    }

    /**
     * Sum over a fixed-size axis, kept with size 1. Over the last axis: one row per work-item, its
     * columns summed; over an axis of the rows ({@code outer × n × inner} rows): each output row
     * sums its n input rows, column by column.
     */
    Kernel sumAxis(Node n, boolean perStep, int staticRows, int count, int inner, boolean lastAxis) {
        KernelWriter w = new KernelWriter(perStep, batch, staticRows);
        Operand x = n.operand(0);
        Loc out = locs.apply(n.id());
        w.line("float acc = 0.0f;");
        if (lastAxis) {
            String xs = w.load(locs.apply(x.source()), x.delay(), initLoc(x), "c", false);
            w.line("for (int c = 0; c < " + width(x.source()) + "; c++) acc += " + xs + ";");
        } else {
            String row = "(r / " + inner + " * " + count + " + k) * " + inner + " + r % " + inner;
            w.line("for (int k = 0; k < " + count + "; k++) acc += " + w.at(locs.apply(x.source()), row, "j", false)
                    + ";");
        }
        String col = lastAxis ? "0" : "j";
        w.line(w.store(out, col) + " = acc;");
        return new Kernel("sum_axis", w.finish(List.of(w.store(out, col) + " = 0.0f;"), null), w.buffers(),
                w.paramKinds(), lastAxis ? 1 : width(n.id()));
    }

    /** Sum over the sequences: output row o sums input rows o·B … o·B + B − 1, in order (deterministic). */
    Kernel sumBatch(Node n, int staticRows) {
        KernelWriter w = new KernelWriter(false, batch, staticRows);
        Loc x = locs.apply(n.operand(0).source());
        Loc out = locs.apply(n.id());
        w.line("float acc = 0.0f;");
        w.line("for (int b = 0; b < " + batch + "; b++) acc += " + w.at(x, "r * " + batch + " + b", "j", false) + ";");
        w.line(w.store(out, "j") + " = acc;");
        return new Kernel("sum_batch", w.finish(List.of(), null), w.buffers(), w.paramKinds(), width(n.id()));
    }

    /** The same value for every sequence: output row r reads input row r / B. */
    Kernel broadcastBatch(Node n, int staticRows) {
        KernelWriter w = new KernelWriter(false, batch, staticRows);
        Loc x = locs.apply(n.operand(0).source());
        Loc out = locs.apply(n.id());
        w.line(w.store(out, "j") + " = " + w.at(x, "r / " + batch, "j", false) + ";");
        return new Kernel("broadcast_batch", w.finish(List.of(), null), w.buffers(), w.paramKinds(), width(n.id()));
    }

    /**
     * The embedding gradient without atomics: work-item j owns column j (or sixteen columns) of every table row, zeroes it,
     * then walks the ids in order adding column j of each value row to its id's row. Each sum is
     * formed in id order by one work-item, so the result is the same bit for bit on every run, and
     * the values are read once (not once per table row). With {@code masked}, ids are stacked steps
     * (row t·B + b) and rows past a sequence's end are skipped. Runs on [columns, 1].
     */
    Kernel scatterAdd(Node n, int idRows, boolean masked) {
        Loc ids = locs.apply(n.operand(0).source());
        Loc values = locs.apply(n.operand(1).source());
        Loc out = locs.apply(n.id());
        KernelWriter w = new KernelWriter(false, batch, 1);
        // sixteen columns per work-item where the width allows: one vector addition per value row
        int lanes = width(n.id()) % 16 == 0 ? 16 : 1;
        String col = lanes == 1 ? "j" : "j * 16";
        String zero = lanes == 1 ? "0.0f" : "(float16)(0.0f)";
        String outAt = w.at(out, "v", col, false);
        String valueAt = w.at(values, "q", col, false);
        w.line("for (int v = 0; v < " + out.rows() + "; v++) " + (lanes == 1 ? outAt + " = 0.0f;"
                : "vstore16(" + zero + ", 0, &" + outAt + ");"));
        w.line("for (int q = 0; q < " + idRows + "; q++) {");
        if (masked) {
            w.line("if (q / " + batch + " >= lengths[q % " + batch + "]) continue;");
        }
        w.line("const int v = " + w.at(ids, "q", "0", true) + ";");
        w.line("if (v >= 0 && v < " + out.rows() + ") " + (lanes == 1 ? outAt + " += " + valueAt + ";"
                : "vstore16(vload16(0, &" + outAt + ") + vload16(0, &" + valueAt + "), 0, &" + outAt + ");"));
        w.line("}");
        return new Kernel("scatter_add", w.finish(List.of(), null), w.buffers(), w.paramKinds(),
                width(n.id()) / lanes);
    }

    /** The side of the square tiles {@link #transpose} moves. */
    static final int TILE = 16;

    /**
     * {@code to} [cols, rows] = {@code from} [rows, cols]ᵀ, a {@link #TILE}² tile per work-item (j, r):
     * its rows read and its columns written a cache line at a time, where one element per work-item
     * would stride through memory on one side.
     */
    Kernel transpose(Loc from, Loc to, int rows) {
        int cols = from.width();
        KernelWriter w = new KernelWriter(false, batch, ceilDiv(rows, TILE));
        if (rows % TILE == 0 && cols % TILE == 0) {
            // whole tiles: sixteen rows read as vectors, sixteen columns written as vectors, in registers
            w.line("const __global float* src = &" + w.at(from, "r * " + TILE, "j * " + TILE, false) + ";");
            w.line("__global float* dst = &" + w.at(to, "j * " + TILE, "r * " + TILE, false) + ";");
            for (int i = 0; i < TILE; i++) {
                w.line("const float16 a" + i + " = vload16(0, src + " + i * from.stride() + ");");
            }
            for (int k = 0; k < TILE; k++) {
                StringBuilder col = new StringBuilder();
                for (int i = 0; i < TILE; i++) {
                    col.append(i == 0 ? "" : ", ").append("a").append(i).append(".s").append(Integer.toHexString(k));
                }
                w.line("vstore16((float16)(" + col + "), 0, dst + " + k * to.stride() + ");");
            }
            return new Kernel("transpose", w.finish(List.of(), null), w.buffers(), w.paramKinds(), cols / TILE);
        }
        w.line("for (int i = 0; i < " + TILE + "; i++) {");
        w.line("const int q = r * " + TILE + " + i;");
        w.line("if (q >= " + rows + ") break;");
        w.line("for (int k = 0; k < " + TILE + "; k++) {");
        w.line("const int c = j * " + TILE + " + k;");
        w.line("if (c < " + cols + ") " + w.at(to, "c", "q", false) + " = " + w.at(from, "q", "c", false) + ";");
        w.line("}");
        w.line("}");
        return new Kernel("transpose", w.finish(List.of(), null), w.buffers(), w.paramKinds(), ceilDiv(cols, TILE));
    }

    private static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }

    /** a[R, M]ᵀ · b[R, N] → [M, N], one output per work-item: the product where the tiled GEMM cannot read b. */
    Kernel matmulTn(Node n, int rows) {
        Loc a = locs.apply(n.operand(0).source());
        Loc b = locs.apply(n.operand(1).source());
        Loc out = locs.apply(n.id());
        KernelWriter w = new KernelWriter(false, batch, out.rows());
        w.line("float acc = 0.0f;");
        w.line("for (int q = 0; q < " + rows + "; q++) acc += " + w.at(a, "q", "r", false) + " * " + w.at(b, "q", "j",
                false) + ";");
        w.line(w.store(out, "j") + " = acc;");
        return new Kernel("matmul_tn", w.finish(List.of(), null), w.buffers(), w.paramKinds(), width(n.id()));
    }

    /** Embedding lookup: row ids[row] of the table. */
    Kernel embedding(Node n, boolean perStep, int staticRows) {
        KernelWriter w = new KernelWriter(perStep, batch, staticRows);
        Operand ids = n.operand(0);
        Loc table = locs.apply(n.operand(1).source());
        Loc out = locs.apply(n.id());
        w.line("const int id = " + w.load(locs.apply(ids.source()), ids.delay(), initLoc(ids), "0", true) + ";");
        String tp = w.param(table.buffer(), false);
        w.line(w.store(out, "j") + " = " + tp + "[" + table.base() + " + id * " + table.stride() + " + "
                + (table.col() == 0 ? "" : table.col() + " + ") + "j];");
        return new Kernel("embedding", w.finish(List.of(w.store(out, "j") + " = 0.0f;"), null), w.buffers(),
                w.paramKinds(), width(n.id()));
    }

    /** Sum over time, last step or first step: a static [B, W] value from a per-step one. */
    Kernel timeReduction(Node n) {
        KernelWriter w = new KernelWriter(false, batch, batch);
        Loc x = locs.apply(n.operand(0).source());
        Loc out = locs.apply(n.id());
        String xp = w.param(x.buffer(), false);
        String at = xp + "[" + x.base() + " + (t * " + batch + " + r) * " + x.stride() + " + "
                + (x.col() == 0 ? "" : x.col() + " + ") + "j]";
        switch (n.op()) {
            case SUM_TIME -> {
                w.line("float acc = 0.0f;");
                w.line("for (int t = 0; t < lengths[r]; t++) acc += " + at + ";");
            }
            case LAST_STEP -> w.line("const int t = lengths[r] - 1;");
            case FIRST_STEP -> w.line("const int t = 0;");
            default -> throw new IllegalArgumentException(n.op().toString());
        }
        w.line(w.store(out, "j") + " = " + (n.op() == Op.SUM_TIME ? "acc" : at) + ";");
        return new Kernel(n.op().textName(), w.finish(List.of(), null), w.buffers(), w.paramKinds(), width(n.id()));
    }

    /**
     * The plain GEMM: one output per work-item, C = A · B(ᵀ) + bias, then an activation. A may be a
     * delayed per-step operand (the recurrent product), read with the usual initial-value rule.
     */
    Kernel gemm(Node matmul, Node biasAdd, Node act, Loc out, boolean perStep, int staticRows) {
        KernelWriter w = new KernelWriter(perStep, batch, staticRows);
        Operand a = matmul.operand(0);
        Loc bl = locs.apply(matmul.operand(1).source());
        boolean transposeB = matmul.attrs().getBool("transpose_b", false);
        int k = width(a.source());
        String bp = w.param(bl.buffer(), false);
        w.line("float acc = 0.0f;");
        String av = w.load(locs.apply(a.source()), a.delay(), initLoc(a), "k", false);
        String bv = bp + "[" + bl.base() + " + " + (transposeB ? "j * " + bl.stride() + " + k" : "k * " + bl.stride()
                + " + j") + "]";
        w.line("for (int k = 0; k < " + k + "; k++) acc += " + av + " * " + bv + ";");
        if (biasAdd != null) {
            Operand bias = biasAdd.operand(biasAdd.operand(0).source() == matmul.id() ? 1 : 0);
            w.line("acc += " + w.load(locs.apply(bias.source()), 0, null, "j", false) + ";");
        }
        if (act != null) {
            w.line("acc = " + switch (act.op()) {
                case SIGMOID -> "1.0f / (1.0f + exp(-acc))";
                case TANH -> "tanh(acc)";
                case RELU -> "fmax(acc, 0.0f)";
                default -> throw new IllegalArgumentException(act.op().toString());
            } + ";");
        }
        w.line(w.store(out, "j") + " = acc;");
        return new Kernel("gemm", w.finish(List.of(w.store(out, "j") + " = 0.0f;"), null), w.buffers(), w.paramKinds(),
                width(matmul.id()));
    }
}
