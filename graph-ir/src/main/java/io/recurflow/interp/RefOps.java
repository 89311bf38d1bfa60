package io.recurflow.interp;

import java.util.Arrays;

/** The plain arithmetic of each op on concrete tensors, written for clarity, not speed. */
final class RefOps {
    private RefOps() {
    }

    static Tensor matmul(Tensor a, Tensor b, boolean transposeB) {
        int k = a.dim(-1);
        int rows = a.size() / k;
        int n = transposeB ? b.dim(0) : b.dim(1);
        double[] x = a.data();
        double[] w = b.data();
        double[] out = new double[rows * n];
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int i = 0; i < k; i++) {
                    s += x[r * k + i] * (transposeB ? w[j * k + i] : w[i * n + j]);
                }
                out[r * n + j] = s;
            }
        }
        int[] shape = a.shape();
        shape[shape.length - 1] = n;
        return new Tensor(shape, out);
    }

    interface Binary {
        double apply(double x, double y);
    }

    /** NumPy broadcasting: trailing axes aligned, size-1 axes stretched. */
    static Tensor broadcast(Tensor a, Tensor b, Binary f) {
        int rank = Math.max(a.rank(), b.rank());
        int[] sa = padLeft(a.shape(), rank);
        int[] sb = padLeft(b.shape(), rank);
        int[] so = new int[rank];
        for (int i = 0; i < rank; i++) {
            so[i] = Math.max(sa[i], sb[i]);
        }
        double[] out = new double[Tensor.count(so)];
        int[] idx = new int[rank];
        for (int flat = 0; flat < out.length; flat++) {
            int rem = flat;
            for (int i = rank - 1; i >= 0; i--) {
                idx[i] = rem % so[i];
                rem /= so[i];
            }
            out[flat] = f.apply(a.data()[offset(idx, sa)], b.data()[offset(idx, sb)]);
        }
        return new Tensor(so, out);
    }

    private static int[] padLeft(int[] s, int rank) {
        int[] r = new int[rank];
        Arrays.fill(r, 1);
        System.arraycopy(s, 0, r, rank - s.length, s.length);
        return r;
    }

    private static int offset(int[] idx, int[] shape) {
        int off = 0;
        for (int i = 0; i < shape.length; i++) {
            off = off * shape[i] + (shape[i] == 1 ? 0 : idx[i]);
        }
        return off;
    }

    interface Unary {
        double apply(double x);
    }

    static Tensor map(Tensor a, Unary f) {
        double[] out = new double[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = f.apply(a.data()[i]);
        }
        return new Tensor(a.shape(), out);
    }

    static double sigmoid(double x) {
        return 1.0 / (1.0 + Math.exp(-x));
    }

    static Tensor slice(Tensor a, int start, int end) {
        int f = a.dim(-1);
        int rows = a.size() / f;
        int w = end - start;
        double[] out = new double[rows * w];
        for (int r = 0; r < rows; r++) {
            System.arraycopy(a.data(), r * f + start, out, r * w, w);
        }
        int[] shape = a.shape();
        shape[shape.length - 1] = w;
        return new Tensor(shape, out);
    }

    static Tensor select(Tensor a, int index) {
        int[] shape = Arrays.copyOfRange(a.shape(), 1, a.rank());
        int inner = Tensor.count(shape);
        return new Tensor(shape, Arrays.copyOfRange(a.data(), index * inner, (index + 1) * inner));
    }

    static Tensor pack(Tensor... parts) {
        int[] inner = parts[0].shape();
        int[] shape = new int[inner.length + 1];
        shape[0] = parts.length;
        System.arraycopy(inner, 0, shape, 1, inner.length);
        double[] out = new double[Tensor.count(shape)];
        for (int i = 0; i < parts.length; i++) {
            System.arraycopy(parts[i].data(), 0, out, i * parts[i].size(), parts[i].size());
        }
        return new Tensor(shape, out);
    }

    /** Rows of the last axis, softmax (or its log), shifted by the row maximum for stability. */
    static Tensor softmax(Tensor a, boolean log) {
        int f = a.dim(-1);
        double[] x = a.data();
        double[] out = new double[x.length];
        for (int r = 0; r < x.length / f; r++) {
            double max = Double.NEGATIVE_INFINITY;
            for (int i = 0; i < f; i++) {
                max = Math.max(max, x[r * f + i]);
            }
            double sum = 0;
            for (int i = 0; i < f; i++) {
                sum += Math.exp(x[r * f + i] - max);
            }
            double logSum = Math.log(sum) + max;
            for (int i = 0; i < f; i++) {
                double lp = x[r * f + i] - logSum;
                out[r * f + i] = log ? lp : Math.exp(lp);
            }
        }
        return new Tensor(a.shape(), out);
    }
    /** Sum over {@code axis}, kept with size 1 ({@code keep}) or removed. */
    static Tensor sumAxis(Tensor a, int axis, boolean keep) {
        int[] shape = a.shape();
        int outer = 1;
        for (int i = 0; i < axis; i++) {
            outer *= shape[i];
        }
        int n = shape[axis];
        int inner = 1;
        for (int i = axis + 1; i < shape.length; i++) {
            inner *= shape[i];
        }
        double[] out = new double[outer * inner];
        for (int o = 0; o < outer; o++) {
            for (int k = 0; k < n; k++) {
                for (int i = 0; i < inner; i++) {
                    out[o * inner + i] += a.data()[(o * n + k) * inner + i];
                }
            }
        }
        int[] r;
        if (keep) {
            r = shape;
            r[axis] = 1;
        } else {
            r = new int[shape.length - 1];
            System.arraycopy(shape, 0, r, 0, axis);
            System.arraycopy(shape, axis + 1, r, axis, shape.length - axis - 1);
        }
        return new Tensor(r, out);
    }

    /** The same data with a size-1 axis inserted at {@code axis}. */
    static Tensor insertAxis(Tensor a, int axis) {
        int[] s = a.shape();
        int[] r = new int[s.length + 1];
        System.arraycopy(s, 0, r, 0, axis);
        r[axis] = 1;
        System.arraycopy(s, axis, r, axis + 1, s.length - axis);
        return a.reshape(r);
    }

    /** a[..., M]ᵀ × b[..., N] → [M, N], summed over every leading position. */
    static Tensor matmulTn(Tensor a, Tensor b) {
        int m = a.dim(-1);
        int n = b.dim(-1);
        int rows = a.size() / m;
        double[] out = new double[m * n];
        for (int r = 0; r < rows; r++) {
            for (int i = 0; i < m; i++) {
                double x = a.data()[r * m + i];
                for (int j = 0; j < n; j++) {
                    out[i * n + j] += x * b.data()[r * n + j];
                }
            }
        }
        return new Tensor(new int[] {m, n}, out);
    }
}
