package io.recurflow.scc;

import io.recurflow.ir.DType;
import io.recurflow.ir.Graph;
import io.recurflow.ir.Node;
import io.recurflow.ir.Op;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.jgrapht.graph.AsSubgraph;
import org.jgrapht.nio.Attribute;
import org.jgrapht.nio.AttributeType;
import org.jgrapht.nio.DefaultAttribute;
import org.jgrapht.nio.dot.DOTExporter;
import org.jgrapht.nio.dot.DOTSubgraph;

/**
 * Draws a graph and its components as DOT through JGraphT's {@link DOTExporter} (byte-stable: nodes
 * by id, edges by user and operand, one {@code cluster_N} per component in topological order), and
 * renders it to SVG with Graphviz {@code dot}.
 *
 * <p>Pictures: a cluster per component, labelled like {@code C2 recurrent-forward (in-flight 1)} and
 * coloured by kind: batched light grey-blue ({@value #BATCHED_FILL}, border {@value #BATCHED_PEN}),
 * recurrent-forward light orange ({@value #FORWARD_FILL}, {@value #FORWARD_PEN}), recurrent-reverse
 * light green ({@value #REVERSE_FILL}, {@value #REVERSE_PEN}). Nodes are labelled {@code name\nop [shape]}:
 * sources (input, static input, param, const) are boxes, time reductions inverted trapezia, other ops
 * ellipses; graph outputs have a double border. A delayed edge is dashed, labelled {@code t-1} (past,
 * orange) or {@code t+1} (future, green), and does not constrain the ranking; an initial-value edge
 * is dotted and labelled {@code init}.
 */
public final class GraphDot {
    public static final String BATCHED_FILL = "#e8eef5";
    public static final String BATCHED_PEN = "#8c9bab";
    public static final String FORWARD_FILL = "#fde6cc";
    public static final String FORWARD_PEN = "#e07b00";
    public static final String REVERSE_FILL = "#dcf2e0";
    public static final String REVERSE_PEN = "#2e8b57";

    /** The command {@link #toSvg(String)} runs. */
    public static final String DOT_COMMAND = "dot";

    private GraphDot() {
    }

    /** Analyses {@code g} and draws it. */
    public static String toDot(Graph g) {
        return toDot(g, SccAnalysis.analyze(g));
    }

    /** The DOT text for {@code g} with the components of {@code scc} (which must be the analysis of g). */
    public static String toDot(Graph g, SccResult scc) {
        if (scc.graph() != g && !scc.graph().equals(g)) {
            throw new IllegalArgumentException("the SCC result is for graph " + scc.graph().name() + ", not for "
                    + g.name());
        }
        GraphView view = scc.view();
        Set<Integer> outputs = new LinkedHashSet<>(g.outputs());
        DOTExporter<Integer, GraphView.Edge> exporter = new DOTExporter<>(id -> "n" + id);
        exporter.setGraphIdProvider(() -> quoted(g.name()));
        exporter.setGraphAttributeProvider(() -> {
            Map<String, Attribute> a = new LinkedHashMap<>();
            a.put("rankdir", identifier("TB"));
            a.put("fontname", identifier(quoted("Helvetica")));
            return a;
        });
        exporter.setVertexAttributeProvider(id -> nodeAttributes(g.node(id), outputs.contains(id)));
        exporter.setEdgeAttributeProvider(GraphDot::edgeAttributes);
        exporter.setSubgraphProvider(() -> {
            Map<String, DOTSubgraph<Integer, GraphView.Edge>> clusters = new LinkedHashMap<>();
            for (Component c : scc.components()) {
                AsSubgraph<Integer, GraphView.Edge> members = new AsSubgraph<>(view.graph(),
                        new LinkedHashSet<>(c.nodes()), Set.of());
                // Only vertices: the edges are drawn once, with their attributes, at the top level.
                clusters.put(clusterName(c), new DOTSubgraph<>(members, Map.of(), clusterAttributes(c), true, false));
            }
            return clusters;
        });
        StringWriter w = new StringWriter();
        exporter.exportGraph(view.graph(), w);
        String dot = w.toString().replace("\r\n", "\n");
        for (Component c : scc.components()) {
            dot = fixClusterAttributes(dot, clusterName(c));
        }
        return dot;
    }

    private static String clusterName(Component c) {
        return "cluster_" + c.index();
    }

    /**
     * DOTExporter 1.5.3 writes a subgraph's cluster attributes as {@code cluster_N [ ... ];}, which
     * Graphviz reads as a stray node called cluster_N; the one fix made by hand turns that line into
     * the statement meant, {@code graph [ ... ];}, the attributes of the enclosing cluster. Public so
     * that every DOT picture of this module (the schedule's too) makes the same fix.
     */
    public static String fixClusterAttributes(String dot, String name) {
        String written = "  subgraph " + name + " {\n    " + name + " [";
        int at = dot.indexOf(written);
        if (at < 0) {
            throw new IllegalStateException("DOTExporter wrote cluster " + name + " in an unexpected form");
        }
        return dot.substring(0, at) + "  subgraph " + name + " {\n    graph [" + dot.substring(at + written.length());
    }

    private static Map<String, Attribute> nodeAttributes(Node n, boolean output) {
        Map<String, Attribute> a = new LinkedHashMap<>();
        String type = (n.dtype() == DType.F32 ? "" : n.dtype().textName()) + n.shape();
        a.put("label", DefaultAttribute.createAttribute(n.name() + "\\n" + n.op().textName() + " " + type));
        a.put("shape", DefaultAttribute.createAttribute(shape(n.op())));
        a.put("style", DefaultAttribute.createAttribute(n.op().isSource() ? "rounded,filled" : "filled"));
        a.put("fillcolor", DefaultAttribute.createAttribute("white"));
        a.put("fontname", DefaultAttribute.createAttribute("Helvetica"));
        if (output) {
            a.put("peripheries", DefaultAttribute.createAttribute(2));
        }
        return a;
    }

