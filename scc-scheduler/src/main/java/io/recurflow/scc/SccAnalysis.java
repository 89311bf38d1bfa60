package io.recurflow.scc;

import io.recurflow.ir.Graph;
import io.recurflow.ir.GraphException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.jgrapht.alg.connectivity.GabowStrongConnectivityInspector;
import org.jgrapht.alg.interfaces.ShortestPathAlgorithm;
import org.jgrapht.alg.shortestpath.DijkstraShortestPath;
import org.jgrapht.graph.AsSubgraph;
import org.jgrapht.graph.AsWeightedGraph;
import org.jgrapht.graph.DefaultEdge;
import org.jgrapht.graph.SimpleDirectedGraph;
import org.jgrapht.traverse.TopologicalOrderIterator;

/**
 * Strongly connected components of a generalized recurrent graph and their condensation DAG:
 * Gabow's path-based SCC algorithm (O(V + E)), Kahn's topological sort with ties broken by smallest
 * node id (O(C log C + E)), and per recurrent component of n nodes and m edges n Dijkstra runs
 * (O(n·(m + n log n))) for the exact in-flight count.
 */
public final class SccAnalysis {
    private SccAnalysis() {
    }

    /**
     * Analyses {@code g}, which must have passed {@link io.recurflow.ir.Verifier}; a recurrent component
     * with an instant cycle or with both past and future reads is still reported as a {@link GraphException}.
     */
    public static SccResult analyze(Graph g) {
        GraphView view = GraphView.of(g);
        org.jgrapht.Graph<Integer, GraphView.Edge> jg = view.graph();
        int n = g.size();

        // Provisional numbering: components sorted by their smallest node id.
        List<List<Integer>> provisional = new ArrayList<>();
        for (Set<Integer> s : new GabowStrongConnectivityInspector<>(jg).stronglyConnectedSets()) {
            provisional.add(s.stream().sorted().toList());
        }
        provisional.sort(Comparator.comparing(members -> members.get(0)));
        int[] provisionalOf = new int[n];
        for (int p = 0; p < provisional.size(); p++) {
            for (int id : provisional.get(p)) {
                provisionalOf[id] = p;
            }
        }

        // Condensation on provisional numbers; natural order on them is "smallest node id first".
        SimpleDirectedGraph<Integer, DefaultEdge> dag = new SimpleDirectedGraph<>(DefaultEdge.class);
        for (int p = 0; p < provisional.size(); p++) {
            dag.addVertex(p);
        }
        for (GraphView.Edge e : view.edges()) {
            int a = provisionalOf[e.source()];
            int b = provisionalOf[e.target()];
            if (a != b) {
                dag.addEdge(a, b);
            }
        }
        int[] indexOfProvisional = new int[provisional.size()];
        List<List<Integer>> ordered = new ArrayList<>();
        TopologicalOrderIterator<Integer, DefaultEdge> topo = new TopologicalOrderIterator<>(dag, Comparator.naturalOrder());
        while (topo.hasNext()) {
            int p = topo.next();
            indexOfProvisional[p] = ordered.size();
            ordered.add(provisional.get(p));
        }
        int[] indexOf = new int[n];
        for (int id = 0; id < n; id++) {
            indexOf[id] = indexOfProvisional[provisionalOf[id]];
        }

        List<Component> components = new ArrayList<>();
        for (int c = 0; c < ordered.size(); c++) {
            components.add(component(g, view, c, ordered.get(c), indexOf));
        }

        Map<Integer, Map<Integer, List<GraphView.Edge>>> crossing = new TreeMap<>();
        for (GraphView.Edge e : view.edges()) {
            int a = indexOf[e.source()];
            int b = indexOf[e.target()];
            if (a != b) {
                crossing.computeIfAbsent(a, k -> new TreeMap<>()).computeIfAbsent(b, k -> new ArrayList<>()).add(e);
            }
        }
        List<ComponentEdge> condensation = new ArrayList<>();
        crossing.forEach((a, targets) -> targets.forEach((b, edges) -> condensation.add(new ComponentEdge(a, b, edges))));
        return new SccResult(view, components, condensation);
    }

    private static Component component(Graph g, GraphView view, int index, List<Integer> members, int[] indexOf) {
        boolean isStatic = members.stream().allMatch(id -> g.node(id).isStatic());
        List<GraphView.Edge> inner = new ArrayList<>();
        for (int id : members) {
            for (GraphView.Edge e : view.incoming(id)) {
                if (indexOf[e.source()] == index) {
                    inner.add(e);
                }
            }
        }
        if (inner.isEmpty()) {
            return new Component(index, ComponentKind.BATCHED, members, 0, isStatic);
        }
        boolean past = inner.stream().anyMatch(e -> e.delay() > 0);
        boolean future = inner.stream().anyMatch(e -> e.delay() < 0);
        if (past && future) {
            throw new GraphException("cycle through " + names(g, members) + " mixes past and future delays");
        }
        int inFlight = minCycleDelay(view, members, inner);
        if (inFlight == 0) {
            throw new GraphException("instant cycle (total delay 0) through " + names(g, members));
        }
        return new Component(index, past ? ComponentKind.RECURRENT_FORWARD : ComponentKind.RECURRENT_REVERSE,
                members, inFlight, isStatic);
    }

    /**
     * The smallest total |delay| of a cycle inside one component: over every inner edge u → w, its
     * |delay| plus the shortest path w ⇝ u, found by Dijkstra from each w (weights |delay| ≥ 0).
     */
    private static int minCycleDelay(GraphView view, List<Integer> members, List<GraphView.Edge> inner) {
        Set<Integer> vertices = new LinkedHashSet<>(members);
        org.jgrapht.Graph<Integer, GraphView.Edge> weighted = new AsWeightedGraph<>(
                new AsSubgraph<>(view.graph(), vertices), e -> (double) Math.abs(e.delay()), false, false);
        DijkstraShortestPath<Integer, GraphView.Edge> dijkstra = new DijkstraShortestPath<>(weighted);
        Map<Integer, List<GraphView.Edge>> innerInto = new TreeMap<>();
        for (GraphView.Edge e : inner) {
            innerInto.computeIfAbsent(e.target(), k -> new ArrayList<>()).add(e);
        }
        double best = Double.POSITIVE_INFINITY;
        for (Map.Entry<Integer, List<GraphView.Edge>> entry : innerInto.entrySet()) {
            ShortestPathAlgorithm.SingleSourcePaths<Integer, GraphView.Edge> from = dijkstra.getPaths(entry.getKey());
            for (GraphView.Edge e : entry.getValue()) {
                best = Math.min(best, Math.abs(e.delay()) + from.getWeight(e.source()));
            }
        }
        return (int) best;
    }

    private static String names(Graph g, List<Integer> ids) {
        List<String> r = new ArrayList<>();
        for (int id : ids) {
            r.add("%" + g.node(id).name());
        }
        return String.join(", ", r);
    }
}
