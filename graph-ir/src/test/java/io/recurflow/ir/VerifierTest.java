package io.recurflow.ir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.recurflow.dsl.GraphBuilder;
import io.recurflow.dsl.Recurrent;
import io.recurflow.dsl.Value;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The verifier's accept/reject table, on graphs assembled node by node (the builder would refuse some). */
class VerifierTest {
    private final List<Node> nodes = new ArrayList<>();

    private int input(String name) {
        return add(new Node(nodes.size(), name, Op.INPUT, List.of(), Attrs.EMPTY, DType.F32, Shape.batch(4), "t"));
    }

    private int node(String name, Op op, Operand... operands) {
        return add(new Node(nodes.size(), name, op, List.of(operands), Attrs.EMPTY, DType.F32, Shape.batch(4), "t"));
    }

    private int add(Node n) {
        nodes.add(n);
        return n.id();
    }

    private List<String> problems(int... outputs) {
        List<Integer> outs = new ArrayList<>();
        for (int o : outputs) {
            outs.add(o);
        }
        return Verifier.problems(new Graph("g", nodes, outs));
    }

    @Test
    void acceptsARecurrenceWithDelay() {
        int x = input("x");
        int h = node("h", Op.ADD, Operand.of(x), Operand.delayed(1, 1));
        assertEquals(List.of(), problems(h));
    }

    @Test
    void rejectsAnInstantCycleNamingItsNodes() {
        int x = input("x");
        int a = node("a", Op.ADD, Operand.of(x), Operand.of(2));
        node("b", Op.TANH, Operand.of(a));
        List<String> p = problems(a);
        assertEquals(1, p.size(), p.toString());
        assertTrue(p.get(0).startsWith("instant cycle (total delay 0): ") && p.get(0).contains("%a")
                && p.get(0).contains("%b"), p.get(0));
    }

    @Test
    void rejectsACycleMixingPastAndFuture() {
        int x = input("x");
        int a = node("a", Op.ADD, Operand.of(x), Operand.delayed(2, 1));
        node("b", Op.ADD, Operand.of(a), Operand.delayed(a, -1));
        List<String> p = problems(a);
        assertEquals(1, p.size(), p.toString());
        assertTrue(p.get(0).contains("mixes past and future") && p.get(0).contains("%a, %b"), p.get(0));
    }

    @Test
    void rejectsATimeReductionInsideACycle() {
        int x = input("x");
        int s = add(new Node(1, "s", Op.SUM_TIME, List.of(Operand.of(2)), Attrs.EMPTY, DType.F32, Shape.batch(4), null));
        int h = node("h", Op.ADD, Operand.of(x), Operand.of(s));
        List<String> p = problems(h);
        assertTrue(p.stream().anyMatch(m -> m.contains("time reduction %s")), p.toString());
    }

    @Test
    void rejectsAShapeMismatchNamingBothShapes() {
        int x = input("x");
        int y = add(new Node(1, "y", Op.INPUT, List.of(), Attrs.EMPTY, DType.F32, Shape.batch(5), "t"));
        int s = node("s", Op.ADD, Operand.of(x), Operand.of(y));
        List<String> p = problems(s);
        assertEquals(List.of("shape mismatch at node %s (add): %x [B, 4] and %y [B, 5]"), p);
    }

    @Test
    void rejectsARecordedTypeThatDisagreesWithInference() {
        int x = input("x");
        int t = add(new Node(1, "t", Op.TANH, List.of(Operand.of(x)), Attrs.EMPTY, DType.F32, Shape.batch(8), "t"));
        assertEquals(List.of("node %t is recorded as f32[B, 8] @t but its operands make it f32[B, 4] @t"), problems(t));
    }

    @Test
    void rejectsAnOperandThatDoesNotExist() {
        input("x");
        node("h", Op.TANH, Operand.of(7));
        GraphException e = assertThrows(GraphException.class, () -> problems(1));
        assertEquals("node %h has an operand 7 that does not exist", e.getMessage());
    }

    @Test
    void rejectsADelayedReadOfAStaticValue() {
        int x = input("x");
        int w = add(new Node(1, "w", Op.PARAM, List.of(), Attrs.EMPTY, DType.F32, Shape.fixed(4), null));
        int y = node("y", Op.ADD, Operand.of(x), Operand.delayed(w, 1));
        List<String> p = problems(y);
        assertTrue(p.get(0).contains("reads static node %w with delay 1"), p.toString());
    }

    @Test
    void rejectsAnInitialValueOfTheWrongShape() {
        int x = input("x");
        int h0 = add(new Node(1, "h0", Op.STATIC_INPUT, List.of(), Attrs.EMPTY, DType.F32, Shape.batch(3), null));
        int h = node("h", Op.ADD, Operand.of(x), new Operand(2, 1, h0));
        assertEquals(List.of("shape mismatch at node %h: initial value %h0 [B, 3] for %h [B, 4]"), problems(h));
    }

    @Test
    void builderReportsShapeErrorsAtOnceAndUndefinedRecurrences() {
        GraphBuilder g = new GraphBuilder("bad");
        Value x = g.input("x", 4);
        Value w = g.param("w", 5, 3);
        GraphException mm = assertThrows(GraphException.class, () -> g.matmulT(x, w));
        assertTrue(mm.getMessage().contains("%x [B, 4] and %w [5, 3]"), mm.getMessage());
        Recurrent h = g.recurrent("h", 4);
        GraphException def = assertThrows(GraphException.class, () -> h.define(g.concat(x, x)));
        assertTrue(def.getMessage().contains("recurrent %h is declared f32[B, 4] @t but defined by"), def.getMessage());
        g.output(g.tanh(h.prev()));
        GraphException undefined = assertThrows(GraphException.class, g::build);
        assertEquals("recurrent %h is declared but never defined", undefined.getMessage());
    }
}
