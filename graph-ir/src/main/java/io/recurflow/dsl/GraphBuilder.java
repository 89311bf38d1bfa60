package io.recurflow.dsl;

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
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The mutable DSL for building a {@link Graph}: each method adds a node and returns its
 * {@link Value}; types are inferred as nodes are added, so a shape error names the nodes at once.
 * {@link #build()} returns the immutable, verified graph.
 */
public final class GraphBuilder {
    static final class Spec {
        String name;
        final Op op;
        final List<Arg> args;
        final Attrs attrs;
        final DType dtype;
        final Shape shape;
        final String axis;
        final boolean placeholder;
        Value definition;

        Spec(String name, Op op, List<Arg> args, Attrs attrs, TypeRules.Type type, boolean placeholder) {
            this.name = name;
            this.op = op;
            this.args = args;
            this.attrs = attrs;
            this.dtype = type.dtype();
            this.shape = type.shape();
            this.axis = type.axis();
            this.placeholder = placeholder;
        }
    }

    private final String graphName;
    private final List<Spec> specs = new ArrayList<>();
    private final Set<String> names = new HashSet<>();
    private final List<Value> outputs = new ArrayList<>();
    private final Deque<String> scopes = new ArrayDeque<>();
    private int counter;
    private boolean built;

    public GraphBuilder(String graphName) {
        this.graphName = graphName;
    }

    Spec spec(Value v) {
        return specs.get(v.id);
    }

    // ---- sources --------------------------------------------------------------------------------

    /** A per-step f32 input of shape [B, features...] on time axis t. */
    public Value input(String name, int... features) {
        return input(name, DType.F32, Shape.batch(features), Node.DEFAULT_AXIS);
    }

    /** A per-step i32 input of shape [B] (token ids or targets) on time axis t. */
    public Value inputIds(String name) {
        return input(name, DType.I32, Shape.batch(), Node.DEFAULT_AXIS);
    }

    public Value input(String name, DType dtype, Shape shape, String axis) {
        return source(name, Op.INPUT, Attrs.EMPTY, new TypeRules.Type(dtype, shape, axis));
    }

    /** A static input (one value per run, per sequence when {@code shape} has B), e.g. an initial state. */
    public Value staticInput(String name, Shape shape) {
        return source(name, Op.STATIC_INPUT, Attrs.EMPTY, new TypeRules.Type(DType.F32, shape, null));
    }

    public Value staticIds(String name, Shape shape) {
        return source(name, Op.STATIC_INPUT, Attrs.EMPTY, new TypeRules.Type(DType.I32, shape, null));
    }

    /** A trainable parameter with fixed sizes; its name is the one weights files use. */
    public Value param(String name, int... sizes) {
        return source(name, Op.PARAM, Attrs.EMPTY, new TypeRules.Type(DType.F32, Shape.fixed(sizes), null));
    }

    /** A constant of the given sizes, every element {@code value}. */
    public Value constant(double value, int... sizes) {
        return source(autoName(Op.CONST), Op.CONST, Attrs.of("value", value),
                new TypeRules.Type(DType.F32, Shape.fixed(sizes), null));
    }

    /** A per-step value read before it is defined (see {@link Recurrent}); its shape starts with B. */
    public Recurrent recurrent(String name, int... features) {
        return recurrent(name, Shape.batch(features), Node.DEFAULT_AXIS);
    }

    public Recurrent recurrent(String name, Shape shape, String axis) {
        checkOpen();
        claim(name);
        specs.add(new Spec(name, null, List.of(), Attrs.EMPTY, new TypeRules.Type(DType.F32, shape, axis), true));
        return new Recurrent(this, specs.size() - 1);
    }

    private Value source(String name, Op op, Attrs attrs, TypeRules.Type type) {
        checkOpen();
        TypeRules.infer(name, op, List.of(), List.of(), attrs, type);
        claim(name);
        specs.add(new Spec(name, op, List.of(), attrs, type, false));
        return new Value(this, specs.size() - 1);
    }

    // ---- ops ------------------------------------------------------------------------------------

    /** a × b, with b [K, N]. */
    public Value matmul(Arg a, Arg b) {
        return op(Op.MATMUL, Attrs.EMPTY, a, b);
    }

    /** a × bᵀ, with b [N, K]: PyTorch's weight layout. */
    public Value matmulT(Arg a, Arg b) {
        return op(Op.MATMUL, Attrs.of("transpose_b", true), a, b);
    }

    public Value add(Arg a, Arg b) {
        return op(Op.ADD, Attrs.EMPTY, a, b);
    }

    public Value sub(Arg a, Arg b) {
        return op(Op.SUB, Attrs.EMPTY, a, b);
    }

    public Value mul(Arg a, Arg b) {
        return op(Op.MUL, Attrs.EMPTY, a, b);
    }

    public Value div(Arg a, Arg b) {
        return op(Op.DIV, Attrs.EMPTY, a, b);
    }

    public Value neg(Arg a) {
        return op(Op.NEG, Attrs.EMPTY, a);
    }

    public Value sigmoid(Arg a) {
        return op(Op.SIGMOID, Attrs.EMPTY, a);
    }

    public Value tanh(Arg a) {
        return op(Op.TANH, Attrs.EMPTY, a);
    }

    public Value relu(Arg a) {
        return op(Op.RELU, Attrs.EMPTY, a);
    }

    public Value exp(Arg a) {
        return op(Op.EXP, Attrs.EMPTY, a);
    }

    public Value log(Arg a) {
        return op(Op.LOG, Attrs.EMPTY, a);
    }

    /** 1 where a > 0, else 0. */
    public Value step(Arg a) {
        return op(Op.STEP, Attrs.EMPTY, a);
    }

    public Value concat(Arg... parts) {
        return op(Op.CONCAT, Attrs.EMPTY, parts);
    }

    /** Features [start, end) of the last axis. */
    public Value slice(Arg a, int start, int end) {
        return op(Op.SLICE, Attrs.of("start", start, "end", end), a);
    }

    /** Entry {@code index} of the first axis of a static value. */
    public Value select(Arg a, int index) {
        return op(Op.SELECT, Attrs.of("index", index), a);
    }

    /** Static values stacked along a new first axis. */
    public Value pack(Arg... parts) {
        return op(Op.PACK, Attrs.EMPTY, parts);
    }

    public Value embedding(Arg ids, Arg table) {
        return op(Op.EMBEDDING, Attrs.EMPTY, ids, table);
    }

    public Value softmax(Arg a) {
        return op(Op.SOFTMAX, Attrs.EMPTY, a);
    }

    public Value logSoftmax(Arg a) {
        return op(Op.LOG_SOFTMAX, Attrs.EMPTY, a);
    }

    public Value crossEntropy(Arg logits, Arg targets) {
        return op(Op.CROSS_ENTROPY, Attrs.EMPTY, logits, targets);
    }

    public Value crossEntropy(Arg logits, Arg targets, Arg mask) {
        return op(Op.CROSS_ENTROPY, Attrs.EMPTY, logits, targets, mask);
    }

    public Value sumTime(Arg a) {
        return op(Op.SUM_TIME, Attrs.EMPTY, a);
    }

    public Value lastStep(Arg a) {
        return op(Op.LAST_STEP, Attrs.EMPTY, a);
    }

    public Value firstStep(Arg a) {
        return op(Op.FIRST_STEP, Attrs.EMPTY, a);
    }

    public Value stackTime(Arg a) {
        return op(Op.STACK_TIME, Attrs.EMPTY, a);
    }

    /** Sum over fixed-size axis {@code axis}, kept with size 1 (e.g. the last axis of [B, F] → [B, 1]). */
    public Value sumAxis(Arg a, int axis) {
        return op(Op.SUM_AXIS, Attrs.of("axis", axis), a);
    }

    /** Sum over the batch's sequences of a static value: [.., B, ..] → [.., ..], e.g. a loss per run. */
    public Value sumBatch(Arg a) {
        return op(Op.SUM_BATCH, Attrs.EMPTY, a);
    }

    /** Adds a node of any op; the typed methods above are shorthands for this. */
    public Value op(Op op, Attrs attrs, Arg... args) {
        checkOpen();
        if (op.isSource()) {
            throw new IllegalArgumentException(op + " is a source: use input, staticInput, param or constant");
        }
        List<Node> operands = new ArrayList<>();
        List<Integer> delays = new ArrayList<>();
        for (Arg a : args) {
            if (a.value().builder != this) {
                throw new IllegalArgumentException("%" + a.value().name() + " belongs to another graph builder");
            }
            operands.add(asNode(a.value()));
            delays.add(a.delay());
        }
        String name = autoName(op);
        TypeRules.Type type = TypeRules.infer(name, op, operands, delays, attrs, null);
        claim(name);
        specs.add(new Spec(name, op, List.of(args), attrs, type, false));
        return new Value(this, specs.size() - 1);
    }

    private Node asNode(Value v) {
        Spec s = spec(v);
        return new Node(v.id, s.name, s.op == null ? Op.INPUT : s.op, List.of(), s.attrs, s.dtype, s.shape, s.axis);
    }

    // ---- naming, scopes, outputs ----------------------------------------------------------------

    /**
     * Opens a naming scope: until it is closed, automatically named nodes are called
     * {@code prefix.op_N}. Use with try-with-resources.
     */
    public Scope scope(String prefix) {
        scopes.push(scopes.isEmpty() ? prefix : scopes.peek() + "." + prefix);
        return scopes::pop;
    }

    /** A name inside the current scope: {@code scope.local}. */
    public String scoped(String local) {
        return scopes.isEmpty() ? local : scopes.peek() + "." + local;
    }

    /** A closable naming scope. */
    public interface Scope extends AutoCloseable {
        @Override
        void close();
    }

    /** Marks values as outputs of the graph, in order. */
    public GraphBuilder output(Value... values) {
        for (Value v : values) {
            outputs.add(v);
        }
        return this;
    }

    /** Names {@code v} and marks it as an output. */
    public Value output(String name, Value v) {
        v.named(name);
        outputs.add(v);
        return v;
    }

    private String autoName(Op op) {
        String base = scopes.isEmpty() ? op.textName() : scopes.peek() + "." + op.textName();
        String n;
        do {
            n = base + "_" + counter++;
        } while (names.contains(n));
        return n;
    }

    private void claim(String name) {
        if (name == null || !name.matches("[A-Za-z_][A-Za-z0-9_./]*")) {
            throw new GraphException("bad node name '" + name + "': use letters, digits, '_', '.' and '/'");
        }
        if (!names.add(name)) {
            throw new GraphException("two nodes are named %" + name);
        }
    }

    void rename(Value v, String name) {
        checkOpen();
        Spec s = spec(v);
        if (s.name.equals(name)) {
            return;
        }
        claim(name);
        names.remove(s.name);
        // a recurrence and its definition are one node: they share one name
        Spec twin = s.placeholder ? (s.definition == null ? null : spec(s.definition)) : placeholderOf(v);
        s.name = name;
        if (twin != null) {
            twin.name = name;
        }
    }

    private Spec placeholderOf(Value definition) {
        for (Spec other : specs) {
            if (other.placeholder && other.definition != null && other.definition.id == definition.id) {
                return other;
            }
        }
        return null;
    }

    void define(Recurrent r, Value definition) {
        checkOpen();
        Spec ph = spec(r);
        if (ph.definition != null) {
            throw new GraphException("recurrent %" + ph.name + " is defined twice");
        }
        Spec d = spec(definition);
        if (d.placeholder || d.op.isSource()) {
            throw new GraphException("recurrent %" + ph.name + " must be defined by a computed node, not %" + d.name);
        }
        if (!d.shape.equals(ph.shape) || d.dtype != ph.dtype || !ph.axis.equals(d.axis)) {
            throw new GraphException("shape mismatch: recurrent %" + ph.name + " is declared " + ph.dtype.textName()
                    + ph.shape + " @" + ph.axis + " but defined by %" + d.name + " " + d.dtype.textName() + d.shape
                    + (d.axis == null ? " (static)" : " @" + d.axis));
        }
        for (Spec other : specs) {
            if (other.definition == definition) {
                throw new GraphException("%" + d.name + " already defines recurrent %" + other.name);
            }
        }
        ph.definition = definition;
        names.remove(d.name);
        d.name = ph.name;
    }

    private void checkOpen() {
        if (built) {
            throw new IllegalStateException("this builder has already built its graph");
        }
    }

    /** The immutable graph, verified; the builder cannot be used afterwards. */
    public Graph build() {
        checkOpen();
        int[] nodeId = new int[specs.size()];
        List<Spec> kept = new ArrayList<>();
        for (int i = 0; i < specs.size(); i++) {
            Spec s = specs.get(i);
            if (s.placeholder) {
                if (s.definition == null) {
                    throw new GraphException("recurrent %" + s.name + " is declared but never defined");
                }
                nodeId[i] = -1;
            } else {
                nodeId[i] = kept.size();
                kept.add(s);
            }
        }
        List<Node> nodes = new ArrayList<>();
        for (Spec s : kept) {
            List<Operand> ops = new ArrayList<>();
            for (Arg a : s.args) {
                int init = a.init() == null ? Operand.ZEROS : resolve(a.init(), nodeId);
                ops.add(new Operand(resolve(a.value(), nodeId), a.delay(), init));
            }
            nodes.add(new Node(nodes.size(), s.name, s.op, ops, s.attrs, s.dtype, s.shape, s.axis));
        }
        List<Integer> outs = new ArrayList<>();
        for (Value v : outputs) {
            outs.add(resolve(v, nodeId));
        }
        built = true;
        return Verifier.verify(new Graph(graphName, nodes, outs));
    }

    private int resolve(Value v, int[] nodeId) {
        Spec s = spec(v);
        return s.placeholder ? nodeId[s.definition.id] : nodeId[v.id];
    }

    /** Shorthand for the batch symbol in shapes passed to this builder. */
    public static Shape shape(Object... dims) {
        List<Dim> d = new ArrayList<>();
        for (Object o : dims) {
            if (o instanceof Dim dim) {
                d.add(dim);
            } else if (o instanceof Integer i) {
                d.add(Dim.of(i));
            } else {
                throw new IllegalArgumentException("dimension " + o);
            }
        }
        return new Shape(d);
    }
}
