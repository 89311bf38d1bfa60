package io.recurflow.ir;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.StringJoiner;

/**
 * Checks that a graph means something: every node's recorded type follows from its operands, delays
 * read only per-step values, initial values fit, and every cycle can be computed step by step.
 *
 * <p>Cycle rule: within each strongly connected component, the delay-0 edges form no cycle (an
 * <em>instant</em> cycle would need a value before it is computed), all non-zero delays have one sign
 * (a component that reads both its past and its future cannot be evaluated in either direction), and
 * no time reduction lies inside (it needs every step before any step can run). Together these imply
 * DESIGN.md's rule that every cycle has a non-zero total delay with delays of one sign.
 */
public final class Verifier {
    private Verifier() {
    }

    /** Throws a {@link GraphException} listing every problem, or returns the graph unchanged. */
    public static Graph verify(Graph g) {
        List<String> problems = problems(g);
        if (!problems.isEmpty()) {
            throw new GraphException(problems.size() == 1 ? problems.get(0)
                    : "graph " + g.name() + " is not valid:\n  " + String.join("\n  ", problems));
        }
        return g;
    }

    /** Every problem found, one message each (empty when the graph is valid). */
    public static List<String> problems(Graph g) {
        List<String> out = new ArrayList<>();
        for (Node n : g.nodes()) {
            checkNode(g, n, out);
        }
        if (g.outputs().isEmpty()) {
            out.add("graph " + g.name() + " has no outputs");
        }
        if (out.isEmpty()) {
            checkCycles(g, out);
        }
        return out;
    }

    private static void checkNode(Graph g, Node n, List<String> out) {
        List<Node> operands = new ArrayList<>();
        List<Integer> delays = new ArrayList<>();
        for (Operand o : n.operands()) {
            operands.add(g.node(o.source()));
            delays.add(o.delay());
        }
        try {
            TypeRules.Type declared = new TypeRules.Type(n.dtype(), n.shape(), n.axis());
            TypeRules.Type t = TypeRules.infer(n.name(), n.op(), operands, delays, n.attrs(), declared);
            if (!t.equals(declared)) {
                out.add("node %" + n.name() + " is recorded as " + describe(declared) + " but its operands make it "
                        + describe(t));
            }
        } catch (GraphException e) {
            out.add(e.getMessage());
            return;
        }
        for (Operand o : n.operands()) {
            if (!o.hasInit()) {
                continue;
            }
            Node src = g.node(o.source());
            Node init = g.node(o.init());
            if (o.delay() == 0) {
                out.add("node %" + n.name() + " gives %" + src.name() + " an initial value %" + init.name()
                        + " but reads it without delay");
            } else if (init.isPerStep()) {
                out.add("initial value %" + init.name() + " of %" + src.name() + " at node %" + n.name()
                        + " must be static, but it is per-step");
            } else if (!init.shape().equals(src.shape()) || init.dtype() != src.dtype()) {
                out.add("shape mismatch at node %" + n.name() + ": initial value %" + init.name() + " "
                        + init.shape() + " for %" + src.name() + " " + src.shape());
            }
        }
    }

    /** "f32[B, 8] @t" */
    public static String describe(TypeRules.Type t) {
        return t.dtype().textName() + t.shape() + (t.axis() == null ? "" : " @" + t.axis());
    }

