package io.recurflow.interp;

import java.util.Arrays;

/** A dense row-major tensor of concrete shape, held in double precision for the reference interpreter. */
public final class Tensor {
    private final int[] shape;
    private final double[] data;

    public Tensor(int[] shape, double[] data) {
        this.shape = shape.clone();
        if (data.length != count(shape)) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " needs " + count(shape)
                    + " elements, got " + data.length);
        }
        this.data = data;
    }

    public static Tensor zeros(int... shape) {
        return new Tensor(shape, new double[count(shape)]);
    }

    public static Tensor of(int[] shape, float[] values) {
        double[] d = new double[values.length];
        for (int i = 0; i < d.length; i++) {
            d[i] = values[i];
        }
        return new Tensor(shape, d);
    }

    public static int count(int[] shape) {
        int n = 1;
        for (int s : shape) {
            n = Math.multiplyExact(n, s);
        }
        return n;
    }

    public int[] shape() {
        return shape.clone();
    }

    public int rank() {
        return shape.length;
    }

    public int dim(int i) {
        return shape[i < 0 ? shape.length + i : i];
    }

    /** The backing array (row-major); callers must not change a tensor they did not create. */
    public double[] data() {
        return data;
    }

    public int size() {
        return data.length;
    }

    public float[] toFloats() {
        float[] f = new float[data.length];
        for (int i = 0; i < f.length; i++) {
            f[i] = (float) data[i];
        }
        return f;
    }

    /** The sub-tensor at {@code index} of axis {@code axis}, keeping that axis with size 1. */
    public Tensor sliceAxis(int axis, int index) {
        int outer = 1;
        for (int i = 0; i < axis; i++) {
            outer *= shape[i];
        }
        int inner = 1;
        for (int i = axis + 1; i < shape.length; i++) {
            inner *= shape[i];
        }
        int[] s = shape.clone();
        s[axis] = 1;
        double[] d = new double[outer * inner];
        for (int o = 0; o < outer; o++) {
            System.arraycopy(data, (o * shape[axis] + index) * inner, d, o * inner, inner);
        }
        return new Tensor(s, d);
    }

    /** Joins tensors that agree on every axis but {@code axis}. */
    public static Tensor concat(int axis, Tensor... parts) {
        int[] s = parts[0].shape.clone();
        int total = 0;
        for (Tensor p : parts) {
            total += p.shape[axis];
        }
        s[axis] = total;
        int outer = 1;
        for (int i = 0; i < axis; i++) {
            outer *= s[i];
        }
        int inner = 1;
        for (int i = axis + 1; i < s.length; i++) {
            inner *= s[i];
        }
        double[] d = new double[count(s)];
        int pos = 0;
        for (int o = 0; o < outer; o++) {
            for (Tensor p : parts) {
                int n = p.shape[axis] * inner;
                System.arraycopy(p.data, o * n, d, pos, n);
                pos += n;
            }
        }
        return new Tensor(s, d);
    }

    public Tensor reshape(int... newShape) {
        return new Tensor(newShape, data);
    }

    @Override
    public String toString() {
        return "Tensor" + Arrays.toString(shape);
    }
}
