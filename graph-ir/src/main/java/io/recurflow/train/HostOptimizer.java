package io.recurflow.train;

import io.recurflow.interp.Tensor;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@link OptimizerSpec}'s update rules on the host, the meaning the device kernels are checked against.
 * Parameters and optimizer state are stored as float32 (as PyTorch stores them); each element's update
 * is computed in double and rounded once, and the global gradient norm is summed in double.
 */
public final class HostOptimizer {
    private final OptimizerSpec spec;
    private final Map<String, int[]> shapes = new LinkedHashMap<>();
    private final Map<String, float[]> params = new LinkedHashMap<>();
    private final Map<String, float[]> state = new LinkedHashMap<>();
    private long steps;
    private double lastNorm = Double.NaN;

    /** An optimizer over {@code initial} (copied, rounded to float32), with zero state and no steps yet. */
    public HostOptimizer(OptimizerSpec spec, Map<String, Tensor> initial) {
        this.spec = spec;
        for (Map.Entry<String, Tensor> e : initial.entrySet()) {
            shapes.put(e.getKey(), e.getValue().shape());
            params.put(e.getKey(), e.getValue().toFloats());
            for (String suffix : spec.stateSuffixes()) {
                state.put(e.getKey() + suffix, new float[e.getValue().size()]);
            }
        }
    }

    public OptimizerSpec spec() {
        return spec;
    }

    /** Updates applied so far. */
    public long steps() {
        return steps;
    }

    /** The global L2 norm of the last update's gradients, before clipping (NaN before the first). */
    public double lastGradientNorm() {
        return lastNorm;
    }

    /** The parameter names, in the order they were given. */
    public List<String> names() {
        return List.copyOf(params.keySet());
    }

    /** One update with learning rate {@code lr}; {@code grads} holds every parameter's gradient by name. */
    public void step(Map<String, double[]> grads, double lr) {
        Map<String, float[]> g = new LinkedHashMap<>();
        double sumSq = 0;
        for (Map.Entry<String, float[]> e : params.entrySet()) {
            double[] gd = grads.get(e.getKey());
            if (gd == null || gd.length != e.getValue().length) {
                throw new IllegalArgumentException("gradient of " + e.getKey() + " is "
                        + (gd == null ? "missing" : "of " + gd.length + " elements, expected " + e.getValue().length));
            }
            float[] gf = new float[gd.length];
            for (int i = 0; i < gd.length; i++) {
                gf[i] = (float) gd[i];
                sumSq += (double) gf[i] * gf[i];
            }
            g.put(e.getKey(), gf);
        }
        lastNorm = Math.sqrt(sumSq);
        if (spec.clipNorm() > 0) {
            double coef = spec.clipNorm() / (lastNorm + 1e-6);
            if (coef < 1) {
                for (float[] gf : g.values()) {
                    for (int i = 0; i < gf.length; i++) {
                        gf[i] = (float) (gf[i] * coef);
                    }
                }
            }
        }
        long t = steps + 1;
        for (Map.Entry<String, float[]> e : params.entrySet()) {
            float[] p = e.getValue();
            float[] gf = g.get(e.getKey());
            if (spec.kind() == OptimizerSpec.Kind.ADAM) {
                adam(p, gf, state.get(e.getKey() + ".m"), state.get(e.getKey() + ".v"), lr, t);
            } else if (spec.momentum() > 0) {
                // buf starts at zero, so momentum · 0 + g gives PyTorch's buf = g at the first step
                float[] buf = state.get(e.getKey() + ".momentum");
                for (int i = 0; i < p.length; i++) {
                    buf[i] = (float) (spec.momentum() * buf[i] + gf[i]);
                    p[i] = (float) (p[i] - lr * buf[i]);
                }
            } else {
                for (int i = 0; i < p.length; i++) {
                    p[i] = (float) (p[i] - lr * gf[i]);
                }
            }
        }
        steps = t;
    }

    private void adam(float[] p, float[] g, float[] m, float[] v, double lr, long t) {
        double b1 = spec.beta1();
        double b2 = spec.beta2();
        double bc1 = 1 - Math.pow(b1, t);
        double bc2 = 1 - Math.pow(b2, t);
        for (int i = 0; i < p.length; i++) {
            m[i] = (float) (b1 * m[i] + (1 - b1) * g[i]);
            v[i] = (float) (b2 * v[i] + (1 - b2) * (double) g[i] * g[i]);
            p[i] = (float) (p[i] - lr * (m[i] / bc1) / (Math.sqrt(v[i] / bc2) + spec.eps()));
        }
    }

    /** The parameters as tensors (copies), by name. */
    public Map<String, Tensor> parameters() {
        return copies(params);
    }

    /** The optimizer state as tensors (copies), named {@code <param><suffix>}. */
    public Map<String, Tensor> state() {
        return copies(state);
    }

    private Map<String, Tensor> copies(Map<String, float[]> from) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, float[]> e : from.entrySet()) {
            String param = e.getKey();
            int[] shape = shapes.get(param);
            if (shape == null) {
                param = param.substring(0, param.lastIndexOf('.'));
                shape = shapes.get(param);
            }
            out.put(e.getKey(), Tensor.of(shape, e.getValue()));
        }
        return out;
    }

    /**
     * Replaces parameters, state and step count. Every parameter must be given with its shape; a missing
     * state tensor means zeros; an unknown name or a wrong shape is an IllegalArgumentException naming it.
     */
    public void restore(Map<String, Tensor> parameters, Map<String, Tensor> optimizerState, long stepCount) {
        if (stepCount < 0) {
            throw new IllegalArgumentException("step count " + stepCount + " is negative");
        }
        for (String name : params.keySet()) {
            Tensor t = parameters.get(name);
            if (t == null) {
                throw new IllegalArgumentException("parameter " + name + " is missing");
            }
            checkShape(name, shapes.get(name), t);
        }
        for (String name : parameters.keySet()) {
            if (!params.containsKey(name)) {
                throw new IllegalArgumentException("parameter " + name + " is not in the model");
            }
        }
        for (Map.Entry<String, Tensor> e : optimizerState.entrySet()) {
            float[] target = state.get(e.getKey());
            if (target == null) {
                throw new IllegalArgumentException("optimizer state " + e.getKey() + " is not kept by "
                        + spec.kind().name().toLowerCase(java.util.Locale.ROOT)
                        + " (expected " + String.join(", ", spec.stateSuffixes()) + " per parameter)");
            }
            String param = e.getKey().substring(0, e.getKey().lastIndexOf('.'));
            checkShape(e.getKey(), shapes.get(param), e.getValue());
        }
        for (String name : params.keySet()) {
            params.put(name, parameters.get(name).toFloats());
        }
        for (Map.Entry<String, float[]> e : state.entrySet()) {
            Tensor t = optimizerState.get(e.getKey());
            e.setValue(t == null ? new float[e.getValue().length] : t.toFloats());
        }
        steps = stepCount;
    }

    private static void checkShape(String name, int[] expected, Tensor t) {
        if (!Arrays.equals(expected, t.shape())) {
            throw new IllegalArgumentException(name + " has shape " + Arrays.toString(t.shape()) + ", the model's is "
                    + Arrays.toString(expected));
        }
    }
}