    private static void checkCycles(Graph g, List<String> out) {
        int n = g.size();
        List<List<int[]>> succ = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            succ.add(new ArrayList<>());
        }
        // edge {to, delay}: data flows from operand to user; an initial value flows like a delayed read.
        for (Node user : g.nodes()) {
            for (Operand o : user.operands()) {
                succ.get(o.source()).add(new int[] {user.id(), o.delay()});
                if (o.hasInit()) {
                    succ.get(o.init()).add(new int[] {user.id(), 0});
                }
            }
        }
        int[] comp = strongComponents(n, succ);
        int comps = Arrays.stream(comp).max().orElse(-1) + 1;
        List<List<Integer>> members = new ArrayList<>();
        for (int c = 0; c < comps; c++) {
            members.add(new ArrayList<>());
        }
        for (int v = 0; v < n; v++) {
            members.get(comp[v]).add(v);
        }
        for (List<Integer> m : members) {
            boolean cyclic = m.size() > 1 || succ.get(m.get(0)).stream().anyMatch(e -> e[0] == m.get(0));
            if (!cyclic) {
                continue;
            }
            String names = names(g, m);
            for (int v : m) {
                if (g.node(v).op().isTimeReduction()) {
                    out.add("time reduction %" + g.node(v).name() + " (" + g.node(v).op().textName()
                            + ") lies inside a cycle through " + names);
                }
            }
            String past = null;
            String future = null;
            for (int v : m) {
                for (Operand o : g.node(v).operands()) {
                    if (comp[o.source()] != comp[v]) {
                        continue;
                    }
                    String use = "%" + g.node(v).name() + " reads %" + g.node(o.source()).name() + "[t"
                            + (o.delay() > 0 ? "-" + o.delay() : "+" + (-o.delay())) + "]";
                    if (o.delay() > 0 && past == null) {
                        past = use;
                    } else if (o.delay() < 0 && future == null) {
                        future = use;
                    }
                }
            }
            if (past != null && future != null) {
                out.add("cycle through " + names + " mixes past and future delays (" + past + ", " + future + ")");
            }
            List<Integer> instant = instantCycle(g, m, comp, succ);
            if (instant != null) {
                StringJoiner j = new StringJoiner(" -> ");
                for (int v : instant) {
                    j.add("%" + g.node(v).name());
                }
                out.add("instant cycle (total delay 0): " + j);
            }
        }
    }

    private static String names(Graph g, List<Integer> ids) {
        StringJoiner j = new StringJoiner(", ");
        for (int v : ids) {
            j.add("%" + g.node(v).name());
        }
        return j.toString();
    }

    /** A cycle of delay-0 edges inside one component, as a node path that returns to its start, or null. */
    private static List<Integer> instantCycle(Graph g, List<Integer> members, int[] comp, List<List<int[]>> succ) {
        int n = g.size();
        int[] state = new int[n]; // 0 new, 1 on the DFS path, 2 done
        int[] parent = new int[n];
        for (int start : members) {
            if (state[start] != 0) {
                continue;
            }
            Deque<int[]> stack = new ArrayDeque<>(); // {node, next edge index}
            stack.push(new int[] {start, 0});
            state[start] = 1;
            parent[start] = -1;
            while (!stack.isEmpty()) {
                int[] top = stack.peek();
                List<int[]> edges = succ.get(top[0]);
                if (top[1] == edges.size()) {
                    state[top[0]] = 2;
                    stack.pop();
                    continue;
                }
                int[] e = edges.get(top[1]++);
                if (e[1] != 0 || comp[e[0]] != comp[start]) {
                    continue;
                }
                if (state[e[0]] == 1) {
                    List<Integer> path = new ArrayList<>();
                    for (int v = top[0]; v != e[0]; v = parent[v]) {
                        path.add(0, v);
                    }
                    path.add(0, e[0]);
                    path.add(e[0]);
                    return path;
                }
                if (state[e[0]] == 0) {
                    state[e[0]] = 1;
                    parent[e[0]] = top[0];
                    stack.push(new int[] {e[0], 0});
                }
            }
        }
        return null;
    }

    /**
     * Tarjan's strongly connected components, iterative (no recursion depth limit); returns each
     * vertex's component number. The scheduler uses JGraphT for its condensation; the verifier keeps
     * this small copy so that the IR module depends on no graph library.
     */
    static int[] strongComponents(int n, List<List<int[]>> succ) {
        int[] index = new int[n];
        int[] low = new int[n];
        int[] comp = new int[n];
        boolean[] onStack = new boolean[n];
        Arrays.fill(index, -1);
        Deque<Integer> tarjanStack = new ArrayDeque<>();
        int counter = 0;
        int comps = 0;
        for (int root = 0; root < n; root++) {
            if (index[root] >= 0) {
                continue;
            }
            Deque<int[]> call = new ArrayDeque<>();
            call.push(new int[] {root, 0});
            index[root] = low[root] = counter++;
            tarjanStack.push(root);
            onStack[root] = true;
            while (!call.isEmpty()) {
                int[] frame = call.peek();
                int v = frame[0];
                List<int[]> edges = succ.get(v);
                if (frame[1] < edges.size()) {
                    int w = edges.get(frame[1]++)[0];
                    if (index[w] < 0) {
                        index[w] = low[w] = counter++;
                        tarjanStack.push(w);
                        onStack[w] = true;
                        call.push(new int[] {w, 0});
                    } else if (onStack[w]) {
                        low[v] = Math.min(low[v], index[w]);
                    }
                    continue;
                }
                call.pop();
                if (!call.isEmpty()) {
                    int u = call.peek()[0];
                    low[u] = Math.min(low[u], low[v]);
                }
                if (low[v] == index[v]) {
                    int w;
                    do {
                        w = tarjanStack.pop();
                        onStack[w] = false;
                        comp[w] = comps;
                    } while (w != v);
                    comps++;
                }
            }
        }
        return comp;
    }
}
