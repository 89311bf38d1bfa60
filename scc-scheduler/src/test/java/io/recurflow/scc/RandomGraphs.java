package io.recurflow.scc;

import io.recurflow.ir.DType;
import io.recurflow.ir.Graph;
import io.recurflow.ir.Node;
import io.recurflow.ir.Op;
import io.recurflow.ir.Operand;
import io.recurflow.ir.Shape;
import io.recurflow.ir.Verifier;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Random valid generalized recurrent graphs: per-step inputs [B, 4], a parameter, a static initial
 * state, computed nodes (add, sub, mul, tanh, sigmoid) reading earlier nodes at the same step or any
 * per-step node with a delay whose sign is the reading node's direction group, then time reductions
 * and a node reading one. Candidates the {@link Verifier} rejects (mixed or instant cycles) are
 * dropped and the next one drawn from the same random stream. Shared with the cross-module tests
 * through this module's test jar.
 */
public final class RandomGraphs {
    private static final Op[] BINARY = {Op.ADD, Op.SUB, Op.MUL};
    private static final Op[] UNARY = {Op.TANH, Op.SIGMOID};
    private static final Op[] REDUCTIONS = {Op.SUM_TIME, Op.LAST_STEP, Op.FIRST_STEP};

    private RandomGraphs() {
    }

    /** A valid graph drawn from {@code seed}; the same seed gives the same graph. */
    public static Graph generate(long seed) {
        Random rnd = new Random(seed);
        for (int attempt = 0; attempt < 10_000; attempt++) {
            Graph g = candidate(rnd, "random_" + seed);
            if (Verifier.problems(g).isEmpty()) {
                return g;
            }
        }
        throw new IllegalStateException("no valid graph from seed " + seed);
    }

    private static Node node(List<Node> nodes, Op op, String axis, Operand... operands) {
        Node n = new Node(nodes.size(), "n" + nodes.size(), op, List.of(operands), null, DType.F32, Shape.batch(4),
                axis);
        nodes.add(n);
        return n;
    }

    private static Graph candidate(Random rnd, String name) {
        List<Node> nodes = new ArrayList<>();
        List<Integer> perStep = new ArrayList<>();
        int inputs = 1 + rnd.nextInt(3);
        for (int i = 0; i < inputs; i++) {
            perStep.add(node(nodes, Op.INPUT, Node.DEFAULT_AXIS).id());
        }
        int param = nodes.size();
        nodes.add(new Node(param, "p", Op.PARAM, List.of(), null, DType.F32, Shape.fixed(4), null));
        int init = node(nodes, Op.STATIC_INPUT, null).id();

        int computed = 2 + rnd.nextInt(11);
        int first = nodes.size();
        int last = first + computed - 1;
        // Direction groups: mostly one sign per graph, sometimes both, so that reverse and mixed
        // components (which the verifier rejects) both turn up.
        boolean twoGroups = rnd.nextInt(3) == 0;
        int mainSign = rnd.nextBoolean() ? 1 : -1;
        double delayedShare = 0.15 + 0.3 * rnd.nextDouble();
        for (int id = first; id <= last; id++) {
            int sign = twoGroups && rnd.nextBoolean() ? -mainSign : mainSign;
            boolean binary = rnd.nextInt(3) > 0;
            Op op = binary ? BINARY[rnd.nextInt(BINARY.length)] : UNARY[rnd.nextInt(UNARY.length)];
            List<Operand> ops = new ArrayList<>();
            for (int slot = 0; slot < (binary ? 2 : 1); slot++) {
                if (rnd.nextDouble() < delayedShare) {
                    // Any computed node (this one and later ones included) or input, past or future.
                    int source = rnd.nextInt(4) == 0 ? perStep.get(rnd.nextInt(perStep.size()))
                            : first + rnd.nextInt(computed);
                    int delay = sign * (1 + rnd.nextInt(3));
                    ops.add(new Operand(source, delay, rnd.nextInt(5) == 0 ? init : Operand.ZEROS));
                } else if (slot == 1 && rnd.nextInt(6) == 0) {
                    ops.add(Operand.of(param));
                } else {
                    ops.add(Operand.of(perStep.get(rnd.nextInt(perStep.size()))));
                }
            }
            nodes.add(new Node(id, "n" + id, op, ops, null, DType.F32, Shape.batch(4), Node.DEFAULT_AXIS));
            perStep.add(id);
        }
        List<Integer> outputs = new ArrayList<>(List.of(last));
        int reductions = rnd.nextInt(3);
        for (int i = 0; i < reductions; i++) {
            Node r = node(nodes, REDUCTIONS[rnd.nextInt(REDUCTIONS.length)], null,
                    Operand.of(perStep.get(rnd.nextInt(perStep.size()))));
            outputs.add(r.id());
            if (rnd.nextBoolean()) {
                // A static value broadcast back over the steps: a batched node after the reduction.
                outputs.add(node(nodes, Op.ADD, Node.DEFAULT_AXIS, Operand.of(r.id()), Operand.of(0)).id());
            }
        }
        return new Graph(name, nodes, outputs);
    }
}
