package io.recurflow.cli;

import io.recurflow.interp.Tensor;
import java.util.Arrays;
import java.util.Map;

/**
 * How far outputs are from the reference: the largest absolute difference, and the largest of each
 * output's absolute difference relative to that output's largest reference magnitude.
 */
record Comparison(double maxAbs, double maxRel, String worst) {
    static Comparison of(Map<String, Tensor> actual, Map<String, Tensor> expected) {
        double maxAbs = 0;
        double maxRel = 0;
        String worst = "-";
        for (Map.Entry<String, Tensor> e : expected.entrySet()) {
            Tensor a = actual.get(e.getKey());
            Tensor x = e.getValue();
            if (a == null || !Arrays.equals(a.shape(), x.shape())) {
                throw new IllegalStateException("output " + e.getKey() + " has shape "
                        + (a == null ? "none" : Arrays.toString(a.shape())) + ", the reference "
                        + Arrays.toString(x.shape()));
            }
            double abs = 0;
            double mag = 0;
            for (int i = 0; i < x.size(); i++) {
                abs = Math.max(abs, Math.abs(a.data()[i] - x.data()[i]));
                mag = Math.max(mag, Math.abs(x.data()[i]));
            }
            double rel = mag == 0 ? abs : abs / mag;
            maxAbs = Math.max(maxAbs, abs);
            if (rel >= maxRel) {
                maxRel = rel;
                worst = e.getKey();
            }
        }
        return new Comparison(maxAbs, maxRel, worst);
    }
}
