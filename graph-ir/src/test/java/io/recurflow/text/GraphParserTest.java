package io.recurflow.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.recurflow.ir.DType;
import io.recurflow.ir.Dim;
import io.recurflow.ir.Graph;
import io.recurflow.ir.GraphException;
import io.recurflow.ir.Node;
import io.recurflow.ir.Shape;
import org.junit.jupiter.api.Test;

class GraphParserTest {
    private static final String X = "  %x = input() : f32[B, 4] @t";
    private static final String W = "  %w = param() : f32[4, 4]";

    /** A graph named g with these lines as its body: the first body line is line 2. */
    private static String graph(String... body) {
        return "graph g {\n" + String.join("\n", body) + "\n}\n";
    }

    private static void assertError(String text, int line, int column, String detail) {
        ParseException e = assertThrows(ParseException.class, () -> GraphParser.parse(text, "model.rfg"));
        assertEquals("model.rfg:" + line + ":" + column + ": " + detail, e.getMessage());
        assertEquals(line, e.line());
        assertEquals(column, e.column());
        assertEquals(detail, e.detail());
        assertEquals("model.rfg", e.sourceName());
    }

    // ---- inference ------------------------------------------------------------------------------

    @Test
    void typesOfComputedNodesAreInferred() {
        String text = graph(
                "  %x = input() : f32[B, 5] @t",
                "  %fc1.weight = param() : f32[16, 5]",
                "  %fc1.bias = param() : f32[16]",
                "  %matmul_0 = matmul(%x, %fc1.weight) {transpose_b=true}",
                "  %add_1 = add(%matmul_0, %fc1.bias)",
                "  %hidden = relu(%add_1)",
                "  %fc2.weight = param() : f32[3, 16]",
                "  %fc2.bias = param() : f32[3]",
                "  %matmul_3 = matmul(%hidden, %fc2.weight) {transpose_b=true}",
                "  %y = add(%matmul_3, %fc2.bias)",
                "  outputs %y").replace("graph g", "graph mlp");
        Graph g = GraphParser.parse(text);
        assertEquals(SampleGraphs.mlp(), g);
        Node y = g.node("y");
        assertEquals(DType.F32, y.dtype());
        assertEquals(Shape.batch(3), y.shape());
        assertEquals("t", y.axis());
    }

    @Test
    void nodesMayReadLaterNodesBeforeTheirTypesAreKnown() {
        Graph g = GraphParser.parse(graph(
                "  %total = sum_time(%y)",
                "  %y = tanh(%z)",
                "  %z = matmul(%x, %w)",
                W,
                X,
                "  outputs %total"));
        assertEquals(Shape.batch(4), g.node("total").shape());
        assertEquals(null, g.node("total").axis());
        assertEquals(Shape.batch(4), g.node("y").shape());
        assertEquals("t", g.node("y").axis());
        assertEquals(0, g.node("total").id());
        assertEquals(4, g.node("x").id());
    }

    @Test
    void oneDeclaredTypeOnACycleIsEnough() {
        String body = GraphPrinter.print(SampleGraphs.elman())
                .replaceAll(" : f32\\[B, 8\\] @t\n", "\n")
                .replace("%h = tanh(%add_3)\n", "%h = tanh(%add_3) : f32[B, 8] @t\n")
                .replace("%h_n = last_step(%h) : f32[B, 8]\n", "%h_n = last_step(%h)\n");
        assertTrue(body.contains("  %matmul_1 = matmul(%h[t-1], %weight_hh_l0) {transpose_b=true}\n"), body);
        assertEquals(SampleGraphs.elman(), GraphParser.parse(body));
    }

    @Test
    void declaredTypeOnAComputedNodeMustMatchInference() {
        assertError(graph(X, W, "  %y = matmul(%x, %w) : f32[B, 5] @t", "  outputs %y"), 4, 25,
                "node %y is declared f32[B, 5] @t but its operands make it f32[B, 4] @t");
        assertError(graph(X, "  %y = tanh(%x) : f32[B, 4]", "  outputs %y"), 3, 19,
                "node %y is declared f32[B, 4] but its operands make it f32[B, 4] @t");
        assertError(graph(X, "  %y = tanh(%x) : i32[B, 4] @t", "  outputs %y"), 3, 19,
                "node %y is declared i32[B, 4] @t but its operands make it f32[B, 4] @t");
    }

