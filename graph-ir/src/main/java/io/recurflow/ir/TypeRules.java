package io.recurflow.ir;

import java.util.ArrayList;
import java.util.List;

/**
 * Shape, dtype and time-axis inference for one node from its operands: the rules every builder,
 * parser and verifier share.
 */
public final class TypeRules {
    private TypeRules() {
    }

    /** What a node's type is: element type, shape and time axis (null when static). */
    public record Type(DType dtype, Shape shape, String axis) {
    }

    /**
     * Infers the type of node {@code name} = {@code op(operands)}; source ops take {@code declared}
     * as given. Throws a {@link GraphException} naming the node and the operands at fault.
     */
    public static Type infer(String name, Op op, List<Node> operands, List<Integer> delays, Attrs attrs,
                             Type declared) {
        if (operands.size() < op.minOperands() || operands.size() > op.maxOperands()) {
            throw new GraphException("node %" + name + " (" + op.textName() + ") takes "
                    + arity(op) + ", got " + operands.size());
        }
        if (op.isSource()) {
            if (declared == null) {
                throw new GraphException("node %" + name + " (" + op.textName() + ") needs a declared type");
            }
            return checkSource(name, op, declared);
        }
        String axis = op.isTimeReduction() ? null
                : op.isTimeExpansion() ? attrs.getString("time", Node.DEFAULT_AXIS) : perStepAxis(name, operands);
        for (int i = 0; i < operands.size(); i++) {
            Node o = operands.get(i);
            if (delays.get(i) != 0 && o.isStatic()) {
                throw new GraphException("node %" + name + " reads static node %" + o.name() + " with delay "
                        + delays.get(i) + ": only per-step values have a past and a future");
            }
        }
        Shape shape = switch (op) {
            case INPUT, STATIC_INPUT, PARAM, CONST -> throw new AssertionError();
            case MATMUL -> matmul(name, operands.get(0), operands.get(1), attrs.getBool("transpose_b", false));
            case ADD, SUB, MUL, DIV -> broadcast(name, op, operands.get(0), operands.get(1));
            case NEG, SIGMOID, TANH, RELU, EXP, LOG, STEP, SOFTMAX, LOG_SOFTMAX ->
                    floatOperand(name, op, operands.get(0)).shape();
            case CONCAT -> concat(name, operands);
            case SLICE -> slice(name, operands.get(0), attrs);
            case SELECT -> select(name, operands.get(0), attrs);
            case PACK -> pack(name, operands);
            case EMBEDDING -> embedding(name, operands.get(0), operands.get(1));
            case CROSS_ENTROPY -> crossEntropy(name, operands);
            case SUM_TIME, LAST_STEP, FIRST_STEP -> perStepOperand(name, op, operands.get(0)).shape();
            case STACK_TIME -> perStepOperand(name, op, operands.get(0)).shape().prepend(Dim.T);
            case SUM_AXIS -> sumAxis(name, operands.get(0), attrs);
            case SUM_BATCH -> sumBatch(name, operands.get(0));
            case BROADCAST_BATCH -> broadcastBatch(name, operands.get(0), attrs);
            case BROADCAST_TIME -> broadcastTime(name, operands.get(0));
            case UNSTACK_TIME -> unstackTime(name, operands.get(0));
            case MATMUL_TN -> matmulTn(name, operands.get(0), operands.get(1));
            case SCATTER_ADD -> scatterAdd(name, operands.get(0), operands.get(1), attrs);
            case CROSS_ENTROPY_GRAD -> crossEntropyGrad(name, operands);
        };
        if (op.isTimeReduction() && operands.get(0).dtype() != DType.F32
                && !(op == Op.STACK_TIME && operands.get(0).dtype() == DType.I32)) {
            throw new GraphException("node %" + name + " (" + op.textName() + ") reduces %"
                    + operands.get(0).name() + ", which is not f32");
        }
        if (axis != null && (shape.rank() == 0 || !shape.dim(0).equals(Dim.B))) {
            throw new GraphException("node %" + name + " is per-step but its shape " + shape
                    + " does not start with the batch axis B");
        }
        // stack_time keeps i32 ids i32 (the embedding gradient scatters stacked ids); all else is f32
        DType dtype = op == Op.STACK_TIME ? operands.get(0).dtype() : DType.F32;
        return new Type(dtype, shape, axis);
    }

    private static String arity(Op op) {
        if (op.maxOperands() == Integer.MAX_VALUE) {
            return "at least " + op.minOperands() + " operands";
        }
        if (op.minOperands() == op.maxOperands()) {
            return op.minOperands() + (op.minOperands() == 1 ? " operand" : " operands");
        }
        return op.minOperands() + " to " + op.maxOperands() + " operands";
    }

