package io.recurflow.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.recurflow.ir.Attrs;
import io.recurflow.ir.DType;
import io.recurflow.ir.Graph;
import io.recurflow.ir.Node;
import io.recurflow.ir.Op;
import io.recurflow.ir.Operand;
import io.recurflow.ir.Shape;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class GraphTextRoundTripTest {
    static Stream<Graph> graphs() {
        return SampleGraphs.all().stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("graphs")
    void printThenParseGivesTheSameGraphAndText(Graph g) {
        String text = GraphPrinter.print(g);
        Graph back = GraphParser.parse(text, g.name() + ".rfg");
        assertEquals(g, back);
        assertEquals(text, GraphPrinter.print(back));
    }

    @Test
    void pastReadsPrintAsMinusDelay() {
        Graph g = SampleGraphs.delay2();
        String text = GraphPrinter.print(g);
        assertTrue(text.contains("\n  %add_0 = add(%x, %h[t-2]) : f32[B, 8] @t\n"), text);
        Graph back = GraphParser.parse(text);
        assertEquals(List.of(Operand.of(0), Operand.delayed(2, 2)), back.node("add_0").operands());
    }

    @Test
    void futureReadsPrintAsPlusDelay() {
        Graph g = SampleGraphs.reverse();
        String text = GraphPrinter.print(g);
        assertTrue(text.contains("  %matmul_1 = matmul(%h_reverse[t+1], %weight_hh_l0_reverse) {transpose_b=true}"
                + " : f32[B, 8] @t\n"), text);
        assertTrue(text.contains("  %h_n = first_step(%h_reverse) : f32[B, 8]\n"), text);
        Node mm = GraphParser.parse(text).node("matmul_1");
        assertEquals(-1, mm.operand(0).delay());
        assertEquals(6, mm.operand(0).source());
    }

    @Test
    void initialValueGoesInsideTheBrackets() {
        String text = GraphPrinter.print(SampleGraphs.withInitialState());
        assertTrue(text.contains("  %h0 = static_input() : f32[B, 8]\n"), text);
        assertTrue(text.contains("  %matmul_1 = matmul(%h[t-1, init=%h0], %weight_hh_l0) {transpose_b=true}"
                + " : f32[B, 8] @t\n"), text);
        Graph back = GraphParser.parse(text);
        assertEquals(new Operand(7, 1, 1), back.node("matmul_1").operand(0));
    }

    @Test
    void attributesPrintSortedWithTheirTypes() {
        String text = GraphPrinter.print(SampleGraphs.opsWithAttributes());
        for (String line : List.of(
                "  %tokens = input() : i32[B] @t",
                "  %slice_1 = slice(%embedding_0) {end=3, start=0} : f32[B, 3] @t",
                "  %states = static_input() : f32[2, B, 3]",
                "  %state1 = select(%states) {index=1} : f32[B, 3]",
                "  %const_4 = const() {value=0.5} : f32[3]",
                "  %loss = cross_entropy(%sub_19, %targets, %mask) : f32[B] @t",
                "  %total_loss = sum_time(%loss) : f32[B]",
                "  %packed = pack(%last_step_22, %first_step_23) : f32[2, B, 3]",
                "  %stacked = stack_time(%slice_1) : f32[T, B, 3]",
                "  outputs %total_loss, %packed, %stacked")) {
            assertTrue(text.contains("\n" + line + "\n"), "missing line: " + line + "\n" + text);
        }
        Node slice = GraphParser.parse(text).node("slice_2");
        assertEquals(Attrs.of("start", 3L, "end", 6L), slice.attrs());
    }

    @Test
    void oddNamesAreQuotedAndValuesKeepEveryBit() {
        Graph g = SampleGraphs.oddNamesAndValues();
        String text = GraphPrinter.print(g);
        assertTrue(text.startsWith("graph \"my graph\" {\n  %\"my input\" = input() : f32[B, 2] @\"enc time\"\n"), text);
        assertTrue(text.contains("\n  %7 = add(%\"my input\", %layer/0.c) : f32[B, 2] @\"enc time\"\n"), text);
        assertTrue(text.contains("text=\"a \\\"quoted\\\"\\n\\tline \\\\ é \u2603 \\u0001\""), text);
        assertTrue(text.contains("value=-0.0}"), text);
        assertTrue(text.endsWith("  outputs %7, %\"\"\n}\n"), text);
        Attrs back = GraphParser.parse(text).node("layer/0.c").attrs();
        assertEquals(Double.doubleToRawLongBits(-0.0), Double.doubleToRawLongBits(back.getDouble("value", 1)));
        assertTrue(Double.isNaN(back.getDouble("nan", 0)));
        assertEquals(Double.MIN_VALUE, back.getDouble("tiny", 0));
        assertEquals(Long.MIN_VALUE, back.getLong("min_long", 0));
        assertEquals("a \"quoted\"\n\tline \\ é \u2603 \u0001", back.getString("text", null));
        assertEquals(1L, back.getLong("odd key", 0));
    }

    @Test
    void randomDoublesAndLongsRoundTripExactly() {
        Random random = new Random(42);
        Attrs attrs = Attrs.EMPTY;
        List<Object> values = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            Object v = switch (i % 4) {
                case 0 -> Double.longBitsToDouble(random.nextLong());
                case 1 -> random.nextGaussian() * Math.pow(10, random.nextInt(40) - 20);
                case 2 -> (double) random.nextFloat();
                default -> random.nextLong();
            };
            values.add(v);
            attrs = attrs.with(String.format("a%04d", i), v);
        }
        Node c = new Node(0, "c", Op.CONST, List.of(), attrs, DType.F32, Shape.fixed(1), null);
        Graph g = new Graph("numbers", List.of(c), List.of(0));
        Graph back = GraphParser.parse(GraphPrinter.print(g));
        assertEquals(g, back);
        for (int i = 0; i < values.size(); i++) {
            Object parsed = back.node(0).attrs().asMap().get(String.format("a%04d", i));
            assertEquals(values.get(i), parsed, "value " + i);
        }
    }

    @Test
    void commentsAndLayoutDoNotMatter() {
        String text = """
                # An Elman RNN, written by hand.
                graph elman{%x=input():f32[B,4]@t
                %weight_ih_l0 = param()  # input weights
                    : f32[8, 4]
                %weight_hh_l0=param():f32[8,8] %bias_l0=param():f32[8]
                %matmul_0=matmul(%x,%weight_ih_l0){transpose_b=true}:f32[B,8]@t
                %matmul_1 = matmul( %h [ t - 1 ] , %weight_hh_l0 ) { transpose_b = true } : f32 [ B , 8 ] @ t
                %add_2=add(%matmul_0,%matmul_1):f32[B,8]@t  %add_3=add(%add_2,%bias_l0):f32[B,8]@t
                %h=tanh(%add_3):f32[B,8]@t
                %h_n=last_step(%h):f32[B,8]
                outputs %h,%h_n}# done
                """;
        assertEquals(SampleGraphs.elman(), GraphParser.parse(text));
    }

    @Test
    void printNodeGivesOneLine() {
        Graph g = SampleGraphs.elman();
        assertEquals("%matmul_1 = matmul(%h[t-1], %weight_hh_l0) {transpose_b=true} : f32[B, 8] @t",
                GraphPrinter.printNode(g, g.node("matmul_1")));
    }
}
