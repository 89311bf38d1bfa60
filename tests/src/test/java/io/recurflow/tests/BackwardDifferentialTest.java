package io.recurflow.tests;

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

    static List<Arguments> samples() {
        List<String> specs = List.of("rnn:hidden=6,input=3", "lstm:hidden=6,input=3", "gru:hidden=6,input=3",
                "lstm:layers=2,hidden=5,input=3", "lstm:hidden=5,input=3,bidirectional=true",
                "gru:layers=2,hidden=4,input=3,bidirectional=true,init=false");
        List<Arguments> out = new ArrayList<>();
        for (String spec : specs) {
            for (Setting s : SETTINGS) {
                out.add(Arguments.of(spec, s));
            }
        }
        return out;
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("samples")
    void sampleGradientsMatchReference(String spec, Setting s) {
        DifferentialTest.assertMatchesReference(backward(ModelZoo.build(spec)), s.mode(), LENGTHS, STEPS, 3,
                s.options());
    }

    static List<Setting> settings() {
        return SETTINGS;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("settings")
    void languageModelGradientsMatchReference(Setting s) {
        Graph g = languageModel();
        DifferentialTest.assertMatchesReference(Autodiff.gradients(g, "loss", GradCheck.differentiable(g, "")),
                s.mode(), LENGTHS, STEPS, 7, s.options());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("settings")
    void everyOpGraphGradientsMatchReference(Setting s) {
        DifferentialTest.assertMatchesReference(backward(DifferentialTest.opsGraph()), s.mode(), LENGTHS, STEPS, 9,
                s.options());
    }

    /** Each op's gradient case in one setting, the settings taken in turn (each compile costs time). */
    static List<Arguments> opCases() {
        List<Arguments> out = new ArrayList<>();
        List<OpGradientTest.Case> cases = OpGradientTest.cases();
        for (int i = 0; i < cases.size(); i++) {
            out.add(Arguments.of(cases.get(i), SETTINGS.get(i % SETTINGS.size())));
        }
        return out;
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("opCases")
    void opGradientsMatchReference(OpGradientTest.Case c, Setting s) {
        Graph forward = c.graph();
        Graph g = Autodiff.gradients(forward, "loss", GradCheck.differentiable(forward, "r"));
        DifferentialTest.assertMatchesReference(g, s.mode(), LENGTHS, STEPS, 13, s.options());
    }
}
