package io.recurflow.scc;

import java.util.Collections;
import java.util.List;

/**
 * One strongly connected component of a graph, at position {@code index} of the condensation's
 * topological order; {@code nodes} are sorted ids, {@code inFlight} is the smallest absolute total
 * delay around a cycle inside (0 when batched), {@code isStatic} holds when every node is static.
 */
public record Component(int index, ComponentKind kind, List<Integer> nodes, int inFlight, boolean isStatic) {
    public Component {
        nodes = List.copyOf(nodes);
        if (nodes.isEmpty()) {
            throw new IllegalArgumentException("component C" + index + " has no nodes");
        }
        if ((inFlight > 0) != kind.isRecurrent()) {
            throw new IllegalArgumentException("component C" + index + " is " + kind.textName() + " with in-flight "
                    + inFlight);
        }
    }

    public boolean isRecurrent() {
        return kind.isRecurrent();
    }

    /** Whether node {@code id} belongs to this component (binary search). */
    public boolean contains(int id) {
        return Collections.binarySearch(nodes, id) >= 0;
    }

    /** E.g. {@code C2 recurrent-forward (in-flight 1)} or {@code C0 batched (static)}. */
    public String label() {
        String base = "C" + index + " " + kind.textName();
        if (isRecurrent()) {
            return base + " (in-flight " + inFlight + ")";
        }
        return isStatic ? base + " (static)" : base;
    }
}
