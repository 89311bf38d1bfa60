package io.recurflow.scc.schedule;

import io.recurflow.dsl.GraphBuilder;
import io.recurflow.dsl.Recurrent;
import io.recurflow.dsl.Value;
import io.recurflow.ir.Graph;
import io.recurflow.layers.Cells;
import io.recurflow.layers.RecurrentLayers;
import io.recurflow.scc.SccAnalysis;
import io.recurflow.scc.SccResult;
import java.util.ArrayDeque;
import java.util.BitSet;
import java.util.Deque;
import java.util.List;

/** Networks built with the layer library for the scheduling tests, and the cost model they share. */
final class Nets {
    static final int IN = 4;
    static final int HIDDEN = 8;
    /** 5 µs per launch, 2 µs per cross-queue event, 1 ns per element: launches dominate, as at batch 1. */
    static final UnitCostModel COSTS = new UnitCostModel(5, 2, 0.001);

    private Nets() {
    }

    /** An LSTM stack over x [B, 4]: the per-step output and the final states are the outputs. */
    static Graph lstm(int layers, boolean bidirectional) {
        GraphBuilder g = new GraphBuilder("lstm" + layers + (bidirectional ? "_bi" : ""));
        Value x = g.input("x", IN);
        RecurrentLayers.Result r = RecurrentLayers.stack(g, Cells.LSTM, x, IN, HIDDEN, layers, bidirectional, null);
        g.output("y", r.output());
        return g.build();
    }

    static SccResult scc(Graph g) {
        return SccAnalysis.analyze(g);
    }

    /** h = tanh(x W^T + h[t∓2] U^T): a forward (or reverse) recurrence whose step window is 2. */
    static Graph delay2(boolean reverse) {
        GraphBuilder g = new GraphBuilder(reverse ? "delay2_reverse" : "delay2");
        Value x = g.input("x", IN);
        Value w = g.param("w", HIDDEN, IN);
        Value u = g.param("u", HIDDEN, HIDDEN);
        Recurrent h = g.recurrent("h", HIDDEN);
        h.define(g.tanh(g.add(g.matmulT(x, w), g.matmulT(h.delayed(reverse ? -2 : 2), u))));
        g.output(h);
        return g.build();
    }

    /**
     * h = x + a[t-1] + b with a = tanh(h[t-2]) and b = sigmoid(h[t-4]): in-flight 3 (h → a → h), but
     * an edge of delay 1 inside, so the step window is 1.
     */
    static Graph twoPaths() {
        GraphBuilder g = new GraphBuilder("two_paths");
        Value x = g.input("x", HIDDEN);
        Recurrent h = g.recurrent("h", HIDDEN);
        Value a = g.tanh(h.delayed(2)).named("a");
        Value b = g.sigmoid(h.delayed(4)).named("b");
        h.define(g.add(g.add(x, a.prev()), b));
        g.output(h);
        return g.build();
    }

    /** The tasks {@code id} depends on, directly or not. */
    static BitSet ancestors(TaskGraph t, int id) {
        BitSet seen = new BitSet();
        Deque<Integer> todo = new ArrayDeque<>(t.predecessors(id));
        while (!todo.isEmpty()) {
            int p = todo.poll();
            if (!seen.get(p)) {
                seen.set(p);
                todo.addAll(t.predecessors(p));
            }
        }
        return seen;
    }

    /** The tasks of the recurrent component holding node {@code name}, for {@code stream}, in run order. */
    static List<Task> stepsOf(TaskGraph t, String name, int stream) {
        int c = t.scc().componentOf(t.scc().graph().node(name).id()).index();
        return t.tasksOf(stream, c);
    }

    /** Whether the predicted run times of tasks a and b overlap. */
    static boolean overlap(Schedule s, int a, int b) {
        return s.start(a) < s.finish(b) && s.start(b) < s.finish(a);
    }
}
