package io.recurflow.scc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.recurflow.ir.Graph;
import io.recurflow.ir.Node;
import io.recurflow.ir.Operand;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

/**
 * The analysis checked against constructions that share no code with it: reachability by plain
 * BFS over the IR's operands, and the graph unrolled over {@link #STEPS} steps into (node, step) pairs.
 */
class SccPropertyTest {
    private static final int STEPS = 4;

    /** One IR dependency, read straight from the operands: {@code to} reads {@code from} at t − delay. */
    private record Dep(int from, int to, int delay) {
    }

    private static List<Dep> deps(Graph g) {
        List<Dep> r = new ArrayList<>();
        for (Node n : g.nodes()) {
            for (Operand o : n.operands()) {
                r.add(new Dep(o.source(), n.id(), o.delay()));
                if (o.hasInit()) {
                    r.add(new Dep(o.init(), n.id(), 0));
                }
            }
        }
        return r;
    }

    /** reach[u][v]: a path of one or more edges leads from u to v. */
    private static boolean[][] reachability(Graph g, List<Dep> deps) {
        int n = g.size();
        List<List<Integer>> succ = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            succ.add(new ArrayList<>());
        }
        for (Dep d : deps) {
            succ.get(d.from()).add(d.to());
        }
        boolean[][] reach = new boolean[n][n];
        for (int s = 0; s < n; s++) {
            Deque<Integer> queue = new ArrayDeque<>(succ.get(s));
            while (!queue.isEmpty()) {
                int v = queue.poll();
                if (!reach[s][v]) {
                    reach[s][v] = true;
                    queue.addAll(succ.get(v));
                }
            }
        }
        return reach;
    }

    @Property(tries = 250)
    void componentsAgreeWithReachabilityAndUnrolling(@ForAll long seed) {
        check(RandomGraphs.generate(seed));
    }

    /** The generator's graphs cover what the property is about: both directions, delays > 1, chains. */
    @Test
    void generatorCoversForwardReverseAndLongCycles() {
        int forward = 0;
        int reverse = 0;
        int inFlightAboveOne = 0;
        int multiNode = 0;
        int chained = 0;
        for (long seed = 0; seed < 300; seed++) {
            Graph g = RandomGraphs.generate(seed);
            SccResult r = SccAnalysis.analyze(g);
            check(g);
            List<Component> rec = r.components().stream().filter(Component::isRecurrent).toList();
            forward += (int) rec.stream().filter(c -> c.kind() == ComponentKind.RECURRENT_FORWARD).count();
            reverse += (int) rec.stream().filter(c -> c.kind() == ComponentKind.RECURRENT_REVERSE).count();
            inFlightAboveOne += (int) rec.stream().filter(c -> c.inFlight() > 1).count();
            multiNode += (int) rec.stream().filter(c -> c.nodes().size() > 2).count();
            for (Component a : rec) {
                for (Component b : rec) {
                    if (a != b && r.reaches(a.index(), b.index())) {
                        chained++;
                    }
                }
            }
        }
        assertTrue(forward >= 50, "forward components: " + forward);
        assertTrue(reverse >= 50, "reverse components: " + reverse);
        assertTrue(inFlightAboveOne >= 20, "components with in-flight > 1: " + inFlightAboveOne);
        assertTrue(multiNode >= 30, "components of three or more nodes: " + multiNode);
        assertTrue(chained >= 10, "recurrent components feeding others: " + chained);
    }

    static void check(Graph g) {
        SccResult r = SccAnalysis.analyze(g);
        List<Dep> deps = deps(g);
        boolean[][] reach = reachability(g, deps);
        int n = g.size();

        // Same component exactly when mutually reachable; recurrent exactly when on a cycle.
        for (int u = 0; u < n; u++) {
            for (int v = 0; v < n; v++) {
                boolean mutual = u == v || (reach[u][v] && reach[v][u]);
                assertEquals(mutual, r.componentOf(u).index() == r.componentOf(v).index(),
                        g.name() + ": %" + g.node(u).name() + " and %" + g.node(v).name());
            }
            assertEquals(reach[u][u], r.componentOf(u).isRecurrent(), g.name() + ": %" + g.node(u).name());
        }

        // Direction, static flag and the exact in-flight count of each component.
        for (Component c : r.components()) {
            Set<Integer> signs = new LinkedHashSet<>();
            for (Dep d : deps) {
                if (c.contains(d.from()) && c.contains(d.to()) && d.delay() != 0) {
                    signs.add(Integer.signum(d.delay()));
                }
            }
            if (c.isRecurrent()) {
                assertEquals(Set.of(c.kind().stepDirection()), signs, g.name() + " " + c.label());
                assertEquals(unrolledInFlight(c, deps), c.inFlight(), g.name() + " " + c.label());
            } else {
                assertEquals(1, c.nodes().size());
                assertEquals(0, c.inFlight());
            }
            assertEquals(c.nodes().stream().allMatch(id -> g.node(id).isStatic()), c.isStatic());
        }

        // Condensation edges and reaches() agree with the node-level BFS.
        Set<List<Integer>> expectedEdges = new LinkedHashSet<>();
        for (Dep d : deps) {
            int a = r.componentOf(d.from()).index();
            int b = r.componentOf(d.to()).index();
            if (a != b) {
                expectedEdges.add(List.of(a, b));
            }
        }
        Set<List<Integer>> actualEdges = new LinkedHashSet<>();
        for (ComponentEdge e : r.condensation()) {
            actualEdges.add(List.of(e.from(), e.to()));
        }
        assertEquals(expectedEdges, actualEdges);
        for (Component a : r.components()) {
            for (Component b : r.components()) {
                boolean expected = a == b || a.nodes().stream().anyMatch(u -> b.nodes().stream().anyMatch(v -> reach[u][v]));
                assertEquals(expected, r.reaches(a.index(), b.index()), g.name() + " C" + a.index() + " C" + b.index());
            }
        }

        // Kahn's order, ties to the smallest node id: each position holds the ready component with the
        // smallest first node.
        boolean[] placed = new boolean[r.size()];
        for (Component c : r.components()) {
            int best = Integer.MAX_VALUE;
            for (Component cand : r.components()) {
                if (placed[cand.index()]) {
                    continue;
                }
                boolean ready = actualEdges.stream().noneMatch(e -> e.get(1) == cand.index() && !placed[e.get(0)]);
                if (ready) {
                    best = Math.min(best, cand.nodes().get(0));
                }
            }
            assertEquals(best, c.nodes().get(0), g.name() + " position " + c.index());
            placed[c.index()] = true;
        }

        // Unrolled over STEPS steps, every dependency (u, s) -> (v, t) moves forward in component order,
        // or stays in one recurrent component and moves along its step direction.
        for (Dep d : deps) {
            Component cu = r.componentOf(d.from());
            Component cv = r.componentOf(d.to());
            boolean fromStatic = g.node(d.from()).isStatic();
            for (int t = 0; t < STEPS; t++) {
                int s = t - d.delay();
                if (!fromStatic && (s < 0 || s >= STEPS)) {
                    continue; // read outside the sequence: the initial value, no dependency
                }
                String what = g.name() + ": (%" + g.node(d.from()).name() + ", " + s + ") -> (%"
                        + g.node(d.to()).name() + ", " + t + ")";
                if (cu.index() != cv.index()) {
                    assertTrue(cu.index() < cv.index(), what);
                } else {
                    assertTrue(cu.isRecurrent(), what);
                    int dir = cu.kind().stepDirection();
                    assertTrue(dir * (t - s) >= 0, what + " against the step direction of " + cu.label());
                    assertEquals(d.delay() == 0, s == t, what);
                }
            }
        }
    }

    /**
     * The smallest k > 0 such that some node of {@code c} at step t depends, through the unrolled
     * edges inside {@code c}, on itself at step t ∓ k: a search over (node, steps back) pairs, bounded by
     * the sum of all inner |delay|s (no simple cycle is longer).
     */
    private static int unrolledInFlight(Component c, List<Dep> deps) {
        List<Dep> inner = deps.stream().filter(d -> c.contains(d.from()) && c.contains(d.to())).toList();
        int cap = inner.stream().mapToInt(d -> Math.abs(d.delay())).sum();
        int best = Integer.MAX_VALUE;
        for (int start : c.nodes()) {
            // seen[v][k]: (v, t − k) is reached backwards from (start, t), walking edges against their direction.
            boolean[][] seen = new boolean[c.nodes().get(c.nodes().size() - 1) + 1][cap + 1];
            Deque<int[]> queue = new ArrayDeque<>();
            queue.add(new int[] {start, 0});
            while (!queue.isEmpty()) {
                int[] state = queue.poll();
                for (Dep d : inner) {
                    if (d.to() != state[0]) {
                        continue;
                    }
                    int k = state[1] + Math.abs(d.delay());
                    if (k > cap || seen[d.from()][k]) {
                        continue;
                    }
                    seen[d.from()][k] = true;
                    if (d.from() == start && k > 0) {
                        best = Math.min(best, k);
                    }
                    queue.add(new int[] {d.from(), k});
                }
            }
        }
        return best;
    }
}
