package io.recurflow.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.recurflow.interp.Tensor;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HostOptimizerTest {
    private static Map<String, Tensor> params(double... values) {
        Map<String, Tensor> m = new LinkedHashMap<>();
        for (int i = 0; i < values.length; i++) {
            m.put("p" + i, new Tensor(new int[] {1}, new double[] {values[i]}));
        }
        return m;
    }

    private static Map<String, double[]> grads(double... values) {
        Map<String, double[]> m = new LinkedHashMap<>();
        for (int i = 0; i < values.length; i++) {
            m.put("p" + i, new double[] {values[i]});
        }
        return m;
    }

    private static double value(HostOptimizer o, String name) {
        return o.parameters().get(name).data()[0];
    }

    @Test
    void sgdWithMomentumFollowsPytorch() {
        HostOptimizer o = new HostOptimizer(OptimizerSpec.sgd(0.9, 0), params(1.0));
        o.step(grads(0.5), 0.1);                 // buf = 0.5, p = 1 − 0.05
        assertEquals(0.95, value(o, "p0"), 1e-7);
        o.step(grads(0.5), 0.1);                 // buf = 0.45 + 0.5 = 0.95, p = 0.95 − 0.095
        assertEquals(0.855, value(o, "p0"), 1e-7);
        assertEquals(0.95, o.state().get("p0.momentum").data()[0], 1e-7);
        assertEquals(2, o.steps());
    }

    @Test
    void plainSgdKeepsNoState() {
        HostOptimizer o = new HostOptimizer(OptimizerSpec.sgd(0, 0), params(2.0));
        o.step(grads(-1.0), 0.25);
        assertEquals(2.25, value(o, "p0"), 0);
        assertTrue(o.state().isEmpty());
    }

    @Test
    void adamFollowsPytorchWithBiasCorrection() {
        HostOptimizer o = new HostOptimizer(OptimizerSpec.adam(0), params(1.0));
        o.step(grads(0.5), 0.1);                 // m̂ = 0.5, v̂ = 0.25: a step of lr
        assertEquals(0.9, value(o, "p0"), 1e-6);
        o.step(grads(-0.25), 0.1);
        // m = 0.02, v = 0.00031225; m̂ = 0.02/0.19, v̂ = 0.00031225/0.001999
        double expected = 0.9 - 0.1 * (0.02 / 0.19) / (Math.sqrt(0.00031225 / 0.001999) + 1e-8);
        assertEquals(0.873366, expected, 1e-6);
        assertEquals(expected, value(o, "p0"), 1e-6);
        assertEquals(0.02, o.state().get("p0.m").data()[0], 1e-7);
        assertEquals(0.00031225, o.state().get("p0.v").data()[0], 1e-9);
    }

    @Test
    void clippingScalesByTheGlobalNorm() {
        HostOptimizer o = new HostOptimizer(OptimizerSpec.sgd(0, 1.0), params(0, 0));
        o.step(grads(3, 4), 1.0);                // norm 5 → gradients × 1/5
        assertEquals(5.0, o.lastGradientNorm(), 1e-12);
        assertEquals(-0.6, value(o, "p0"), 1e-6);
        assertEquals(-0.8, value(o, "p1"), 1e-6);

        HostOptimizer small = new HostOptimizer(OptimizerSpec.sgd(0, 10.0), params(0, 0));
        small.step(grads(3, 4), 1.0);            // norm 5 < 10: unchanged
        assertEquals(-3.0, value(small, "p0"), 0);
        assertEquals(-4.0, value(small, "p1"), 0);
    }

    @Test
    void parametersAreStoredAsFloat32() {
        HostOptimizer o = new HostOptimizer(OptimizerSpec.sgd(0, 0), params(1.0));
        o.step(grads(1e-9), 1.0);
        assertEquals((double) (float) (1.0 - 1e-9), value(o, "p0"), 0);
    }

    @Test
    void restoreChecksNamesAndShapes() {
        HostOptimizer o = new HostOptimizer(OptimizerSpec.adam(0), params(1.0, 2.0));
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> o.restore(params(1.0), Map.of(), 3));
        assertTrue(missing.getMessage().contains("p1"), missing.getMessage());
        Map<String, Tensor> wrong = params(1.0, 2.0);
        wrong.put("p1", Tensor.zeros(2));
        IllegalArgumentException shape = assertThrows(IllegalArgumentException.class,
                () -> o.restore(wrong, Map.of(), 3));
        assertTrue(shape.getMessage().startsWith("p1 has shape [2]"), shape.getMessage());
        o.restore(params(5.0, 6.0), Map.of("p0.m", new Tensor(new int[] {1}, new double[] {0.5})), 7);
        assertEquals(7, o.steps());
        assertArrayEquals(new double[] {0.5}, o.state().get("p0.m").data());
        assertArrayEquals(new double[] {0}, o.state().get("p1.v").data());
    }
}
