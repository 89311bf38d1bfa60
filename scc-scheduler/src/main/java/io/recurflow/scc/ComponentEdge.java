package io.recurflow.scc;

import java.util.List;

/**
 * An edge of the condensation DAG: component {@code from} feeds component {@code to} through the
 * graph edges {@code edges} (in {@link GraphView#edges()} order, delays included); {@code from < to}.
 */
public record ComponentEdge(int from, int to, List<GraphView.Edge> edges) {
    public ComponentEdge {
        edges = List.copyOf(edges);
        if (from >= to) {
            throw new IllegalArgumentException("condensation edge C" + from + " -> C" + to + " goes backwards");
        }
    }
}