    private static Type checkSource(String name, Op op, Type declared) {
        Shape s = declared.shape();
        switch (op) {
            case INPUT -> {
                if (declared.axis() == null) {
                    throw new GraphException("input %" + name + " needs a time axis");
                }
                if (s.rank() == 0 || !s.dim(0).equals(Dim.B) || s.batchAxis() != 0 || s.dims().contains(Dim.T)) {
                    throw new GraphException("input %" + name + " has shape " + s
                            + ": a per-step input is [B, ...] with fixed sizes after B");
                }
            }
            case STATIC_INPUT -> {
                if (declared.axis() != null) {
                    throw new GraphException("static input %" + name + " cannot have a time axis");
                }
                if (s.dims().contains(Dim.T) || s.dims().stream().filter(Dim.B::equals).count() > 1) {
                    throw new GraphException("static input %" + name + " has shape " + s
                            + ": at most one B axis and no T");
                }
            }
            case PARAM, CONST -> {
                if (declared.axis() != null || s.dims().stream().anyMatch(Dim::isSymbolic)) {
                    throw new GraphException(op.textName() + " %" + name + " has shape " + s
                            + ": parameters and constants have fixed sizes and no time axis");
                }
                if (declared.dtype() != DType.F32) {
                    throw new GraphException(op.textName() + " %" + name + " must be f32");
                }
            }
            default -> throw new AssertionError(op);
        }
        return declared;
    }

    private static String perStepAxis(String name, List<Node> operands) {
        String axis = null;
        Node first = null;
        for (Node o : operands) {
            if (o.isPerStep()) {
                if (axis == null) {
                    axis = o.axis();
                    first = o;
                } else if (!axis.equals(o.axis())) {
                    throw new GraphException("node %" + name + " mixes time axes: %" + first.name() + " @" + axis
                            + " and %" + o.name() + " @" + o.axis());
                }
            }
        }
        return axis;
    }

    private static Node floatOperand(String name, Op op, Node o) {
        if (o.dtype() != DType.F32) {
            throw new GraphException("node %" + name + " (" + op.textName() + ") needs f32, but %" + o.name()
                    + " is " + o.dtype().textName());
        }
        return o;
    }

    private static Node perStepOperand(String name, Op op, Node o) {
        if (!o.isPerStep()) {
            throw new GraphException("node %" + name + " (" + op.textName() + ") reduces over time, but %"
                    + o.name() + " is static");
        }
        return o;
    }

    private static GraphException mismatch(String name, Op op, Node a, Node b, String why) {
        return new GraphException("shape mismatch at node %" + name + " (" + op.textName() + "): %" + a.name() + " "
                + a.shape() + " and %" + b.name() + " " + b.shape() + (why.isEmpty() ? "" : " (" + why + ")"));
    }

    private static Shape matmul(String name, Node a, Node b, boolean transposeB) {
        floatOperand(name, Op.MATMUL, a);
        floatOperand(name, Op.MATMUL, b);
        Shape sa = a.shape();
        Shape sb = b.shape();
        if (sb.rank() != 2 || sb.hasBatch() || sb.dims().contains(Dim.T) || sa.rank() < 1) {
            throw mismatch(name, Op.MATMUL, a, b, "the right operand must be a fixed-size matrix");
        }
        Dim k = transposeB ? sb.dim(1) : sb.dim(0);
        Dim n = transposeB ? sb.dim(0) : sb.dim(1);
        if (!sa.dim(-1).equals(k)) {
            throw mismatch(name, Op.MATMUL, a, b, "inner sizes " + sa.dim(-1) + " and " + k
                    + (transposeB ? ", right operand transposed" : ""));
        }
        return sa.withLast(n);
    }

    /** NumPy broadcasting over trailing axes: sizes equal, or one of them 1. */
    private static Shape broadcast(String name, Op op, Node a, Node b) {
        floatOperand(name, op, a);
        floatOperand(name, op, b);
        List<Dim> da = a.shape().dims();
        List<Dim> db = b.shape().dims();
        int rank = Math.max(da.size(), db.size());
        List<Dim> out = new ArrayList<>();
        for (int i = 0; i < rank; i++) {
            Dim x = i < rank - da.size() ? null : da.get(i - (rank - da.size()));
            Dim y = i < rank - db.size() ? null : db.get(i - (rank - db.size()));
            if (x == null) {
                out.add(y);
            } else if (y == null || x.equals(y) || y.equals(Dim.of(1))) {
                out.add(x);
            } else if (x.equals(Dim.of(1))) {
                out.add(y);
            } else {
                throw mismatch(name, op, a, b, "");
            }
        }
        return new Shape(out);
    }