    @Test
    void cycleWithoutADeclaredTypeIsReportedAtANodeOnTheCycle() {
        assertError(graph(X, W,
                        "  %hh = matmul(%h[t-1], %w)",
                        "  %a = add(%x, %hh)",
                        "  %h = tanh(%a)",
                        "  outputs %h"), 4, 3,
                "cannot infer the type of %hh: no node on its cycle through %hh, %h, %a declares a type");
        // %out is downstream of the cycle, not on it, so the message names the cycle's node %h.
        assertError(graph(X, W,
                        "  %out = sum_time(%h)",
                        "  %hh = matmul(%h[t-1], %w)",
                        "  %a = add(%x, %hh)",
                        "  %h = tanh(%a)",
                        "  outputs %out"), 7, 3,
                "cannot infer the type of %h: no node on its cycle through %h, %a, %hh declares a type");
        assertError(graph(X, "  %h = tanh(%h[t-1])", "  outputs %h"), 3, 3,
                "cannot infer the type of %h: no node on its cycle through %h declares a type");
    }

    @Test
    void inferenceErrorsPointAtTheNode() {
        assertError(graph(X, "  %y = add(%x)", "  outputs %y"), 3, 3, "node %y (add) takes 2 operands, got 1");
        assertError(graph(X, "  %s = slice(%x) {start=2, end=9}", "  outputs %s"), 3, 3,
                "node %s (slice) takes [2, 9) of %x [B, 4], which has 4 features");
        assertError(graph(X, "  %s = slice(%x)", "  outputs %s"), 3, 3, "missing integer attribute 'start'");
    }

    // ---- errors ---------------------------------------------------------------------------------

    @Test
    void unknownOp() {
        assertError(graph(X, "  %y = tahn(%x)", "  outputs %y"), 3, 8, "unknown op 'tahn'");
        assertError(graph(X, "  %y = (%x)", "  outputs %y"), 3, 8, "expected an op name but found '('");
    }

    @Test
    void unknownNodeReference() {
        assertError(graph(X, "  %y = tanh(%foo)", "  outputs %y"), 3, 13, "unknown node %foo");
        assertError(graph(X, "  outputs %z"), 3, 11, "unknown node %z");
        assertError(graph(X, "  %y = tanh(%x[t-1, init=%x0])", "  outputs %y"), 3, 26, "unknown node %x0");
    }

    @Test
    void duplicateName() {
        assertError(graph(X, "  %x = tanh(%x)", "  outputs %x"), 3, 3,
                "duplicate node name %x (first defined at 2:3)");
    }

    @Test
    void badAttributeValue() {
        assertError(graph(X, "  %y = slice(%x) {start=abc, end=2}", "  outputs %y"), 3, 25,
                "bad attribute value 'abc' for start: expected a number, NaN, Infinity, true, false or a \"string\"");
        assertError(graph(X, "  %y = slice(%x) {start=99999999999999999999, end=2}", "  outputs %y"), 3, 25,
                "bad attribute value 99999999999999999999 for start: integer out of range");
        assertError(graph(X, "  %y = slice(%x) {start=-true, end=2}", "  outputs %y"), 3, 25,
                "bad attribute value '-' 'true' for start: expected a number, NaN, Infinity, true, false or a \"string\"");
        assertError(graph("  %c = const() {value=1e999} : f32[1]", "  outputs %c"), 2, 23,
                "bad attribute value 1e999 for value: out of the range of a double (write Infinity if you mean it)");
        assertError(graph(X, "  %y = slice(%x) {start=1, start=2}", "  outputs %y"), 3, 28,
                "attribute start is given twice");
    }

    @Test
    void attributeValuesOfEveryKind() {
        Graph g = GraphParser.parse(graph(
                "  %c = const() {value=-2.5E-3, n=-7, \"odd key\"=\"x\\u0041\", on=true, nan=NaN, low=-Infinity}"
                        + " : f32[2]",
                "  outputs %c"));
        var attrs = g.node("c").attrs();
        assertEquals(-2.5e-3, attrs.getDouble("value", 0));
        assertEquals(-7L, attrs.getLong("n", 0));
        assertEquals("xA", attrs.getString("odd key", null));
        assertTrue(attrs.getBool("on", false));
        assertTrue(Double.isNaN(attrs.getDouble("nan", 0)));
        assertEquals(Double.NEGATIVE_INFINITY, attrs.getDouble("low", 0));
    }

    @Test
    void missingTypeOnSource() {
        assertError(graph(X, "  %w = param()", "  %y = matmul(%x, %w)", "  outputs %y"), 3, 8,
                "missing type on source node %w (param): write ': dtype[dims]' after it");
        assertError(graph("  %x = input() : f32[B, 4]", "  outputs %x"), 2, 3, "input %x needs a time axis");
    }

    @Test
    void badTypeSyntax() {
        assertError(graph("  %x = input() : f64[B, 4] @t", "  outputs %x"), 2, 18,
                "expected an element type (f32 or i32) but found 'f64'");
        assertError(graph("  %x = input() : f32[B, x] @t", "  outputs %x"), 2, 25,
                "bad dimension 'x': expected a size, B or T");
        assertError(graph("  %x = input() : f32[B, 2.5] @t", "  outputs %x"), 2, 25,
                "bad dimension '2.5': expected a size, B or T");
    }

