package io.recurflow.scc;

import io.recurflow.ir.Graph;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collections;
import java.util.List;
import java.util.StringJoiner;

/**
 * The strongly connected components of a graph in topological order, with the condensation DAG
 * between them; {@link #reaches} answers in O(1) from a transitive closure of O(C·E/64) built once.
 */
public final class SccResult {
    private final GraphView view;
    private final List<Component> components;
    private final int[] componentOf;
    private final List<ComponentEdge> condensation;
    private final List<List<Integer>> successors;
    private final List<List<Integer>> predecessors;
    private final BitSet[] reach;

    SccResult(GraphView view, List<Component> components, List<ComponentEdge> condensation) {
        this.view = view;
        this.components = List.copyOf(components);
        this.condensation = List.copyOf(condensation);
        int c = components.size();
        this.componentOf = new int[view.ir().size()];
        for (Component comp : components) {
            for (int id : comp.nodes()) {
                componentOf[id] = comp.index();
            }
        }
        List<List<Integer>> succ = new ArrayList<>();
        List<List<Integer>> pred = new ArrayList<>();
        for (int i = 0; i < c; i++) {
            succ.add(new ArrayList<>());
            pred.add(new ArrayList<>());
        }
        for (ComponentEdge e : condensation) {
            succ.get(e.from()).add(e.to());
            pred.get(e.to()).add(e.from());
        }
        this.successors = succ.stream().map(Collections::unmodifiableList).toList();
        this.predecessors = pred.stream().map(Collections::unmodifiableList).toList();
        // Successors come later in topological order, so one sweep from the back closes the relation.
        this.reach = new BitSet[c];
        for (int i = c - 1; i >= 0; i--) {
            BitSet r = new BitSet(c);
            r.set(i);
            for (int s : successors.get(i)) {
                r.or(reach[s]);
            }
            reach[i] = r;
        }
    }

    /** The analysed graph. */
    public Graph graph() {
        return view.ir();
    }

    /** The JGraphT view the analysis ran on. */
    public GraphView view() {
        return view;
    }

    /** All components in topological order ({@code components().get(i).index() == i}). */
    public List<Component> components() {
        return components;
    }

    public int size() {
        return components.size();
    }

    public Component component(int index) {
        return components.get(index);
    }

    /** The component holding node {@code nodeId}. */
    public Component componentOf(int nodeId) {
        return components.get(componentOf[nodeId]);
    }

    /** The condensation DAG's edges, sorted by (from, to); each pair appears once. */
    public List<ComponentEdge> condensation() {
        return condensation;
    }

    /** Indices of the components that component {@code index} feeds directly, ascending. */
    public List<Integer> successors(int index) {
        return successors.get(index);
    }

    /** Indices of the components feeding component {@code index} directly, ascending. */
    public List<Integer> predecessors(int index) {
        return predecessors.get(index);
    }

    /** Whether a path of condensation edges leads from component {@code a} to {@code b} (true when a == b). */
    public boolean reaches(int a, int b) {
        return reach[a].get(b);
    }

    /** One line per component ({@code C2 recurrent-forward (in-flight 1): %h, %c}), then one per condensation edge. */
    public String toText() {
        StringBuilder sb = new StringBuilder();
        for (Component c : components) {
            StringJoiner names = new StringJoiner(", ");
            for (int id : c.nodes()) {
                names.add("%" + view.ir().node(id).name());
            }
            sb.append(c.label()).append(": ").append(names).append('\n');
        }
        for (ComponentEdge e : condensation) {
            sb.append("C").append(e.from()).append(" -> C").append(e.to()).append('\n');
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return toText();
    }
}