    private static Shape concat(String name, List<Node> operands) {
        Node first = floatOperand(name, Op.CONCAT, operands.get(0));
        int total = 0;
        for (Node o : operands) {
            floatOperand(name, Op.CONCAT, o);
            if (o.shape().rank() != first.shape().rank()
                    || !o.shape().dropLast().equals(first.shape().dropLast()) || o.shape().features() < 0) {
                throw mismatch(name, Op.CONCAT, first, o, "all but the last axis must agree");
            }
            total += o.shape().features();
        }
        return first.shape().withLast(Dim.of(total));
    }

    private static Shape slice(String name, Node a, Attrs attrs) {
        floatOperand(name, Op.SLICE, a);
        int start = attrs.getInt("start");
        int end = attrs.getInt("end");
        int f = a.shape().features();
        if (a.shape().rank() == 0 || start < 0 || end <= start || end > f) {
            throw new GraphException("node %" + name + " (slice) takes [" + start + ", " + end + ") of %" + a.name()
                    + " " + a.shape() + ", which has " + f + " features");
        }
        return a.shape().withLast(Dim.of(end - start));
    }

    private static Shape select(String name, Node a, Attrs attrs) {
        int index = attrs.getInt("index");
        Shape s = a.shape();
        if (s.rank() == 0 || s.dim(0).isSymbolic() || index < 0 || index >= s.dim(0).size()) {
            throw new GraphException("node %" + name + " (select) takes entry " + index + " of the first axis of %"
                    + a.name() + " " + s);
        }
        if (a.isPerStep()) {
            throw new GraphException("node %" + name + " (select) works on static values; %" + a.name()
                    + " is per-step");
        }
        return s.dropFirst();
    }

    private static Shape pack(String name, List<Node> operands) {
        Node first = operands.get(0);
        for (Node o : operands) {
            floatOperand(name, Op.PACK, o);
            if (!o.shape().equals(first.shape())) {
                throw mismatch(name, Op.PACK, first, o, "packed values must have one shape");
            }
            if (o.isPerStep()) {
                throw new GraphException("node %" + name + " (pack) works on static values; %" + o.name()
                        + " is per-step");
            }
        }
        return first.shape().prepend(Dim.of(operands.size()));
    }

    private static Shape embedding(String name, Node ids, Node table) {
        if (ids.dtype() != DType.I32) {
            throw new GraphException("node %" + name + " (embedding) needs i32 ids, but %" + ids.name() + " is "
                    + ids.dtype().textName());
        }
        floatOperand(name, Op.EMBEDDING, table);
        if (table.shape().rank() != 2 || table.shape().dims().stream().anyMatch(Dim::isSymbolic)) {
            throw mismatch(name, Op.EMBEDDING, ids, table, "the table must be a fixed [V, E] matrix");
        }
        return ids.shape().append(table.shape().dim(1));
    }

    private static Shape crossEntropy(String name, List<Node> operands) {
        Node logits = floatOperand(name, Op.CROSS_ENTROPY, operands.get(0));
        Node targets = operands.get(1);
        if (targets.dtype() != DType.I32) {
            throw new GraphException("node %" + name + " (cross_entropy) needs i32 targets, but %" + targets.name()
                    + " is " + targets.dtype().textName());
        }
        if (logits.shape().rank() == 0 || !logits.shape().dropLast().equals(targets.shape())) {
            throw mismatch(name, Op.CROSS_ENTROPY, logits, targets, "targets have the logits' shape without its last axis");
        }
        if (operands.size() == 3) {
            Node mask = floatOperand(name, Op.CROSS_ENTROPY, operands.get(2));
            if (!mask.shape().equals(targets.shape())) {
                throw mismatch(name, Op.CROSS_ENTROPY, targets, mask, "the mask has the targets' shape");
            }
        }
        return targets.shape();
    }
    private static Node staticOperand(String name, Op op, Node o) {
        if (o.isPerStep()) {
            throw new GraphException("node %" + name + " (" + op.textName() + ") works on static values; %" + o.name()
                    + " is per-step" + (op == Op.MATMUL_TN || op == Op.SCATTER_ADD ? " (stack_time it first)" : ""));
        }
        return o;
    }

    private static Shape sumAxis(String name, Node a, Attrs attrs) {
        floatOperand(name, Op.SUM_AXIS, a);
        int axis = attrs.getInt("axis");
        Shape s = a.shape();
        if (axis < 0 || axis >= s.rank() || s.dim(axis).isSymbolic()) {
            throw new GraphException("node %" + name + " (sum_axis) sums axis " + axis + " of %" + a.name() + " " + s
                    + ": it must be a fixed-size axis (sum_batch and sum_time sum over B and T)");
        }
        List<Dim> d = new ArrayList<>(s.dims());
        d.set(axis, Dim.of(1));
        return new Shape(d);
    }

