package io.recurflow.scc.schedule;

import io.recurflow.scc.Component;
import io.recurflow.scc.GraphDot;
import java.io.StringWriter;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.jgrapht.graph.AsSubgraph;
import org.jgrapht.graph.DirectedPseudograph;
import org.jgrapht.nio.Attribute;
import org.jgrapht.nio.AttributeType;
import org.jgrapht.nio.DefaultAttribute;
import org.jgrapht.nio.dot.DOTExporter;
import org.jgrapht.nio.dot.DOTSubgraph;

/**
 * Draws a schedule as DOT through JGraphT's {@link DOTExporter} (byte-stable: tasks in lane order):
 * one cluster {@code cluster_q} per non-empty queue, left to right, its tasks chained by light
 * edges in enqueue order; events as dashed blue edges across lanes; the critical path in bold red
 * (its tasks' borders and the links between them, drawn dotted where no lane or event edge carries
 * them). Tasks are filled like their components in {@link GraphDot} and labelled
 * {@code #id\nC3 s0 t4\nstart–finish}.
 */
public final class ScheduleDot {
    public static final String LANE_PEN = "#b0b0b0";
    public static final String EVENT_PEN = "#1f6fb4";
    public static final String CRITICAL_PEN = "#d62728";
    public static final String QUEUE_PEN = "#8c9bab";

    private ScheduleDot() {
    }

    /** What an edge of the picture stands for. */
    private enum Kind { LANE, EVENT, CRITICAL }

    /** One edge of the picture; {@code critical} when it links two consecutive tasks of the critical path. */
    private record Edge(Kind kind, int from, int to, boolean critical) {
    }

    /** The DOT text of {@code s}, a schedule of {@code tasks}. */
    public static String toDot(TaskGraph tasks, Schedule s) {
        if (s.taskCount() != tasks.size()) {
            throw new IllegalArgumentException("the schedule has " + s.taskCount() + " tasks, the task graph "
                    + tasks.size());
        }
        Set<Long> criticalLinks = new LinkedHashSet<>();
        Set<Integer> criticalTasks = new LinkedHashSet<>(s.criticalPath());
        List<Integer> path = s.criticalPath();
        for (int i = 1; i < path.size(); i++) {
            criticalLinks.add(key(path.get(i - 1), path.get(i)));
        }

        DirectedPseudograph<Integer, Edge> g = new DirectedPseudograph<>(null, null, false);
        for (List<Integer> lane : s.lanes()) {
            for (int id : lane) {
                g.addVertex(id);
            }
        }
        Set<Long> drawn = new LinkedHashSet<>();
        for (List<Integer> lane : s.lanes()) {
            for (int i = 1; i < lane.size(); i++) {
                addEdge(g, drawn, new Edge(Kind.LANE, lane.get(i - 1), lane.get(i),
                        criticalLinks.contains(key(lane.get(i - 1), lane.get(i)))));
            }
        }
        for (Schedule.Event e : s.events()) {
            addEdge(g, drawn, new Edge(Kind.EVENT, e.from(), e.to(), criticalLinks.contains(key(e.from(), e.to()))));
        }
        for (int i = 1; i < path.size(); i++) {
            if (!drawn.contains(key(path.get(i - 1), path.get(i)))) {
                addEdge(g, drawn, new Edge(Kind.CRITICAL, path.get(i - 1), path.get(i), true));
            }
        }

        DOTExporter<Integer, Edge> exporter = new DOTExporter<>(id -> "t" + id);
        exporter.setGraphIdProvider(() -> quoted(tasks.scc().graph().name() + " schedule"));
        exporter.setGraphAttributeProvider(() -> {
            Map<String, Attribute> a = new LinkedHashMap<>();
            a.put("rankdir", identifier("LR"));
            a.put("fontname", identifier(quoted("Helvetica")));
            a.put("label", identifier(quoted(String.format(Locale.ROOT,
                    "%d queues, %d tasks, %d events, makespan %.3f us", s.queues(), s.taskCount(),
                    s.events().size(), s.makespan()))));
            return a;
        });
        exporter.setVertexAttributeProvider(id -> taskAttributes(tasks, s, id, criticalTasks.contains(id)));
        exporter.setEdgeAttributeProvider(ScheduleDot::edgeAttributes);
        exporter.setSubgraphProvider(() -> {
            Map<String, DOTSubgraph<Integer, Edge>> clusters = new LinkedHashMap<>();
            for (int q = 0; q < s.queues(); q++) {
                if (s.lane(q).isEmpty()) {
                    continue; // Graphviz would not draw an empty cluster anyway
                }
                AsSubgraph<Integer, Edge> members = new AsSubgraph<>(g, new LinkedHashSet<>(s.lane(q)), Set.of());
                // Only vertices: the lane edges are drawn once, with their attributes, at the top level.
                clusters.put("cluster_" + q, new DOTSubgraph<>(members, Map.of(), laneAttributes(q), true, false));
            }
            return clusters;
        });
        StringWriter w = new StringWriter();
        exporter.exportGraph(g, w);
        String dot = w.toString().replace("\r\n", "\n");
        for (int q = 0; q < s.queues(); q++) {
            if (!s.lane(q).isEmpty()) {
                dot = GraphDot.fixClusterAttributes(dot, "cluster_" + q);
            }
        }
        return dot;
    }

