package io.recurflow.tests;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.recurflow.codegen.CompiledModel;
import io.recurflow.codegen.Lowering;
import io.recurflow.codegen.Mode;
import io.recurflow.dsl.GraphBuilder;
import io.recurflow.dsl.Value;
import io.recurflow.ir.DType;
import io.recurflow.ir.Graph;
import io.recurflow.ir.Node;
import io.recurflow.ir.Shape;
import io.recurflow.layers.Cells;
import io.recurflow.layers.Layers;
import io.recurflow.layers.RecurrentLayers;
import io.recurflow.passes.Autodiff;
import io.recurflow.passes.GradCheck;
import io.recurflow.passes.OpGradientTest;
import io.recurflow.samples.ModelZoo;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The differentiated graphs of the samples and of every op's gradient case, lowered in every OpenCL
 * mode (scheduled on one and on two queues), equal the reference interpreter's gradients with unequal
 * lengths in one batch.
 */
class BackwardDifferentialTest {
    static final int[] LENGTHS = {5, 2, 1, 4};
    static final int STEPS = 5;

    /** Naive, batched, scheduled on 1 queue, scheduled on 2: the settings every backward graph runs in. */
    record Setting(Mode mode, int queues) {
        Lowering.Options options() {
            return new Lowering.Options(queues, 4, DifferentialTest.ONE_LAUNCH.costs());
        }

        @Override
        public String toString() {
            return mode == Mode.SCHEDULED ? "scheduled K=" + queues : mode.textName();
        }
    }

    static final List<Setting> SETTINGS = List.of(new Setting(Mode.NAIVE, 0), new Setting(Mode.BATCHED, 0),
            new Setting(Mode.SCHEDULED, 1), new Setting(Mode.SCHEDULED, 2));

    /** {@code forward} with its loss (see {@link GradCheck#withWeightedLoss}) differentiated by every f32 feed. */
    static Graph backward(Graph forward) {
        Graph g = GradCheck.withWeightedLoss(forward);
        return Autodiff.gradients(g, "loss", GradCheck.differentiable(g, GradCheck.LOSS_WEIGHT));
    }

    /**
     * A character language model trained on the masked cross-entropy: embedding (its gradient a
     * scatter-add), an LSTM, a dense layer; the loss is summed over time and the batch.
     */
    static Graph languageModel() {
        GraphBuilder g = new GraphBuilder("lm_train");
        Value ids = g.inputIds("ids");
        Value targets = g.inputIds("targets");
        Value mask = g.input("mask", DType.F32, Shape.batch(), Node.DEFAULT_AXIS);
        Value emb = Layers.embedding(g, "embed", ids, 11, 6);
        RecurrentLayers.Result r = RecurrentLayers.stack(g, Cells.LSTM, emb, 6, 8, 1, false, null);
        Value logits = Layers.dense(g, "out", r.output(), 8, 11);
        g.output("loss", g.sumBatch(g.sumTime(g.crossEntropy(logits, targets, mask))));
        return g.build();
    }

