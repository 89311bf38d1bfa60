package io.recurflow.scc;

import io.recurflow.ir.Graph;
import io.recurflow.ir.Node;
import io.recurflow.ir.Operand;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.jgrapht.graph.AsUnmodifiableGraph;
import org.jgrapht.graph.DirectedPseudograph;

/**
 * A read-only JGraphT directed pseudograph (parallel edges and self-loops allowed) over an IR
 * {@link Graph}: vertices are node ids, one edge per operand from source to user carrying its delay,
 * plus a delay-0 edge from an operand's initial value to the user; built in O(V + E), the IR untouched.
 */
public final class GraphView {
    /**
     * Data flowing from node {@code source} to node {@code target}, the user's operand number
     * {@code operand}: the user reads {@code source} at step t − {@code delay}. An {@code init} edge
     * comes from the operand's initial value instead and has delay 0.
     */
    public record Edge(int source, int target, int operand, int delay, boolean init) {
        public boolean isDelayed() {
            return delay != 0;
        }
    }

    private final Graph ir;
    private final org.jgrapht.Graph<Integer, Edge> graph;
    private final List<Edge> edges;
    private final List<List<Edge>> outgoing;
    private final List<List<Edge>> incoming;

    private GraphView(Graph ir) {
        this.ir = ir;
        DirectedPseudograph<Integer, Edge> g = new DirectedPseudograph<>(null, null, false);
        List<Edge> all = new ArrayList<>();
        List<List<Edge>> out = new ArrayList<>();
        List<List<Edge>> in = new ArrayList<>();
        for (Node n : ir.nodes()) {
            g.addVertex(n.id());
            out.add(new ArrayList<>());
            in.add(new ArrayList<>());
        }
        // Edges go in user order, then operand order, each init edge right after its operand's edge:
        // the order every iteration over the view (and so the DOT output) follows.
        for (Node user : ir.nodes()) {
            for (int i = 0; i < user.operands().size(); i++) {
                Operand o = user.operand(i);
                all.add(new Edge(o.source(), user.id(), i, o.delay(), false));
                if (o.hasInit()) {
                    all.add(new Edge(o.init(), user.id(), i, 0, true));
                }
            }
        }
        for (Edge e : all) {
            g.addEdge(e.source(), e.target(), e);
            out.get(e.source()).add(e);
            in.get(e.target()).add(e);
        }
        this.graph = new AsUnmodifiableGraph<>(g);
        this.edges = List.copyOf(all);
        this.outgoing = out.stream().map(Collections::unmodifiableList).toList();
        this.incoming = in.stream().map(Collections::unmodifiableList).toList();
    }

    /** The view of {@code ir}. */
    public static GraphView of(Graph ir) {
        return new GraphView(ir);
    }

    /** The IR graph this view shows. */
    public Graph ir() {
        return ir;
    }

    /** The JGraphT graph (unmodifiable); its vertex and edge sets iterate in id and operand order. */
    public org.jgrapht.Graph<Integer, Edge> graph() {
        return graph;
    }

    /** Every edge, ordered by user, then operand (an init edge right after its operand's edge). */
    public List<Edge> edges() {
        return edges;
    }

    /** Edges leaving node {@code id}, in {@link #edges()} order. */
    public List<Edge> outgoing(int id) {
        return outgoing.get(id);
    }

    /** Edges entering node {@code id}, in operand order. */
    public List<Edge> incoming(int id) {
        return incoming.get(id);
    }
}
