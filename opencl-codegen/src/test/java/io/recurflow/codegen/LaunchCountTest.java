package io.recurflow.codegen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.recurflow.dsl.GraphBuilder;
import io.recurflow.dsl.Value;
import io.recurflow.ir.Dim;
import io.recurflow.ir.Graph;
import io.recurflow.ir.Shape;
import io.recurflow.layers.Cells;
import io.recurflow.layers.RecurrentLayers;
import io.recurflow.runtime.program.Instr;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Launch counts per mode: the noise-free figure that says what each mode does. */
public class LaunchCountTest {
    public static Graph lstm(int layers, boolean bidirectional, boolean init) {
        GraphBuilder g = new GraphBuilder("lstm");
        Value x = g.input("x", 8);
        List<Value> states = null;
        if (init) {
            int slots = layers * (bidirectional ? 2 : 1);
            states = List.of(g.staticInput("h0", Shape.of(Dim.of(slots), Dim.B, Dim.of(16))),
                    g.staticInput("c0", Shape.of(Dim.of(slots), Dim.B, Dim.of(16))));
        }
        RecurrentLayers.Result r = RecurrentLayers.stack(g, Cells.LSTM, x, 8, 16, layers, bidirectional, states);
        g.output("y", r.output());
        g.output("h_n", r.finalStates().get(0));
        g.output("c_n", r.finalStates().get(1));
        return g.build();
    }

    private static List<String> labels(CompiledModel m) {
        return m.program().run().stream().filter(i -> i instanceof Instr.Launch).map(i -> ((Instr.Launch) i).label())
                .toList();
    }

    @Test
    void batchedLstmIsOneInputGemmAndTwoLaunchesPerStep() {
        int t = 10;
        LaunchCostModel slowGroups = new LaunchCostModel(12, 150, 20, 0.5, 5, 2, false, 1, 0.001, 0.001, 0, 1,
                "test: slow one-group products");
        CompiledModel m = Lowering.lower(lstm(1, false, false), Mode.BATCHED, 1, t,
                new Lowering.Options(0, 4, slowGroups));
        List<String> labels = labels(m);
        // input projection (GEMM + bias) once; per step the recurrent GEMM (+ bias) and one gate kernel;
        // then last_step of h and c, and the two packs of the final states
        assertEquals(1 + 2 * t + 2 + 2, labels.size(), String.join("\n", labels) + "\n" + m.program().source());
    }

    /** Where the cost model prefers it (the built-in CPU model at batch 1), each step is one launch. */
    @Test
    void batchedLstmStepIsOneLaunchWhereCheaper() {
        int t = 10;
        CompiledModel m = Lowering.lower(lstm(1, false, false), Mode.BATCHED, 1, t);
        List<String> labels = labels(m);
        assertEquals(1 + t + 2 + 2, labels.size(), String.join("\n", labels));
        assertEquals(t, labels.stream().filter(l -> l.contains("step in one launch")).count(), String.join("\n", labels));
        assertTrue(m.notes().stream().anyMatch(n -> n.startsWith("step: ") && n.contains("each step as one launch in one work-group")),
                String.join("\n", m.notes()));
    }

    /**
     * A step as a launch of its own is priced at the one-group rates measured on chains of one-step
     * launches: where those are slow, the batched mode runs the step as its GEMMs and element-wise
     * kernels instead, while the scheduled mode's kernels that loop over steps keep the looped rates.
     */
    @Test
    void aStepAsALaunchOfItsOwnIsPricedAtTheOneStepRates() {
        int t = 10;
        LaunchCostModel looped = new LaunchCostModel(12, 150, 20, 0.5, 5, 2, false, 1, 20, 40, 0, 1, null,
                LaunchCostModel.Host.FREE, 12, null, new LaunchCostModel.StepRates(20, 40),
                "test: steps as fast per launch");
        LaunchCostModel slowSteps = new LaunchCostModel(12, 150, 20, 0.5, 5, 2, false, 1, 20, 40, 0, 1, null,
                LaunchCostModel.Host.FREE, 12, null, new LaunchCostModel.StepRates(0.001, 0.001),
                "test: slow one-step launches");
        List<String> fast = labels(Lowering.lower(lstm(1, false, false), Mode.BATCHED, 1, t,
                new Lowering.Options(0, 4, looped)));
        assertEquals(t, fast.stream().filter(l -> l.contains("step in one launch")).count(), String.join("\n", fast));
        CompiledModel slow = Lowering.lower(lstm(1, false, false), Mode.BATCHED, 1, t,
                new Lowering.Options(0, 4, slowSteps));
        assertEquals(1 + 2 * t + 2 + 2, labels(slow).size(), String.join("\n", labels(slow)));
        assertTrue(slow.notes().stream().anyMatch(n -> n.startsWith("step: ") && n.contains("its GEMMs and fused")),
                String.join("\n", slow.notes()));
        Graph stacked = lstm(2, false, false);
        assertEquals(labels(Lowering.lower(stacked, Mode.SCHEDULED, 1, t, new Lowering.Options(0, 4, looped))),
                labels(Lowering.lower(stacked, Mode.SCHEDULED, 1, t, new Lowering.Options(0, 4, slowSteps))));
    }

    @Test
    void naiveLaunchesEveryOpAtEveryStep() {
        int t = 10;
        CompiledModel m = Lowering.lower(lstm(1, false, false), Mode.NAIVE, 1, t);
        // per step: 2 matmuls, 2 bias adds, gates add, 3 sigmoids, 1 tanh (g), c: 2 muls + add,
        // h: tanh + mul = 14 launches (slices are views); then 2 reductions and 2 packs
        assertEquals(14 * t + 4, labels(m).size(), String.join("\n", labels(m)));
    }

    /**
     * Every matrix product of a stacked bidirectional LSTM runs on the tiled GEMM: a layer's h, read by
     * its own recurrent product and, through the concatenation of both directions, by the next layer,
     * must not be stored as a column view that only the plain product kernel can read.
     */
    @Test
    void everyProductOfAStackedBidirectionalLstmUsesTheTiledGemm() {
        for (Mode mode : new Mode[] {Mode.BATCHED, Mode.SCHEDULED}) {
            CompiledModel m = Lowering.lower(lstm(2, true, true), mode, 4, 6);
            for (Instr i : m.program().run()) {
                if (i instanceof Instr.Launch && ((Instr.Launch) i).label().contains("matmul")) {
                    String function = m.program().kernel(((Instr.Launch) i).kernel()).function();
                    org.junit.jupiter.api.Assertions.assertTrue(function.startsWith("gemm_n"),
                            mode + ": " + ((Instr.Launch) i).label() + " runs on " + function);
                }
            }
        }
    }
}
