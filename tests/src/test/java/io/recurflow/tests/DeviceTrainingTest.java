package io.recurflow.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.recurflow.codegen.Lowering;
import io.recurflow.codegen.Mode;
import io.recurflow.codegen.train.OpenClStepEngine;
import io.recurflow.interp.Tensor;
import io.recurflow.ir.Graph;
import io.recurflow.runtime.cl.Session;
import io.recurflow.samples.charlm.Batch;
import io.recurflow.samples.charlm.Batcher;
import io.recurflow.samples.charlm.CharLm;
import io.recurflow.samples.charlm.Corpus;
import io.recurflow.samples.charlm.Strategy;
import io.recurflow.train.OptimizerSpec;
import io.recurflow.train.ReferenceStepEngine;
import io.recurflow.train.StepEngine;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The OpenCL training engine against the reference one: the same char-lm, batches, optimizer and
 * steps in every mode and with every strategy's graph variant; parameters, optimizer state and
 * losses agree. And a restore into a fresh engine continues bit for bit.
 */
class DeviceTrainingTest {
    private static final String TEXT = "the cat sat. a dog ran far! did it? yes it did. no.\nthe end came at last. "
            .repeat(6);
    private static final int BATCH = 3;
    private static final int SEQ = 6;

    /** Every mode on the padded graph; the carried-state and spliced variants in the modes that differ most. */
    static Stream<Arguments> cases() {
        return Stream.of(Arguments.of(Mode.NAIVE, "pad"), Arguments.of(Mode.BATCHED, "pad"),
                Arguments.of(Mode.SCHEDULED, "pad"), Arguments.of(Mode.BATCHED, "tbptt:" + SEQ),
                Arguments.of(Mode.SCHEDULED, "splice"));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void deviceTrainingEqualsTheReference(Mode mode, String strategyText) {
        Corpus corpus = Corpus.of("tiny", TEXT);
        CharLm.Config config = new CharLm.Config(corpus.vocab().size(), 8, 2);
        Strategy strategy = Strategy.parse(strategyText);
        Graph g = CharLm.build(config, strategy.variant());
        OptimizerSpec spec = OptimizerSpec.adam(0.5);
        Batcher batcher = strategy.batcher(corpus.train(), corpus.vocab(), BATCH, SEQ, 3);
        try (StepEngine ref = new ReferenceStepEngine(g, spec, CharLm.initialParameters(config, 11));
             StepEngine dev = create(g, mode, strategy.steps(SEQ), spec, CharLm.initialParameters(config, 11))) {
            Map<String, Tensor> carriedRef = null;
            Map<String, Tensor> carriedDev = null;
            for (int i = 0; i < 3; i++) {
                Batch batch = batcher.batch(i);
                StepEngine.Result r = ref.step(feeds(batch, config, strategy, carriedRef), batch.lengths(), 0.01);
                StepEngine.Result d = dev.step(feeds(batch, config, strategy, carriedDev), batch.lengths(), 0.01);
                assertEquals(r.loss(), d.loss(), 1e-4 * Math.abs(r.loss()), "loss at step " + i);
                if (strategy.variant().carriesState()) {
                    carriedRef = Map.of("h0", r.outputs().get("h_n"), "c0", r.outputs().get("c_n"));
                    carriedDev = Map.of("h0", d.outputs().get("h_n"), "c0", d.outputs().get("c_n"));
                    assertClose(r.outputs().get("h_n"), d.outputs().get("h_n"), "h_n at step " + i);
                }
            }
            assertEquals(3, dev.steps());
            for (Map.Entry<String, Tensor> p : ref.parameters().entrySet()) {
                assertClose(p.getValue(), dev.parameters().get(p.getKey()), p.getKey());
            }
            Map<String, Tensor> devState = dev.optimizerState();
            for (Map.Entry<String, Tensor> s : ref.optimizerState().entrySet()) {
                assertClose(s.getValue(), devState.get(s.getKey()), s.getKey());
            }
            Batch next = batcher.batch(3);
            Map<String, Tensor> f = feeds(next, config, strategy, null);
            assertEquals(ref.evaluate(f, next.lengths()).loss(), dev.evaluate(f, next.lengths()).loss(),
                    1e-4 * Math.abs(ref.evaluate(f, next.lengths()).loss()), "evaluation after training");
        }
    }

    @Test
    void restoringIntoAFreshEngineContinuesBitForBit() {
        Corpus corpus = Corpus.of("tiny", TEXT);
        CharLm.Config config = new CharLm.Config(corpus.vocab().size(), 8, 1);
        Strategy strategy = Strategy.parse("pad");
        Graph g = CharLm.build(config, strategy.variant());
        OptimizerSpec spec = OptimizerSpec.adam(1.0);
        Batcher batcher = strategy.batcher(corpus.train(), corpus.vocab(), BATCH, SEQ, 5);
        try (StepEngine a = create(g, Mode.SCHEDULED, SEQ, spec, CharLm.initialParameters(config, 1));
             StepEngine b = create(g, Mode.SCHEDULED, SEQ, spec, CharLm.initialParameters(config, 2))) {
            for (int i = 0; i < 2; i++) {
                a.step(batcher.batch(i).feeds(), batcher.batch(i).lengths(), 0.01);
            }
            b.restore(a.parameters(), a.optimizerState(), a.steps());
            Batch next = batcher.batch(2);
            double la = a.step(next.feeds(), next.lengths(), 0.01).loss();
            double lb = b.step(next.feeds(), next.lengths(), 0.01).loss();
            assertEquals(la, lb, 0.0, "loss of the step after the restore");
            for (Map.Entry<String, Tensor> p : a.parameters().entrySet()) {
                assertArrayEquals(p.getValue().data(), b.parameters().get(p.getKey()).data(), 0.0, p.getKey());
            }
            assertTrue(a.steps() == 3 && b.steps() == 3);
        }
    }

    private static StepEngine create(Graph g, Mode mode, int steps, OptimizerSpec spec, Map<String, Tensor> params) {
        Session s = OpenCl.session();
        return OpenClStepEngine.create(s, g, mode, BATCH, steps, spec, params,
                new Lowering.Options(mode == Mode.SCHEDULED ? 2 : 0, 4, Lowering.Options.DEFAULT.costs()));
    }

    private static Map<String, Tensor> feeds(Batch b, CharLm.Config c, Strategy s, Map<String, Tensor> carried) {
        Map<String, Tensor> f = new LinkedHashMap<>(b.feeds());
        if (s.variant().carriesState()) {
            f.putAll(carried == null || b.resetState() ? CharLm.zeroState(c, BATCH) : carried);
        }
        return f;
    }

    private static void assertClose(Tensor want, Tensor got, String what) {
        double[] x = want.data();
        double[] y = got.data();
        assertEquals(x.length, y.length, what);
        double scale = 0;
        for (double v : x) {
            scale = Math.max(scale, Math.abs(v));
        }
        for (int i = 0; i < x.length; i++) {
            assertEquals(x[i], y[i], 1e-4 * Math.max(scale, 1e-3), what + "[" + i + "]");
        }
    }
}