    private static Shape sumBatch(String name, Node a) {
        staticOperand(name, Op.SUM_BATCH, floatOperand(name, Op.SUM_BATCH, a));
        if (!a.shape().hasBatch()) {
            throw new GraphException("node %" + name + " (sum_batch) needs a value with a B axis, but %" + a.name()
                    + " is " + a.shape());
        }
        List<Dim> d = new ArrayList<>(a.shape().dims());
        d.remove(a.shape().batchAxis());
        return new Shape(d);
    }

    private static Shape broadcastBatch(String name, Node a, Attrs attrs) {
        staticOperand(name, Op.BROADCAST_BATCH, floatOperand(name, Op.BROADCAST_BATCH, a));
        int axis = Math.toIntExact(attrs.getLong("axis", 0));
        if (a.shape().hasBatch() || a.shape().dims().contains(Dim.T) || axis < 0 || axis > a.shape().rank()) {
            throw new GraphException("node %" + name + " (broadcast_batch) inserts B at position " + axis + " of %"
                    + a.name() + " " + a.shape() + ", which must have fixed sizes only");
        }
        List<Dim> d = new ArrayList<>(a.shape().dims());
        d.add(axis, Dim.B);
        return new Shape(d);
    }

    private static Shape broadcastTime(String name, Node a) {
        staticOperand(name, Op.BROADCAST_TIME, floatOperand(name, Op.BROADCAST_TIME, a));
        Shape s = a.shape();
        if (s.rank() == 0 || !s.dim(0).equals(Dim.B) || s.dims().contains(Dim.T)) {
            throw new GraphException("node %" + name + " (broadcast_time) needs a static [B, ...] value, but %"
                    + a.name() + " is " + s);
        }
        return s;
    }

    private static Shape unstackTime(String name, Node a) {
        staticOperand(name, Op.UNSTACK_TIME, floatOperand(name, Op.UNSTACK_TIME, a));
        Shape s = a.shape();
        if (s.rank() < 2 || !s.dim(0).equals(Dim.T) || !s.dim(1).equals(Dim.B)) {
            throw new GraphException("node %" + name + " (unstack_time) needs a static [T, B, ...] value, but %"
                    + a.name() + " is " + s);
        }
        return s.dropFirst();
    }

    private static Shape matmulTn(String name, Node a, Node b) {
        staticOperand(name, Op.MATMUL_TN, floatOperand(name, Op.MATMUL_TN, a));
        staticOperand(name, Op.MATMUL_TN, floatOperand(name, Op.MATMUL_TN, b));
        Shape sa = a.shape();
        Shape sb = b.shape();
        if (sa.rank() == 0 || sb.rank() == 0 || !sa.dropLast().equals(sb.dropLast()) || sa.features() < 0
                || sb.features() < 0) {
            throw mismatch(name, Op.MATMUL_TN, a, b, "all but the last axis must agree, the last ones fixed");
        }
        return Shape.of(sa.dim(-1), sb.dim(-1));
    }

    private static Shape scatterAdd(String name, Node ids, Node values, Attrs attrs) {
        staticOperand(name, Op.SCATTER_ADD, ids);
        staticOperand(name, Op.SCATTER_ADD, floatOperand(name, Op.SCATTER_ADD, values));
        if (ids.dtype() != DType.I32) {
            throw new GraphException("node %" + name + " (scatter_add) needs i32 ids, but %" + ids.name() + " is "
                    + ids.dtype().textName());
        }
        int rows = attrs.getInt("rows");
        if (values.shape().rank() == 0 || !values.shape().dropLast().equals(ids.shape())
                || values.shape().features() < 0 || rows < 1) {
            throw mismatch(name, Op.SCATTER_ADD, ids, values, "values have the ids' shape plus a fixed last axis, and "
                    + "rows (" + rows + ") is at least 1");
        }
        return Shape.of(Dim.of(rows), values.shape().dim(-1));
    }

    private static Shape crossEntropyGrad(String name, List<Node> operands) {
        Node logits = floatOperand(name, Op.CROSS_ENTROPY_GRAD, operands.get(0));
        Node targets = operands.get(1);
        Node g = floatOperand(name, Op.CROSS_ENTROPY_GRAD, operands.get(2));
        if (targets.dtype() != DType.I32) {
            throw new GraphException("node %" + name + " (cross_entropy_grad) needs i32 targets, but %"
                    + targets.name() + " is " + targets.dtype().textName());
        }
        if (logits.shape().rank() == 0 || !logits.shape().dropLast().equals(targets.shape())
                || !g.shape().equals(targets.shape())) {
            throw mismatch(name, Op.CROSS_ENTROPY_GRAD, logits, g,
                    "targets and g have the logits' shape without its last axis");
        }
        return logits.shape();
    }
}