    @Test
    void unexpectedToken() {
        assertError(graph(X, "  %y = tanh(%x))", "  outputs %y"), 3, 16,
                "expected a node (%name = op(...)), 'outputs' or '}' but found ')'");
        assertError(graph(X, "  %y tanh(%x)", "  outputs %y"), 3, 6, "expected '=' but found 'tanh'");
        assertError("grph g {}", 1, 1, "expected 'graph' but found 'grph'");
        assertError(graph(X, "  outputs %x") + "extra", 5, 1,
                "expected end of input after the graph's '}' but found 'extra'");
        assertError(graph(X, "  outputs %x", "  outputs %x"), 4, 3, "the graph's outputs are listed twice");
        assertError(graph(X, "  %y = tanh(%x) $", "  outputs %y"), 3, 17, "unexpected character '$'");
    }

    @Test
    void unexpectedEndOfInput() {
        assertError("graph g {\n" + X + "\n  outputs %x\n", 4, 1,
                "expected a node (%name = op(...)), 'outputs' or '}' but found end of input");
        assertError("graph g {\n  %x = input(", 2, 14, "expected an operand (%name) but found end of input");
        assertError("graph g {\n  %c = const() {text=\"abc", 2, 22, "unterminated string");
        assertError("graph g {\n  %c = const() {text=\"a\\qb\"}", 2, 24,
                "bad escape \\q in string: use \\\", \\\\, \\n, \\t, \\r or \\uXXXX");
    }

    @Test
    void badDelaySyntax() {
        assertError(graph(X, "  %y = tanh(%x[t-0])", "  outputs %y"), 3, 18,
                "bad delay: expected a step count from 1 to 2147483647 after 't-' but found '0'");
        assertError(graph(X, "  %y = tanh(%x[t-1.5])", "  outputs %y"), 3, 18,
                "bad delay: expected a step count from 1 to 2147483647 after 't-' but found '1.5'");
        assertError(graph(X, "  %y = tanh(%x[t+3000000000])", "  outputs %y"), 3, 18,
                "bad delay: expected a step count from 1 to 2147483647 after 't+' but found '3000000000'");
        assertError(graph(X, "  %y = tanh(%x[s-1])", "  outputs %y"), 3, 16,
                "bad delay: expected t-N (past) or t+N (future) but found 's'");
        assertError(graph(X, "  %y = tanh(%x[t])", "  outputs %y"), 3, 16,
                "bad delay: write %x for the same step, [t-N] for the past or [t+N] for the future");
        assertError(graph(X, "  %y = tanh(%x[t-1)", "  outputs %y"), 3, 19, "bad delay: expected ']' but found ')'");
        assertError(graph(X, "  %y = tanh(%x[t-1, start=%x])", "  outputs %y"), 3, 21,
                "bad delay: expected 'init' but found 'start'");
    }

    @Test
    void verifierErrorsKeepTheirMessageWithoutPosition() {
        String instant = graph(X, "  %a = tanh(%b) : f32[B, 4] @t", "  %b = tanh(%a) : f32[B, 4] @t", "  outputs %b");
        ParseException e = assertThrows(ParseException.class, () -> GraphParser.parse(instant, "model.rfg"));
        assertEquals(0, e.line());
        assertEquals(0, e.column());
        assertTrue(e.getMessage().startsWith("model.rfg: instant cycle (total delay 0): %"), e.getMessage());
        assertTrue(e.detail().contains("%a") && e.detail().contains("%b"), e.getMessage());

        ParseException noOutputs = assertThrows(ParseException.class, () -> GraphParser.parse(graph(X)));
        assertEquals("<input>: graph g has no outputs", noOutputs.getMessage());

        String mixed = graph(X, W,
                "  %a = add(%x, %b[t-1]) : f32[B, 4] @t",
                "  %b = matmul(%a[t+1], %w)",
                "  outputs %b");
        ParseException m = assertThrows(ParseException.class, () -> GraphParser.parse(mixed));
        assertTrue(m.getMessage().contains("mixes past and future delays"), m.getMessage());
    }

    @Test
    void parseErrorsAreGraphExceptions() {
        GraphException e = assertThrows(GraphException.class, () -> GraphParser.parse(graph(X, "  outputs %q")));
        assertInstanceOf(ParseException.class, e);
        assertEquals("<input>:3:11: unknown node %q", e.getMessage());
    }

    @Test
    void shapesWithSymbolsAndScalars() {
        Graph g = GraphParser.parse(graph(
                "  %s = static_input() : f32[]",
                "  %x = input() : f32[B, 3] @t",
                "  %k = stack_time(%x)",
                "  outputs %s, %k"));
        assertEquals(Shape.of(), g.node("s").shape());
        assertEquals(Shape.of(Dim.T, Dim.B, Dim.of(3)), g.node("k").shape());
        assertEquals("  %s = static_input() : f32[]", GraphPrinter.print(g).split("\n")[1]);
    }
}
