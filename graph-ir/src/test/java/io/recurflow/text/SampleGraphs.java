package io.recurflow.text;

import io.recurflow.dsl.GraphBuilder;
import io.recurflow.dsl.Recurrent;
import io.recurflow.dsl.Value;
import io.recurflow.ir.Attrs;
import io.recurflow.ir.DType;
import io.recurflow.ir.Dim;
import io.recurflow.ir.Graph;
import io.recurflow.ir.Node;
import io.recurflow.ir.Op;
import io.recurflow.ir.Operand;
import io.recurflow.ir.Shape;
import io.recurflow.ir.Verifier;
import java.util.List;

/** Graphs for the text-form tests, built with the DSL as users would build them. */
final class SampleGraphs {
    private SampleGraphs() {
    }

    static List<Graph> all() {
        return List.of(mlp(), elman(), reverse(), delay2(), withInitialState(), opsWithAttributes(),
                oddNamesAndValues());
    }

    /** Two dense layers: y = relu(x W1ᵀ + b1) W2ᵀ + b2. */
    static Graph mlp() {
        GraphBuilder g = new GraphBuilder("mlp");
        Value x = g.input("x", 5);
        Value w1 = g.param("fc1.weight", 16, 5);
        Value b1 = g.param("fc1.bias", 16);
        Value h = g.relu(g.add(g.matmulT(x, w1), b1)).named("hidden");
        Value w2 = g.param("fc2.weight", 3, 16);
        Value b2 = g.param("fc2.bias", 3);
        g.output("y", g.add(g.matmulT(h, w2), b2));
        return g.build();
    }

    /** Elman RNN: h = tanh(x W_ihᵀ + h[t-1] W_hhᵀ + b), with its final state. */
    static Graph elman() {
        GraphBuilder g = new GraphBuilder("elman");
        Value x = g.input("x", 4);
        Recurrent h = g.recurrent("h", 8);
        Value wih = g.param("weight_ih_l0", 8, 4);
        Value whh = g.param("weight_hh_l0", 8, 8);
        Value b = g.param("bias_l0", 8);
        h.define(g.tanh(g.add(g.add(g.matmulT(x, wih), g.matmulT(h.prev(), whh)), b)));
        g.output(h);
        g.output("h_n", g.lastStep(h));
        return g.build();
    }

    /** The backward half of a bidirectional layer: h reads its own future. */
    static Graph reverse() {
        GraphBuilder g = new GraphBuilder("reverse");
        Value x = g.input("x", 4);
        Recurrent h = g.recurrent("h_reverse", 8);
        Value wih = g.param("weight_ih_l0_reverse", 8, 4);
        Value whh = g.param("weight_hh_l0_reverse", 8, 8);
        h.define(g.tanh(g.add(g.matmulT(x, wih), g.matmulT(h.next(), whh))));
        g.output("h_n", g.firstStep(h));
        return g.build();
    }

    /** h_t = sigmoid(x_t + h_{t-2}): two steps in flight. */
    static Graph delay2() {
        GraphBuilder g = new GraphBuilder("delay2");
        Value x = g.input("x", 8);
        Recurrent h = g.recurrent("h", 8);
        h.define(g.sigmoid(g.add(x, h.delayed(2))));
        g.output(h);
        return g.build();
    }

    /** A recurrence that starts from a given state h0 instead of zeros. */
    static Graph withInitialState() {
        GraphBuilder g = new GraphBuilder("initial");
        Value x = g.input("x", 4);
        Value h0 = g.staticInput("h0", GraphBuilder.shape(Dim.B, 8));
        Recurrent h = g.recurrent("h", 8);
        Value wih = g.param("weight_ih_l0", 8, 4);
        Value whh = g.param("weight_hh_l0", 8, 8);
        h.define(g.tanh(g.add(g.matmulT(x, wih), g.matmulT(h.prev().init(h0), whh))));
        g.output(h);
        return g.build();
    }

    /** Every op that carries attributes or works between time and statics, in a small language model. */
    static Graph opsWithAttributes() {
        GraphBuilder g = new GraphBuilder("lm");
        Value ids = g.inputIds("tokens");
        Value targets = g.inputIds("targets");
        Value mask = g.input("mask", DType.F32, Shape.batch(), "t");
        Value table = g.param("embed.weight", 10, 6);
        Value e = g.embedding(ids, table);
        Value first = g.slice(e, 0, 3);
        Value second = g.slice(e, 3, 6);
        Value states = g.staticInput("states", GraphBuilder.shape(2, Dim.B, 3));
        Value s1 = g.select(states, 1).named("state1");
        Value scale = g.constant(0.5, 3);
        Value mixed = g.add(g.mul(first, g.exp(g.neg(second))), g.mul(s1, scale)).named("mixed");
        Value both = g.concat(g.sigmoid(first), g.log(g.softmax(g.relu(second))));
        Value logits = g.sub(g.matmulT(both, g.param("proj", 5, 6)), g.logSoftmax(g.tanh(g.matmulT(mixed,
                g.param("proj2", 5, 3)))));
        Value loss = g.crossEntropy(logits, targets, mask).named("loss");
        g.output("total_loss", g.sumTime(loss));
        g.output("packed", g.pack(g.lastStep(mixed), g.firstStep(mixed)));
        g.output("stacked", g.stackTime(first));
        return g.build();
    }

    /** Names and attribute values that need quoting or escaping, on a time axis other than t. */
    static Graph oddNamesAndValues() {
        Attrs attrs = Attrs.of("value", -0.0, "nan", Double.NaN, "minus_inf", Double.NEGATIVE_INFINITY,
                "inf", Double.POSITIVE_INFINITY, "tiny", Double.MIN_VALUE, "huge", Double.MAX_VALUE,
                "small", 1.0e-7, "min_long", Long.MIN_VALUE, "max_long", Long.MAX_VALUE, "flag", false,
                "text", "a \"quoted\"\n\tline \\ é \u2603 \u0001", "odd key", 1L, "empty", "");
        List<Node> nodes = List.of(
                new Node(0, "my input", Op.INPUT, List.of(), Attrs.EMPTY, DType.F32, Shape.batch(2), "enc time"),
                new Node(1, "layer/0.c", Op.CONST, List.of(), attrs, DType.F32, Shape.fixed(2), null),
                new Node(2, "7", Op.ADD, List.of(Operand.of(0), Operand.of(1)), Attrs.EMPTY, DType.F32,
                        Shape.batch(2), "enc time"),
                new Node(3, "", Op.STACK_TIME, List.of(Operand.of(2)), Attrs.EMPTY, DType.F32,
                        Shape.of(Dim.T, Dim.B, Dim.of(2)), null));
        return Verifier.verify(new Graph("my graph", nodes, List.of(2, 3)));
    }
}