    private static String shape(Op op) {
        if (op.isSource()) {
            return "box";
        }
        return op.isTimeReduction() ? "invtrapezium" : "ellipse";
    }

    private static Map<String, Attribute> edgeAttributes(GraphView.Edge e) {
        Map<String, Attribute> a = new LinkedHashMap<>();
        if (e.init()) {
            a.put("style", DefaultAttribute.createAttribute("dotted"));
            a.put("label", DefaultAttribute.createAttribute("init"));
        } else if (e.isDelayed()) {
            a.put("style", DefaultAttribute.createAttribute("dashed"));
            a.put("label", DefaultAttribute.createAttribute(delayLabel(e.delay())));
            a.put("color", DefaultAttribute.createAttribute(e.delay() > 0 ? FORWARD_PEN : REVERSE_PEN));
            a.put("fontcolor", DefaultAttribute.createAttribute(e.delay() > 0 ? FORWARD_PEN : REVERSE_PEN));
            // Ranks follow the within-step data flow; a read of another step does not pull nodes apart.
            a.put("constraint", DefaultAttribute.createAttribute(false));
        }
        if (a.isEmpty()) {
            return null; // a plain edge: no empty "[ ]" after it
        }
        a.put("fontname", DefaultAttribute.createAttribute("Helvetica"));
        return a;
    }

    /** {@code t-2} for a read two steps back, {@code t+1} for one step ahead. */
    public static String delayLabel(int delay) {
        if (delay == 0) {
            return "t";
        }
        return delay > 0 ? "t-" + delay : "t+" + (-(long) delay);
    }

    private static Map<String, Attribute> clusterAttributes(Component c) {
        String fill = switch (c.kind()) {
            case BATCHED -> BATCHED_FILL;
            case RECURRENT_FORWARD -> FORWARD_FILL;
            case RECURRENT_REVERSE -> REVERSE_FILL;
        };
        String pen = switch (c.kind()) {
            case BATCHED -> BATCHED_PEN;
            case RECURRENT_FORWARD -> FORWARD_PEN;
            case RECURRENT_REVERSE -> REVERSE_PEN;
        };
        Map<String, Attribute> a = new LinkedHashMap<>();
        a.put("label", DefaultAttribute.createAttribute(c.label()));
        a.put("style", DefaultAttribute.createAttribute("filled,rounded"));
        a.put("fillcolor", DefaultAttribute.createAttribute(fill));
        a.put("color", DefaultAttribute.createAttribute(pen));
        a.put("fontname", DefaultAttribute.createAttribute("Helvetica"));
        return a;
    }

    /**
     * DOTExporter writes graph attributes as {@code key=value;} without quoting them, so such values
     * are passed as ready-made DOT identifiers (quoted strings where needed).
     */
    private static Attribute identifier(String dotId) {
        return new DefaultAttribute<>(dotId, AttributeType.IDENTIFIER);
    }

    /** A DOT quoted string: quotes escaped, backslashes kept (so {@code \n} stays a line break). */
    private static String quoted(String s) {
        return "\"" + s.replace("\"", "\\\"") + "\"";
    }

    // ---- SVG through Graphviz -------------------------------------------------------------------

    /** Writes the SVG picture of {@code g} and its components to {@code out}. */
    public static void writeSvg(Graph g, SccResult scc, Path out) {
        try {
            Files.writeString(out, toSvg(toDot(g, scc)), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + out, e);
        }
    }

    /** Renders DOT text to SVG with {@code dot -Tsvg}. */
    public static String toSvg(String dot) {
        return toSvg(dot, DOT_COMMAND);
    }

    /**
     * Renders DOT text to SVG by running {@code dotCommand -Tsvg} (a program name looked up on the
     * PATH, or a path); throws {@link GraphvizMissingException} when there is no such program.
     */
    public static String toSvg(String dot, String dotCommand) {
        if (!onPath(dotCommand)) {
            throw new GraphvizMissingException(dotCommand, null);
        }
        Path svg = null;
        Path err = null;
        try {
            svg = Files.createTempFile("recurflow-", ".svg");
            err = Files.createTempFile("recurflow-", ".err");
            // Output and errors go to files, so a large picture cannot block dot on a full pipe.
            Process p;
            try {
                p = new ProcessBuilder(dotCommand, "-Tsvg").redirectOutput(svg.toFile()).redirectError(err.toFile())
                        .start();
            } catch (IOException e) {
                throw new GraphvizMissingException(dotCommand, e);
            }
            try (OutputStream in = p.getOutputStream()) {
                in.write(dot.getBytes(StandardCharsets.UTF_8));
            }
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException(dotCommand + " -Tsvg did not finish within 120 s");
            }
            if (p.exitValue() != 0) {
                throw new IllegalStateException(dotCommand + " -Tsvg failed with exit code " + p.exitValue() + ": "
                        + Files.readString(err, StandardCharsets.UTF_8).strip());
            }
            return Files.readString(svg, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("running " + dotCommand + " -Tsvg", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + dotCommand, e);
        } finally {
            deleteQuietly(svg);
            deleteQuietly(err);
        }
    }

    /** Whether {@code command} names an executable file, directly or in a PATH directory. */
    static boolean onPath(String command) {
        if (command.contains(File.separator)) {
            return Files.isExecutable(Path.of(command));
        }
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String dir : List.of(path.split(File.pathSeparator))) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, command))) {
                return true;
            }
        }
        return false;
    }

    private static void deleteQuietly(Path p) {
        if (p != null) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException ignored) {
                // a leftover temporary file is harmless
            }
        }
    }
}
