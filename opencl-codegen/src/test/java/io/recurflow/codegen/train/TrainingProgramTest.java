package io.recurflow.codegen.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.recurflow.codegen.CompiledModel;
import io.recurflow.codegen.Lowering;
import io.recurflow.codegen.Mode;
import io.recurflow.codegen.OpenClModel;
import io.recurflow.interp.Tensor;
import io.recurflow.ir.Graph;
import io.recurflow.runtime.cl.DeviceInfo;
import io.recurflow.runtime.cl.Devices;
import io.recurflow.runtime.cl.NoOpenClException;
import io.recurflow.runtime.cl.Session;
import io.recurflow.runtime.program.ProgramVerifier;
import io.recurflow.text.GraphParser;
import io.recurflow.train.OptimizerSpec;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The optimizer part of the training program on its own: a graph whose "gradients" are plain
 * functions of the parameters (g_w = w·w, g_b = tanh(b)), so that the update kernels can be checked
 * against the documented formulas of {@link OptimizerSpec} over several steps, independently of
 * the backward graph.
 */
class TrainingProgramTest {
    private static final String GRAPH = """
            graph fake_gradients {
              %x = input() : f32[B, 3] @t
              %w = param() : f32[2, 3]
              %b = param() : f32[3]
              %grad_w = mul(%w, %w) : f32[2, 3]
              %grad_b = tanh(%b) : f32[3]
              %loss = sum_time(%x) : f32[B, 3]
              outputs %loss, %grad_w, %grad_b
            }
            """;

    enum Case {
        SGD(OptimizerSpec.sgd(0, 0)),
        SGD_MOMENTUM(OptimizerSpec.sgd(0.9, 0)),
        SGD_MOMENTUM_CLIPPED(OptimizerSpec.sgd(0.9, 0.5)),
        ADAM(OptimizerSpec.adam(0)),
        ADAM_CLIPPED(OptimizerSpec.adam(1.0));

        final OptimizerSpec spec;

        Case(OptimizerSpec spec) {
            this.spec = spec;
        }
    }

    @ParameterizedTest
    @EnumSource(Case.class)
    void updatesFollowTheDocumentedFormulas(Case c) {
        Graph g = GraphParser.parse(GRAPH);
        CompiledModel grad = Lowering.lower(g, Mode.BATCHED, 2, 3);
        TrainingProgram.Built built = TrainingProgram.build(grad, List.of("w", "b"), c.spec);
        ProgramVerifier.verify(built.model().program());
        float[] w = {0.5f, -1.0f, 0.25f, 2.0f, -0.75f, 1.5f};
        float[] b = {0.3f, -0.6f, 0.9f};
        Map<String, Tensor> feeds = new LinkedHashMap<>();
        feeds.put("w", Tensor.of(new int[] {2, 3}, w));
        feeds.put("b", Tensor.of(new int[] {3}, b));
        feeds.put("x", Tensor.zeros(3, 2, 3));
        Expected e = new Expected(c.spec, w, b);
        try (OpenClModel m = OpenClModel.load(session(), built.model(), feeds)) {
            for (int step = 1; step <= 4; step++) {
                double lr = 0.1 / step;
                float[] hyper = {(float) lr, (float) (1 - Math.pow(c.spec.beta1(), step)),
                    (float) (1 - Math.pow(c.spec.beta2(), step)), 0f};
                m.run(feeds, null, Map.of(TrainingProgram.HYPER, hyper), false);
                e.step(lr, step);
                assertArrayEquals(e.w, m.readBuffer(built.paramBuffers().get("w")), 2e-6f, "w after step " + step);
                assertArrayEquals(e.b, m.readBuffer(built.paramBuffers().get("b")), 2e-6f, "b after step " + step);
            }
            assertEquals(c.spec.stateSuffixes().size() * 2, built.stateBuffers().size());
        }
    }

    /** The formulas of OptimizerSpec's documentation, in plain float arithmetic. */
    private static final class Expected {
        final OptimizerSpec spec;
        final float[] w;
        final float[] b;
        final float[][] s1;
        final float[][] s2;

        Expected(OptimizerSpec spec, float[] w, float[] b) {
            this.spec = spec;
            this.w = w.clone();
            this.b = b.clone();
            this.s1 = new float[][] {new float[w.length], new float[b.length]};
            this.s2 = new float[][] {new float[w.length], new float[b.length]};
        }

        void step(double lr, int t) {
            float[] gw = new float[w.length];
            float[] gb = new float[b.length];
            double sq = 0;
            for (int i = 0; i < w.length; i++) {
                gw[i] = w[i] * w[i];
                sq += gw[i] * gw[i];
            }
            for (int i = 0; i < b.length; i++) {
                gb[i] = (float) Math.tanh(b[i]);
                sq += gb[i] * gb[i];
            }
            double scale = spec.clipNorm() > 0 ? Math.min(1, spec.clipNorm() / (Math.sqrt(sq) + 1e-6)) : 1;
            update(w, gw, 0, scale, lr, t);
            update(b, gb, 1, scale, lr, t);
        }

        private void update(float[] p, float[] g, int k, double scale, double lr, int t) {
            for (int i = 0; i < p.length; i++) {
                double d = g[i] * scale;
                if (spec.kind() == OptimizerSpec.Kind.ADAM) {
                    s1[k][i] = (float) (spec.beta1() * s1[k][i] + (1 - spec.beta1()) * d);
                    s2[k][i] = (float) (spec.beta2() * s2[k][i] + (1 - spec.beta2()) * d * d);
                    double mHat = s1[k][i] / (1 - Math.pow(spec.beta1(), t));
                    double vHat = s2[k][i] / (1 - Math.pow(spec.beta2(), t));
                    p[i] = (float) (p[i] - lr * mHat / (Math.sqrt(vHat) + spec.eps()));
                } else {
                    if (spec.momentum() > 0) {
                        s1[k][i] = (float) (spec.momentum() * s1[k][i] + d);
                        d = s1[k][i];
                    }
                    p[i] = (float) (p[i] - lr * d);
                }
            }
        }
    }

    private static Session session() {
        DeviceInfo device;
        try {
            device = Devices.select(null);
        } catch (NoOpenClException e) {
            System.err.println("!!! SKIPPING OpenCL TEST: " + e.getMessage() + " !!!");
            Assumptions.abort("no OpenCL platform: " + e.getMessage());
            throw e;
        }
        return Session.shared(device, 1);
    }
}
