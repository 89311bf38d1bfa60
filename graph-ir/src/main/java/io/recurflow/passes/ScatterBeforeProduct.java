package io.recurflow.passes;

import io.recurflow.ir.Graph;
import io.recurflow.ir.Node;
import io.recurflow.ir.Op;
import io.recurflow.ir.Operand;
import io.recurflow.ir.TypeRules;
import io.recurflow.ir.Verifier;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Sums rows by id before a product instead of after it:
 * {@code scatter_add(ids, stack_time(matmul(x, w)))} becomes
 * {@code matmul(scatter_add(ids, stack_time(x)), w)}, equal since the product is linear in its rows.
 * The embedding gradient of a language model has this form (the gate gradients times the input
 * weights, summed into the table rows of the characters read): the product then has one row per
 * table row instead of one per step and sequence. Applies where the product and its stack have no
 * other reader and are not outputs; the result keeps the scatter's name.
 */
public final class ScatterBeforeProduct {
    private ScatterBeforeProduct() {
    }

    /** The graph with every such scatter-add rewritten (the graph itself when there is none). */
    public static Graph rewrite(Graph g) {
        for (Node c : g.nodesOf(Op.SCATTER_ADD)) {
            Node s = g.node(c.operand(1).source());
            if (s.op() != Op.STACK_TIME || !plain(c.operand(1)) || !soleReader(g, s.id(), c.id())) {
                continue;
            }
            Node m = g.node(s.operand(0).source());
            if (m.op() != Op.MATMUL || !m.isPerStep() || !plain(s.operand(0)) || !plain(m.operand(0))
                    || !plain(m.operand(1)) || !soleReader(g, m.id(), s.id())) {
                continue;
            }
            return rewrite(apply(g, c, s, m));
        }
        return g;
    }

    private static boolean plain(Operand o) {
        return o.delay() == 0 && !o.hasInit();
    }

    /** Whether {@code reader} is the only node reading {@code node}, and {@code node} is not an output. */
    private static boolean soleReader(Graph g, int node, int reader) {
        if (g.outputs().contains(node)) {
            return false;
        }
        for (Node n : g.nodes()) {
            for (Operand o : n.operands()) {
                if ((o.source() == node || o.hasInit() && o.init() == node) && n.id() != reader) {
                    return false;
                }
            }
        }
        return true;
    }

    /** Drops the product, stacks its left operand, scatters that, and multiplies the sums under the scatter's name. */
    private static Graph apply(Graph g, Node c, Node s, Node m) {
        // new ids first: delayed operands may name nodes further down the list
        Map<Integer, Integer> id = new HashMap<>();
        int next = 0;
        for (Node n : g.nodes()) {
            if (n.id() == m.id()) {
                continue;
            }
            next += n.id() == c.id() ? 2 : 1;
            id.put(n.id(), next - 1);
        }
        List<Node> out = new ArrayList<>();
        for (Node n : g.nodes()) {
            if (n.id() == m.id()) {
                continue;
            }
            List<Operand> ops = new ArrayList<>();
            for (Operand o : n.id() == s.id() ? List.<Operand>of() : n.operands()) {
                ops.add(o.withSource(id.get(o.source()), o.hasInit() ? id.get(o.init()) : o.init()));
            }
            if (n.id() == s.id()) {
                Operand x = Operand.of(id.get(m.operand(0).source()));
                out.add(typed(out, s.name(), Op.STACK_TIME, List.of(x), s));
            } else if (n.id() == c.id()) {
                int sums = out.size();
                out.add(typed(out, c.name() + "/by_id", Op.SCATTER_ADD, ops, c));
                Operand w = Operand.of(id.get(m.operand(1).source()));
                out.add(typed(out, c.name(), Op.MATMUL, List.of(Operand.of(sums), w), m));
            } else {
                out.add(new Node(out.size(), n.name(), n.op(), ops, n.attrs(), n.dtype(), n.shape(), n.axis()));
            }
        }
        List<Integer> outputs = new ArrayList<>();
        for (int o : g.outputs()) {
            outputs.add(id.get(o));
        }
        return Verifier.verify(g.replace(out, outputs));
    }

    /** The next node of {@code nodes}: {@code op(operands)} with {@code like}'s attributes, its type inferred. */
    private static Node typed(List<Node> nodes, String name, Op op, List<Operand> operands, Node like) {
        List<Node> in = new ArrayList<>();
        List<Integer> delays = new ArrayList<>();
        for (Operand o : operands) {
            in.add(nodes.get(o.source()));
            delays.add(o.delay());
        }
        TypeRules.Type t = TypeRules.infer(name, op, in, delays, like.attrs(), null);
        return new Node(nodes.size(), name, op, operands, like.attrs(), t.dtype(), t.shape(), t.axis());
    }
}
