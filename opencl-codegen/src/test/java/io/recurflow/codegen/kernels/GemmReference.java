package io.recurflow.codegen.kernels;

/** The meaning of a {@link GemmSpec}, computed in double precision on the host. */
final class GemmReference {
    private GemmReference() {
    }

    /** The arguments of one launch, as plain arrays (B unpacked, laid out as {@code spec.transposeB()} says). */
    record Launch(int m, float[] a, int aOff, float[] b, int bOff, float[] bias, int biasOff, int[] lengths, int t0,
            int batch, int d, float[] init, int initOff) {
    }

    /** C as the kernel must compute it, {@code [m, n]} row-major. */
    static double[] compute(GemmSpec spec, Launch x) {
        int n = spec.n();
        int k = spec.k();
        double[] c = new double[x.m() * n];
        for (int r = 0; r < x.m(); r++) {
            float[] src = x.a();
            int base = x.aOff() + r * k;
            if (spec.rowMode().isStep()) {
                int b = r % x.batch();
                int s = x.t0() + r / x.batch() - x.d();
                if (s >= 0 && s < x.lengths()[b]) {
                    base = x.aOff() + (s * x.batch() + b) * k;
                } else if (spec.rowMode() == RowMode.STEP_INIT) {
                    src = x.init();
                    base = x.initOff() + b * k;
                } else {
                    src = null;
                }
            }
            boolean masked = spec.maskRows() && x.t0() + r / x.batch() >= x.lengths()[r % x.batch()];
            for (int j = 0; j < n; j++) {
                double sum = 0;
                if (src != null) {
                    for (int q = 0; q < k; q++) {
                        double w = spec.transposeB() ? x.b()[x.bOff() + j * k + q] : x.b()[x.bOff() + q * n + j];
                        sum += src[base + q] * w;
                    }
                }
                if (spec.bias()) {
                    sum += x.bias()[x.biasOff() + j];
                }
                sum = switch (spec.act()) {
                    case NONE -> sum;
                    case SIGMOID -> 1 / (1 + Math.exp(-sum));
                    case TANH -> Math.tanh(sum);
                    case RELU -> Math.max(sum, 0);
                };
                c[r * n + j] = masked ? 0 : sum;
            }
        }
        return c;
    }
}
