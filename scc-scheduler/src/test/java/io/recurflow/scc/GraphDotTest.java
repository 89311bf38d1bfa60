package io.recurflow.scc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.recurflow.dsl.GraphBuilder;
import io.recurflow.dsl.Recurrent;
import io.recurflow.dsl.Value;
import io.recurflow.ir.Dim;
import io.recurflow.ir.Graph;
import io.recurflow.ir.Op;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GraphDotTest {

    private static int count(String text, String regex) {
        Matcher m = Pattern.compile(regex, Pattern.MULTILINE).matcher(text);
        int n = 0;
        while (m.find()) {
            n++;
        }
        return n;
    }

    /** The attribute list of the edge from node {@code from} to node {@code to} (first match). */
    private static String edge(String dot, int from, int to) {
        Matcher m = Pattern.compile("^  n" + from + " -> n" + to + "( \\[.*\\])?;$", Pattern.MULTILINE).matcher(dot);
        assertTrue(m.find(), "no edge n" + from + " -> n" + to);
        return m.group(1) == null ? "" : m.group(1);
    }

    @Test
    void oneLabelledClusterPerComponent() {
        for (Graph g : List.of(Cells.mlp(), Cells.elman(), Cells.lstm(), Cells.gru(), Cells.stackedLstm(),
                Cells.biLstm(), Cells.delay2(false), Cells.twoPaths())) {
            SccResult r = SccAnalysis.analyze(g);
            String dot = GraphDot.toDot(g, r);
            assertEquals(r.size(), count(dot, "^  subgraph cluster_\\d+ \\{$"), g.name());
            for (Component c : r.components()) {
                assertTrue(dot.contains("  subgraph cluster_" + c.index() + " {\n    graph [ label=\"" + c.label()
                        + "\""), g.name() + " " + c.label());
                for (int id : c.nodes()) {
                    assertTrue(dot.contains("\n    n" + id + ";\n"), "node " + id + " listed in its cluster");
                }
            }
            // DOTExporter 1.5.3 would name each cluster as a stray node; GraphDot must have fixed every one.
            assertEquals(0, count(dot, "^    cluster_\\d+ \\["), g.name());
            assertTrue(dot.startsWith("digraph \"" + g.name() + "\" {\n"));
        }
    }

    @Test
    void clustersAreColouredByKind() {
        Graph g = Cells.biLstm();
        SccResult r = SccAnalysis.analyze(g);
        String dot = GraphDot.toDot(g, r);
        Component fwd = r.componentOf(g.node("h_l0").id());
        Component bwd = r.componentOf(g.node("h_l0_reverse").id());
        Component y = r.componentOf(g.node("y").id());
        assertTrue(dot.contains("label=\"" + fwd.label() + "\" style=\"filled,rounded\" fillcolor=\""
                + GraphDot.FORWARD_FILL + "\" color=\"" + GraphDot.FORWARD_PEN + "\""));
        assertTrue(dot.contains("label=\"" + bwd.label() + "\" style=\"filled,rounded\" fillcolor=\""
                + GraphDot.REVERSE_FILL + "\" color=\"" + GraphDot.REVERSE_PEN + "\""));
        assertTrue(dot.contains("label=\"" + y.label() + "\" style=\"filled,rounded\" fillcolor=\""
                + GraphDot.BATCHED_FILL + "\""));
        assertTrue(bwd.label().endsWith("recurrent-reverse (in-flight 1)"));
    }

    @Test
    void delayedEdgesAreDashedAndLabelled() {
        Graph g = Cells.biLstm();
        String dot = GraphDot.toDot(g);
        assertEquals(2, count(dot, "style=\"dashed\" label=\"t-1\""));
        assertEquals(2, count(dot, "style=\"dashed\" label=\"t\\+1\""));
        assertEquals(4, count(dot, "dashed"));
        int hPrevUser = g.nodes().stream().filter(n -> n.operands().stream()
                .anyMatch(o -> o.source() == g.node("h_l0").id() && o.delay() == 1)).findFirst().orElseThrow().id();
        assertTrue(edge(dot, g.node("h_l0").id(), hPrevUser).contains("label=\"t-1\""));
        // A same-step edge has no attributes at all.
        assertEquals("", edge(dot, g.node("x").id(), g.node("lstm_l0.matmul_0").id()));

        String twoSteps = GraphDot.toDot(Cells.delay2(false));
        assertEquals(1, count(twoSteps, "style=\"dashed\" label=\"t-2\""));
        assertEquals(1, count(GraphDot.toDot(Cells.delay2(true)), "style=\"dashed\" label=\"t\\+2\""));
        assertEquals("t-3", GraphDot.delayLabel(3));
        assertEquals("t+1", GraphDot.delayLabel(-1));
    }

    @Test
    void initialValueEdgesAreDotted() {
        GraphBuilder b = new GraphBuilder("init");
        Value x = b.input("x", 4);
        Value h0 = b.staticInput("h0", GraphBuilder.shape(Dim.B, 4));
        Recurrent h = b.recurrent("h", 4);
        h.define(b.tanh(b.add(x, h.prev().init(h0))));
        b.output(h);
        Graph g = b.build();
        String dot = GraphDot.toDot(g);
        int add = g.nodesOf(Op.ADD).get(0).id();
        assertTrue(edge(dot, g.node("h0").id(), add).contains("style=\"dotted\" label=\"init\""));
        assertTrue(edge(dot, g.node("h").id(), add).contains("style=\"dashed\" label=\"t-1\""));
        if (GraphDot.onPath(GraphDot.DOT_COMMAND)) {
            assertTrue(GraphDot.toSvg(dot).contains("<svg"));
        }
    }

    @Test
    void nodesAreLabelledAndShapedByKind() {
        Graph g = Cells.stackedLstm();
        String dot = GraphDot.toDot(g);
        int x = g.node("x").id();
        int w = g.node("weight_ih_l0").id();
        int loss = g.node("loss").id();
        int h = g.node("h_l0").id();
        assertTrue(dot.contains("  n" + x + " [ label=\"x\\ninput [B, 4]\" shape=\"box\""), dot);
        assertTrue(dot.contains("  n" + w + " [ label=\"weight_ih_l0\\nparam [32, 4]\" shape=\"box\""));
        assertTrue(dot.contains("  n" + loss + " [ label=\"loss\\nsum_time [B, 8]\" shape=\"invtrapezium\""));
        assertTrue(dot.contains("  n" + h + " [ label=\"h_l0\\nmul [B, 8]\" shape=\"ellipse\""));
        assertTrue(Pattern.compile("^  n" + loss + " \\[.*peripheries=\"2\"", Pattern.MULTILINE).matcher(dot).find(),
                "outputs get a double border");
    }

    @Test
    void outputIsByteStable() {
        Graph g = Cells.biLstm();
        SccResult r = SccAnalysis.analyze(g);
        String first = GraphDot.toDot(g, r);
        assertEquals(first, GraphDot.toDot(g, r));
        assertEquals(first, GraphDot.toDot(Cells.biLstm(), SccAnalysis.analyze(Cells.biLstm())));
    }

    @Test
    void elmanMatchesGoldenFile() throws IOException {
        io.recurflow.testing.Golden.check("elman.dot", GraphDot.toDot(Cells.elman()));
    }

    @Test
    void rejectsAResultOfAnotherGraph() {
        assertThrows(IllegalArgumentException.class,
                () -> GraphDot.toDot(Cells.elman(), SccAnalysis.analyze(Cells.gru())));
    }

    @Test
    void writesSvgWithGraphviz(@TempDir Path dir) throws IOException {
        assumeTrue(GraphDot.onPath(GraphDot.DOT_COMMAND), "Graphviz dot is not installed (Debian package graphviz)");
        Graph g = Cells.biLstm();
        SccResult r = SccAnalysis.analyze(g);
        Path out = dir.resolve("bilstm.svg");
        GraphDot.writeSvg(g, r, out);
        String svg = Files.readString(out, StandardCharsets.UTF_8);
        assertTrue(svg.contains("<svg"));
        assertEquals(r.size(), count(svg, "<g id=\"clust\\d+\" class=\"cluster\">"));
        assertTrue(svg.contains("recurrent&#45;reverse (in&#45;flight 1)") || svg.contains("recurrent-reverse (in-flight 1)"));
        assertFalse(Pattern.compile("class=\"node\">\\s*<title>cluster_").matcher(svg).find(), "no stray nodes");
    }

    @Test
    void missingGraphvizSaysWhatToInstall() {
        GraphvizMissingException e = assertThrows(GraphvizMissingException.class,
                () -> GraphDot.toSvg("digraph G { a -> b; }", "recurflow-no-such-dot-program"));
        assertTrue(e.getMessage().contains("install the Debian package graphviz"), e.getMessage());
        assertTrue(e.getMessage().contains("recurflow-no-such-dot-program"));
    }

    @Test
    void graphvizErrorsAreReported() {
        assumeTrue(GraphDot.onPath(GraphDot.DOT_COMMAND), "Graphviz dot is not installed (Debian package graphviz)");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> GraphDot.toSvg("digraph {"));
        assertTrue(e.getMessage().contains("exit code"), e.getMessage());
    }
}
