package io.recurflow.passes;

import io.recurflow.ir.Attrs;
import io.recurflow.ir.DType;
import io.recurflow.ir.Graph;
import io.recurflow.ir.GraphException;
import io.recurflow.ir.Node;
import io.recurflow.ir.Op;
import io.recurflow.ir.Operand;
import io.recurflow.ir.Shape;
import io.recurflow.ir.TypeRules;
import io.recurflow.ir.Verifier;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A graph under construction by a pass: starts as a copy of an existing graph (same ids, same
 * names) and appends typed nodes. A node may be read before it is defined through a typed
 * placeholder, which {@link #define} later resolves, so a pass can build cycles; {@link #build}
 * drops the placeholders and renumbers.
 */
final class Emitter {
    private static final class Slot {
        String name;
        final Op op;
        final List<Operand> operands;
        final Attrs attrs;
        final TypeRules.Type type;
        final boolean placeholder;
        /** An automatically named node that a placeholder may still give its own name. */
        boolean renamable;
        int alias = -1;

        Slot(String name, Op op, List<Operand> operands, Attrs attrs, TypeRules.Type type, boolean placeholder) {
            this.name = name;
            this.op = op;
            this.operands = operands;
            this.attrs = attrs;
            this.type = type;
            this.placeholder = placeholder;
        }
    }

    private final List<Slot> slots = new ArrayList<>();
    private final Set<String> taken = new HashSet<>();
    private final Map<List<Object>, Integer> existing = new HashMap<>();
    private String scope = "";
    private int counter;

    Emitter(Graph base) {
        for (Node n : base.nodes()) {
            slots.add(new Slot(n.name(), n.op(), n.operands(), n.attrs(), new TypeRules.Type(n.dtype(), n.shape(),
                    n.axis()), false));
            taken.add(n.name());
        }
    }

    /** Keeps {@code name} from automatic naming; throws if a node already has it. */
    void reserve(String name) {
        if (!taken.add(name)) {
            throw new GraphException("the graph already has a node named %" + name);
        }
    }

    /** Automatically named nodes are called {@code prefix/op_N} from now on. */
    void scope(String prefix) {
        scope = prefix;
    }

    String scope() {
        return scope;
    }

    TypeRules.Type type(int slot) {
        return slots.get(slot).type;
    }

    /**
     * A node reading the given operands (slot ids), its type inferred, auto-named in the current
     * scope; a placeholder defined by it gives it its own name.
     */
    int add(Op op, Attrs attrs, Operand... operands) {
        List<Operand> canonical = new ArrayList<>();
        for (Operand o : operands) {
            canonical.add(new Operand(resolved(o.source()), o.delay(), o.hasInit() ? resolved(o.init()) : Operand.ZEROS));
        }
        // the same op on the same values is the same node: gradients share a lot (a matmul's stacked inputs, say)
        List<Object> key = List.of(op, attrs, canonical);
        Integer same = existing.get(key);
        if (same != null) {
            return same;
        }
        List<Node> nodes = new ArrayList<>();
        List<Integer> delays = new ArrayList<>();
        for (Operand o : operands) {
            nodes.add(asNode(o.source()));
            delays.add(o.delay());
        }
        String name = autoName(op);
        TypeRules.Type t = TypeRules.infer(name, op, nodes, delays, attrs, null);
        Slot s = new Slot(name, op, List.of(operands), attrs, t, false);
        s.renamable = true;
        int slot = append(s);
        existing.put(key, slot);
        return slot;
    }

    /** A constant f32 node of fixed {@code shape}, every element {@code value}. */
    int constant(double value, Shape shape) {
        String name = autoName(Op.CONST);
        Attrs attrs = Attrs.of("value", value);
        TypeRules.Type t = TypeRules.infer(name, Op.CONST, List.of(), List.of(), attrs,
                new TypeRules.Type(DType.F32, shape, null));
        return append(new Slot(name, Op.CONST, List.of(), attrs, t, false));
    }

    /** A reserved name standing for a node of type {@code type} that {@link #define} supplies later. */
    int placeholder(String name, TypeRules.Type type) {
        return append(new Slot(name, null, List.of(), Attrs.EMPTY, type, true));
    }

    /**
     * Makes {@code value} the placeholder's node. A fresh automatically named node takes the
     * placeholder's name. Any other (a graph node, a shared node, another placeholder) has a name
     * already: with {@code ownNode} the placeholder gets a named copy, else it just stands for that
     * node and its own name goes unused.
     */
    void define(int placeholder, int value, boolean ownNode) {
        Slot ph = slots.get(placeholder);
        if (!ph.placeholder || ph.alias >= 0) {
            throw new IllegalStateException("%" + ph.name + " is not an open placeholder");
        }
        if (!type(value).equals(ph.type)) {
            throw new IllegalStateException("%" + ph.name + " is " + Verifier.describe(ph.type) + " but its definition %"
                    + slots.get(value).name + " is " + Verifier.describe(type(value)));
        }
        Slot v = slots.get(value);
        if (!v.renamable && !ownNode) {
            ph.alias = value;
            return;
        }
        int target = value;
        if (!v.renamable) {
            target = add(Op.CONCAT, Attrs.EMPTY, Operand.of(value)); // one operand: the identity
        }
        Slot t = slots.get(target);
        t.name = ph.name;
        t.renamable = false;
        ph.alias = target;
    }

    /** The finished graph: placeholders resolved, nodes renumbered in creation order, verified. */
    Graph build(String graphName, List<Integer> outputSlots) {
        int[] id = new int[slots.size()];
        int next = 0;
        for (int i = 0; i < slots.size(); i++) {
            Slot s = slots.get(i);
            if (s.placeholder) {
                if (s.alias < 0) {
                    throw new IllegalStateException("placeholder %" + s.name + " was never defined");
                }
                id[i] = -1;
            } else {
                id[i] = next++;
            }
        }
        List<Node> nodes = new ArrayList<>();
        for (int i = 0; i < slots.size(); i++) {
            Slot s = slots.get(i);
            if (s.placeholder) {
                continue;
            }
            List<Operand> ops = new ArrayList<>();
            for (Operand o : s.operands) {
                int init = o.hasInit() ? id[resolve(o.init())] : Operand.ZEROS;
                ops.add(new Operand(id[resolve(o.source())], o.delay(), init));
            }
            nodes.add(new Node(id[i], s.name, s.op, ops, s.attrs, s.type.dtype(), s.type.shape(), s.type.axis()));
        }
        List<Integer> outs = new ArrayList<>();
        for (int o : outputSlots) {
            outs.add(id[resolve(o)]);
        }
        return Verifier.verify(new Graph(graphName, nodes, outs));
    }

    /** The node a slot stands for so far: its placeholder's definition where there is one yet. */
    private int resolved(int slot) {
        int s = slot;
        while (slots.get(s).placeholder && slots.get(s).alias >= 0) {
            s = slots.get(s).alias;
        }
        return s;
    }

    private int resolve(int slot) {
        int s = slot;
        while (slots.get(s).placeholder) {
            s = slots.get(s).alias;
        }
        return s;
    }

    private Node asNode(int slot) {
        Slot s = slots.get(slot);
        TypeRules.Type t = s.type;
        return new Node(slot, s.name, s.op == null ? Op.INPUT : s.op, List.of(), s.attrs, t.dtype(), t.shape(), t.axis());
    }

    private int append(Slot s) {
        slots.add(s);
        return slots.size() - 1;
    }

    private String autoName(Op op) {
        String base = (scope.isEmpty() ? "" : scope + "/") + op.textName() + "_";
        String n;
        do {
            n = base + counter++;
        } while (!taken.add(n));
        return n;
    }

    /** Keeps a shared node (a cached constant, say) from being renamed by a placeholder. */
    int pin(int slot) {
        slots.get(slot).renamable = false;
        return slot;
    }
}
