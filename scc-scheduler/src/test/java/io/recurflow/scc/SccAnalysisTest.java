package io.recurflow.scc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.recurflow.dsl.GraphBuilder;
import io.recurflow.dsl.Recurrent;
import io.recurflow.dsl.Value;
import io.recurflow.ir.DType;
import io.recurflow.ir.Dim;
import io.recurflow.ir.Graph;
import io.recurflow.ir.GraphException;
import io.recurflow.ir.Node;
import io.recurflow.ir.Op;
import io.recurflow.ir.Operand;
import io.recurflow.ir.Shape;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SccAnalysisTest {
    private static List<Component> recurrent(SccResult r) {
        return r.components().stream().filter(Component::isRecurrent).toList();
    }

    private static Component of(Graph g, SccResult r, String name) {
        return r.componentOf(g.node(name).id());
    }

    /** Invariants every result has: a partition in topological order, edges pointing forward. */
    private static void checkWellFormed(Graph g, SccResult r) {
        int covered = 0;
        for (int i = 0; i < r.size(); i++) {
            Component c = r.component(i);
            assertEquals(i, c.index());
            assertEquals(c.nodes().stream().sorted().toList(), c.nodes());
            for (int id : c.nodes()) {
                assertEquals(c, r.componentOf(id));
            }
            covered += c.nodes().size();
        }
        assertEquals(g.size(), covered);
        for (GraphView.Edge e : r.view().edges()) {
            assertTrue(r.componentOf(e.source()).index() <= r.componentOf(e.target()).index(), e.toString());
        }
        for (ComponentEdge e : r.condensation()) {
            assertTrue(e.from() < e.to());
            assertTrue(r.reaches(e.from(), e.to()));
            assertFalse(r.reaches(e.to(), e.from()));
        }
    }

    @Test
    void mlpIsAllBatched() {
        Graph g = Cells.mlp();
        SccResult r = SccAnalysis.analyze(g);
        checkWellFormed(g, r);
        assertEquals(g.size(), r.size());
        for (Component c : r.components()) {
            assertEquals(ComponentKind.BATCHED, c.kind());
            assertEquals(0, c.inFlight());
            assertEquals(1, c.nodes().size());
        }
        assertTrue(of(g, r, "w1").isStatic());
        assertFalse(of(g, r, "x").isStatic());
        assertFalse(of(g, r, "y").isStatic());
        assertTrue(r.reaches(of(g, r, "x").index(), of(g, r, "y").index()));
        assertFalse(r.reaches(of(g, r, "y").index(), of(g, r, "x").index()));
        assertFalse(r.reaches(of(g, r, "x").index(), of(g, r, "w2").index()));
    }

    @Test
    void elmanHasOneForwardComponentWithTheHiddenPath() {
        Graph g = Cells.elman();
        SccResult r = SccAnalysis.analyze(g);
        checkWellFormed(g, r);
        List<Component> rec = recurrent(r);
        assertEquals(1, rec.size());
        Component c = rec.get(0);
        assertEquals(ComponentKind.RECURRENT_FORWARD, c.kind());
        assertEquals(1, c.inFlight());
        assertFalse(c.isStatic());
        // h, h[t-1] W_hh^T, the add joining it with x W_ih^T and the bias add: four nodes.
        assertEquals(4, c.nodes().size());
        assertTrue(c.contains(g.node("h").id()));
        Node xProjection = g.nodesOf(Op.MATMUL).stream()
                .filter(n -> n.operand(0).source() == g.node("x").id()).findFirst().orElseThrow();
        assertFalse(c.contains(xProjection.id()));
        assertTrue(r.reaches(r.componentOf(xProjection.id()).index(), c.index()));
        assertTrue(of(g, r, "weight_hh_l0").isStatic());
        assertEquals("C" + c.index() + " recurrent-forward (in-flight 1)", c.label());
    }

    @Test
    void lstmHasOneForwardComponentHoldingHAndC() {
        Graph g = Cells.lstm();
        SccResult r = SccAnalysis.analyze(g);
        checkWellFormed(g, r);
        List<Component> rec = recurrent(r);
        assertEquals(1, rec.size());
        Component c = rec.get(0);
        assertEquals(ComponentKind.RECURRENT_FORWARD, c.kind());
        assertEquals(1, c.inFlight());
        assertTrue(c.contains(g.node("h_l0").id()));
        assertTrue(c.contains(g.node("c_l0").id()));
        // The input projection x W_ih^T + b_ih runs batched, outside the loop.
        assertEquals(ComponentKind.BATCHED, of(g, r, "lstm_l0.matmul_0").kind());
        assertEquals(ComponentKind.BATCHED, of(g, r, "lstm_l0.add_1").kind());
    }

    @Test
    void gruHasOneForwardComponent() {
        Graph g = Cells.gru();
        SccResult r = SccAnalysis.analyze(g);
        checkWellFormed(g, r);
        List<Component> rec = recurrent(r);
        assertEquals(1, rec.size());
        assertEquals(ComponentKind.RECURRENT_FORWARD, rec.get(0).kind());
        assertEquals(1, rec.get(0).inFlight());
        assertTrue(rec.get(0).contains(g.node("h").id()));
    }

    @Test
    void stackedLstmIsAChainOfTwoRecurrentComponents() {
        Graph g = Cells.stackedLstm();
        SccResult r = SccAnalysis.analyze(g);
        checkWellFormed(g, r);
        List<Component> rec = recurrent(r);
        assertEquals(2, rec.size());
        Component first = of(g, r, "h_l0");
        Component second = of(g, r, "h_l1");
        assertEquals(List.of(first, second), rec);
        assertTrue(first.index() < second.index());
        assertTrue(r.reaches(first.index(), second.index()));
        assertFalse(r.reaches(second.index(), first.index()));
        Component loss = of(g, r, "loss");
        assertEquals(ComponentKind.BATCHED, loss.kind());
        assertTrue(loss.isStatic(), "a time reduction is static");
        assertTrue(r.reaches(second.index(), loss.index()));
    }

    @Test
    void bidirectionalLstmHasIndependentForwardAndReverseComponents() {
        Graph g = Cells.biLstm();
        SccResult r = SccAnalysis.analyze(g);
        checkWellFormed(g, r);
        List<Component> rec = recurrent(r);
        assertEquals(2, rec.size());
        Component fwd = of(g, r, "h_l0");
        Component bwd = of(g, r, "h_l0_reverse");
        assertEquals(ComponentKind.RECURRENT_FORWARD, fwd.kind());
        assertEquals(ComponentKind.RECURRENT_REVERSE, bwd.kind());
        assertEquals(1, bwd.inFlight());
        assertTrue(bwd.contains(g.node("c_l0_reverse").id()));
        assertFalse(r.reaches(fwd.index(), bwd.index()));
        assertFalse(r.reaches(bwd.index(), fwd.index()));
        int y = of(g, r, "y").index();
        assertTrue(r.reaches(fwd.index(), y));
        assertTrue(r.reaches(bwd.index(), y));
        assertEquals(List.of(fwd.index(), bwd.index()), r.predecessors(y));
    }

    @Test
    void delayTwoGivesTwoStepsInFlight() {
        for (boolean reverse : new boolean[] {false, true}) {
            Graph g = Cells.delay2(reverse);
            SccResult r = SccAnalysis.analyze(g);
            checkWellFormed(g, r);
            List<Component> rec = recurrent(r);
            assertEquals(1, rec.size());
            assertEquals(2, rec.get(0).inFlight());
            assertEquals(reverse ? ComponentKind.RECURRENT_REVERSE : ComponentKind.RECURRENT_FORWARD,
                    rec.get(0).kind());
        }
    }

    @Test
    void inFlightIsTheSmallestTotalDelayAroundACycle() {
        Graph g = Cells.twoPaths();
        SccResult r = SccAnalysis.analyze(g);
        checkWellFormed(g, r);
        List<Component> rec = recurrent(r);
        assertEquals(1, rec.size());
        Component c = rec.get(0);
        assertTrue(c.contains(g.node("a").id()) && c.contains(g.node("b").id()) && c.contains(g.node("h").id()));
        assertEquals(3, c.inFlight(), "h -> a (t-2) -> h (t-1) beats h -> b (t-4) -> h");
    }

    @Test
    void selfLoopIsRecurrent() {
        GraphBuilder b = new GraphBuilder("self");
        Value x = b.input("x", 4);
        Recurrent s = b.recurrent("s", 4);
        s.define(b.add(x, s.delayed(3)));
        b.output(s);
        Graph g = b.build();
        SccResult r = SccAnalysis.analyze(g);
        Component c = of(g, r, "s");
        assertEquals(List.of(g.node("s").id()), c.nodes());
        assertEquals(ComponentKind.RECURRENT_FORWARD, c.kind());
        assertEquals(3, c.inFlight());
    }

    @Test
    void initialValuesAreEdgesFromAStaticComponent() {
        GraphBuilder b = new GraphBuilder("init");
        Value x = b.input("x", 4);
        Value h0 = b.staticInput("h0", GraphBuilder.shape(Dim.B, 4));
        Recurrent h = b.recurrent("h", 4);
        h.define(b.tanh(b.add(x, h.prev().init(h0))));
        b.output(h);
        Graph g = b.build();
        GraphView view = GraphView.of(g);
        List<GraphView.Edge> inits = view.edges().stream().filter(GraphView.Edge::init).toList();
        assertEquals(1, inits.size());
        GraphView.Edge e = inits.get(0);
        assertEquals(g.node("h0").id(), e.source());
        assertEquals(0, e.delay());
        int operands = g.nodes().stream().mapToInt(n -> n.operands().size()).sum();
        assertEquals(operands + 1, view.graph().edgeSet().size());

        SccResult r = SccAnalysis.analyze(g);
        Component init = of(g, r, "h0");
        assertTrue(init.isStatic());
        assertEquals(ComponentKind.BATCHED, init.kind());
        assertTrue(r.reaches(init.index(), of(g, r, "h").index()));
    }

    @Test
    void viewIsReadOnlyAndKeepsParallelEdges() {
        GraphBuilder b = new GraphBuilder("square");
        Value x = b.input("x", 4);
        b.output(b.mul(x, x));
        Graph g = b.build();
        GraphView view = GraphView.of(g);
        assertEquals(2, view.graph().getAllEdges(0, 1).size());
        assertEquals(List.of(0, 1), view.incoming(1).stream().map(GraphView.Edge::operand).toList());
        assertThrows(UnsupportedOperationException.class, () -> view.graph().addVertex(7));
        assertEquals(List.of(0, 1), new ArrayList<>(view.graph().vertexSet()));
    }

    @Test
    void topologicalTiesGoToTheSmallestNodeId() {
        // Three independent inputs and two users: Kahn's order must list sources by id first.
        GraphBuilder b = new GraphBuilder("ties");
        Value c = b.input("c", 4);
        Value a = b.input("a", 4);
        Value u = b.tanh(a);
        Value v = b.add(c, u);
        b.output(v);
        Graph g = b.build();
        SccResult r = SccAnalysis.analyze(g);
        List<Integer> order = r.components().stream().map(k -> k.nodes().get(0)).toList();
        assertEquals(List.of(0, 1, 2, 3), order);
    }

    @Test
    void analysisIsDeterministic() {
        SccResult a = SccAnalysis.analyze(Cells.biLstm());
        SccResult b = SccAnalysis.analyze(Cells.biLstm());
        assertEquals(a.components(), b.components());
        assertEquals(a.condensation(), b.condensation());
        assertEquals(a.toText(), b.toText());
    }

    private static Node perStep(int id, String name, Op op, Operand... operands) {
        return new Node(id, name, op, List.of(operands), null, DType.F32, Shape.batch(4), Node.DEFAULT_AXIS);
    }

    @Test
    void rejectsInstantAndMixedCyclesThatSkippedTheVerifier() {
        Node x = perStep(0, "x", Op.INPUT);
        Graph instant = new Graph("instant", List.of(x,
                perStep(1, "a", Op.ADD, Operand.of(0), Operand.of(2)),
                perStep(2, "b", Op.TANH, Operand.of(1))), List.of(2));
        GraphException e1 = assertThrows(GraphException.class, () -> SccAnalysis.analyze(instant));
        assertTrue(e1.getMessage().contains("instant cycle"), e1.getMessage());

        Graph mixed = new Graph("mixed", List.of(x,
                perStep(1, "a", Op.ADD, Operand.of(0), Operand.delayed(2, 1)),
                perStep(2, "b", Op.TANH, Operand.delayed(1, -1))), List.of(2));
        GraphException e2 = assertThrows(GraphException.class, () -> SccAnalysis.analyze(mixed));
        assertTrue(e2.getMessage().contains("mixes past and future"), e2.getMessage());
    }

    @Test
    void kindsHaveTextNames() {
        assertEquals("batched", ComponentKind.BATCHED.textName());
        assertEquals("recurrent-forward", ComponentKind.RECURRENT_FORWARD.textName());
        assertEquals("recurrent-reverse", ComponentKind.RECURRENT_REVERSE.textName());
        for (ComponentKind k : ComponentKind.values()) {
            assertEquals(k, ComponentKind.fromText(k.textName()));
        }
        assertNull(ComponentKind.fromText("cyclic"));
        assertEquals(-1, ComponentKind.RECURRENT_REVERSE.stepDirection());
    }
}