    private static long key(int from, int to) {
        return ((long) from << 32) | (to & 0xffffffffL);
    }

    private static void addEdge(DirectedPseudograph<Integer, Edge> g, Set<Long> drawn, Edge e) {
        if (g.containsVertex(e.from()) && g.containsVertex(e.to())) {
            g.addEdge(e.from(), e.to(), e);
            drawn.add(key(e.from(), e.to()));
        }
    }

    private static Map<String, Attribute> laneAttributes(int q) {
        Map<String, Attribute> a = new LinkedHashMap<>();
        a.put("label", DefaultAttribute.createAttribute("queue " + q));
        a.put("style", DefaultAttribute.createAttribute("rounded"));
        a.put("color", DefaultAttribute.createAttribute(QUEUE_PEN));
        a.put("fontname", DefaultAttribute.createAttribute("Helvetica"));
        return a;
    }

    private static Map<String, Attribute> taskAttributes(TaskGraph tasks, Schedule s, int id, boolean critical) {
        Task t = tasks.task(id);
        Component c = tasks.component(t);
        String fill = switch (c.kind()) {
            case BATCHED -> c.isStatic() ? "white" : GraphDot.BATCHED_FILL;
            case RECURRENT_FORWARD -> GraphDot.FORWARD_FILL;
            case RECURRENT_REVERSE -> GraphDot.REVERSE_FILL;
        };
        Map<String, Attribute> a = new LinkedHashMap<>();
        a.put("label", DefaultAttribute.createAttribute(String.format(Locale.ROOT, "#%d\\n%s\\n%.3f-%.3f",
                id, t.label(), s.start(id), s.finish(id))));
        a.put("shape", DefaultAttribute.createAttribute("box"));
        a.put("style", DefaultAttribute.createAttribute("rounded,filled"));
        a.put("fillcolor", DefaultAttribute.createAttribute(fill));
        if (critical) {
            a.put("color", DefaultAttribute.createAttribute(CRITICAL_PEN));
            a.put("penwidth", DefaultAttribute.createAttribute(2.5));
        }
        a.put("fontname", DefaultAttribute.createAttribute("Helvetica"));
        return a;
    }

    private static Map<String, Attribute> edgeAttributes(Edge e) {
        Map<String, Attribute> a = new LinkedHashMap<>();
        switch (e.kind()) {
            case LANE -> {
                a.put("color", DefaultAttribute.createAttribute(e.critical() ? CRITICAL_PEN : LANE_PEN));
                a.put("arrowhead", DefaultAttribute.createAttribute("none"));
                // Heavy weight keeps a lane's tasks on one straight row.
                a.put("weight", DefaultAttribute.createAttribute(10));
            }
            case EVENT -> {
                a.put("style", DefaultAttribute.createAttribute("dashed"));
                a.put("color", DefaultAttribute.createAttribute(e.critical() ? CRITICAL_PEN : EVENT_PEN));
            }
            case CRITICAL -> {
                a.put("style", DefaultAttribute.createAttribute("dotted"));
                a.put("color", DefaultAttribute.createAttribute(CRITICAL_PEN));
                // A dependency carried by other waits: it must not pull the lanes out of shape.
                a.put("constraint", DefaultAttribute.createAttribute(false));
            }
        }
        if (e.critical()) {
            a.put("penwidth", DefaultAttribute.createAttribute(2.5));
        }
        return a;
    }

    /** DOTExporter writes graph attributes unquoted, so values come as ready-made DOT identifiers. */
    private static Attribute identifier(String dotId) {
        return new DefaultAttribute<>(dotId, AttributeType.IDENTIFIER);
    }

    private static String quoted(String s) {
        return "\"" + s.replace("\"", "\\\"") + "\"";
    }
}