    /**
     * The LSTM in every setting, each other sample (Elman, GRU, stacked, bidirectional) in one of them
     * in turn: every program costs seconds of kernel compilation on a cold PoCL cache.
     */
    static List<Arguments> samples() {
        List<Arguments> out = new ArrayList<>();
        for (Setting s : SETTINGS) {
            out.add(Arguments.of("lstm:hidden=6,input=3", s));
        }
        List<String> others = List.of("rnn:hidden=6,input=3", "gru:hidden=6,input=3", "lstm:layers=2,hidden=5,input=3",
                "lstm:hidden=5,input=3,bidirectional=true", "gru:layers=2,hidden=4,input=3,bidirectional=true,init=false");
        for (int i = 0; i < others.size(); i++) {
            out.add(Arguments.of(others.get(i), SETTINGS.get(i % SETTINGS.size())));
        }
        return out;
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("samples")
    void sampleGradientsMatchReference(String spec, Setting s) {
        DifferentialTest.assertMatchesReference(backward(ModelZoo.build(spec)), s.mode(), LENGTHS, STEPS, 3,
                s.options());
    }

    /**
     * Widths that are multiples of 16 and 16 stacked rows (4 steps × 4 sequences): the weight gradients'
     * transposes move whole tiles, and the one-launch reverse recurrence (dh = dgates · W, W as [k, n])
     * sums sixty-four columns per work-item.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("halfSettings")
    void wholeTileWidthsMatchReference(Setting s) {
        DifferentialTest.assertMatchesReference(backward(ModelZoo.build("lstm:hidden=64,input=16")), s.mode(),
                new int[] {4, 2, 1, 4}, 4, 5, s.options());
    }

    /**
     * Stacked layers on a device that runs queues side by side: the scheduled mode cuts the batched work
     * between the layers into chunks of steps (a wavefront), and the results stay the reference's.
     */
    @Test
    void chunkedBatchedWorkMatchesReference() {
        Graph g = backward(ModelZoo.build("lstm:layers=2,hidden=16,input=16"));
        CompiledModel c = Lowering.lower(g, Mode.SCHEDULED, LENGTHS.length, STEPS, DifferentialTest.STEP_BY_STEP);
        assertTrue(c.tasks().options().chunks() > 1, c.notes().toString());
        DifferentialTest.assertMatchesReference(g, Mode.SCHEDULED, LENGTHS, STEPS, 11, DifferentialTest.STEP_BY_STEP);
    }

    /** Two settings in turn: the language model and the every-op graph each run in two of the four. */
    static List<Setting> halfSettings() {
        return List.of(SETTINGS.get(1), SETTINGS.get(3));
    }

    static List<Setting> otherHalf() {
        return List.of(SETTINGS.get(0), SETTINGS.get(2));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("halfSettings")
    void languageModelGradientsMatchReference(Setting s) {
        Graph g = languageModel();
        DifferentialTest.assertMatchesReference(Autodiff.gradients(g, "loss", GradCheck.differentiable(g, "")),
                s.mode(), LENGTHS, STEPS, 7, s.options());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("otherHalf")
    void everyOpGraphGradientsMatchReference(Setting s) {
        DifferentialTest.assertMatchesReference(backward(DifferentialTest.opsGraph()), s.mode(), LENGTHS, STEPS, 9,
                s.options());
    }

    /**
     * The gradient cases whose backward graphs reach lowering paths the samples do not: broadcasts,
     * reductions over an axis and the batch, scatter-adds, the cross-entropy's gradient, delays of 2
     * both ways with initial values, slices of delayed reads; each in one setting, taken in turn.
     */
    static final List<String> OP_CASES = List.of("div_by_param", "step", "softmax", "log_softmax", "cross_entropy_masked",
            "stack_then_unstack_time", "matmul_tn_static", "sum_axis", "broadcast_batch", "scatter_add", "embedding",
            "recurrence_delay_2_with_init", "reverse_delay_2_with_init", "slice_delayed", "select_and_pack");

    static List<Arguments> opCases() {
        List<Arguments> out = new ArrayList<>();
        for (OpGradientTest.Case c : OpGradientTest.cases()) {
            int i = OP_CASES.indexOf(c.name());
            if (i >= 0) {
                out.add(Arguments.of(c, SETTINGS.get(i % SETTINGS.size())));
            }
        }
        return out;
    }

    /** The graphs above hold every op, the backward graph's own included: each has a kernel that is exercised. */
    @org.junit.jupiter.api.Test
    void everyOpIsLowered() {
        java.util.Set<io.recurflow.ir.Op> seen = java.util.EnumSet.noneOf(io.recurflow.ir.Op.class);
        List<Graph> graphs = new ArrayList<>();
        for (Arguments a : samples()) {
            graphs.add(backward(ModelZoo.build((String) a.get()[0])));
        }
        Graph lm = languageModel();
        graphs.add(Autodiff.gradients(lm, "loss", GradCheck.differentiable(lm, "")));
        graphs.add(backward(DifferentialTest.opsGraph()));
        for (Arguments a : opCases()) {
            Graph f = ((OpGradientTest.Case) a.get()[0]).graph();
            graphs.add(Autodiff.gradients(f, "loss", GradCheck.differentiable(f, "r")));
        }
        for (Graph g : graphs) {
            for (Node n : g.nodes()) {
                seen.add(n.op());
            }
        }
        org.junit.jupiter.api.Assertions.assertEquals(java.util.EnumSet.allOf(io.recurflow.ir.Op.class), seen);
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("opCases")
    void opGradientsMatchReference(OpGradientTest.Case c, Setting s) {
        Graph forward = c.graph();
        Graph g = Autodiff.gradients(forward, "loss", GradCheck.differentiable(forward, "r"));
        DifferentialTest.assertMatchesReference(g, s.mode(), LENGTHS, STEPS, 13, s.options());
    }
}
