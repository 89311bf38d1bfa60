package io.recurflow.runtime.safetensors;

import java.util.Arrays;
import java.util.Objects;

/**
 * A named tensor in host memory: its element type, its shape and its elements in row-major order.
 *
 * <p>F32, F16 and BF16 elements are held as a {@code float[]}, F64 as a {@code double[]}, integer and
 * BOOL types as a {@code long[]}. The data array is shared, not copied: do not change it after handing it
 * over. F16/BF16 values are rounded to the nearest representable value when the tensor is made.
 * Integer types are range-checked when made.
 */
public final class HostTensor {
    private final String name;
    private final DataType dtype;
    private final long[] shape;
    private final long numel;
    private final float[] floats;
    private final double[] doubles;
    private final long[] longs;

    private HostTensor(String name, DataType dtype, long[] shape, float[] floats, double[] doubles, long[] longs) {
        this.name = Objects.requireNonNull(name, "name");
        this.dtype = Objects.requireNonNull(dtype, "dtype");
        this.shape = shape.clone();
        this.numel = numel(name, this.shape);
        this.floats = floats;
        this.doubles = doubles;
        this.longs = longs;
        int length = floats != null ? floats.length : doubles != null ? doubles.length : longs.length;
        if (length != numel) {
            throw new IllegalArgumentException("tensor '" + name + "': shape " + Arrays.toString(shape) + " has "
                    + numel + " elements but the data has " + length);
        }
    }

    private static long numel(String name, long[] shape) {
        long n = 1;
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("tensor '" + name + "': negative dimension in shape " + Arrays.toString(shape));
            }
            try {
                n = Math.multiplyExact(n, d);
            } catch (ArithmeticException e) {
                throw new IllegalArgumentException("tensor '" + name + "': shape " + Arrays.toString(shape) + " is too large", e);
            }
        }
        return n;
    }

    /** An F32 tensor. */
    public static HostTensor f32(String name, float[] data, long... shape) {
        return ofFloats(name, DataType.F32, data, shape);
    }

    /** An F64 tensor. */
    public static HostTensor f64(String name, double[] data, long... shape) {
        Objects.requireNonNull(data, "data");
        return new HostTensor(name, DataType.F64, shape, null, data, null);
    }

    /** An I64 tensor. */
    public static HostTensor i64(String name, long[] data, long... shape) {
        return ofLongs(name, DataType.I64, data, shape);
    }

    /** An I32 tensor (held as long[]). */
    public static HostTensor i32(String name, int[] data, long... shape) {
        long[] wide = new long[data.length];
        for (int i = 0; i < data.length; i++) {
            wide[i] = data[i];
        }
        return new HostTensor(name, DataType.I32, shape, null, null, wide);
    }

    /** A tensor of a float-held type (F32, F16 or BF16); F16/BF16 elements are rounded (into a copy). */
    public static HostTensor ofFloats(String name, DataType dtype, float[] data, long... shape) {
        Objects.requireNonNull(data, "data");
        if (dtype.kind() != DataType.Kind.FLOAT) {
            throw new IllegalArgumentException("tensor '" + name + "': " + dtype + " is not held as float[]");
        }
        if (dtype != DataType.F32) {
            float[] rounded = new float[data.length];
            for (int i = 0; i < data.length; i++) {
                rounded[i] = HalfFloats.roundTo(dtype, data[i]);
            }
            data = rounded;
        }
        return new HostTensor(name, dtype, shape, data, null, null);
    }

    /** A tensor of an integer type (I64, I32, U32, I16, U16, I8, U8, BOOL); every value must fit the type. */
    public static HostTensor ofLongs(String name, DataType dtype, long[] data, long... shape) {
        Objects.requireNonNull(data, "data");
        if (dtype.kind() != DataType.Kind.INTEGER) {
            throw new IllegalArgumentException("tensor '" + name + "': " + dtype + " is not an integer type");
        }
        if (dtype != DataType.I64) {
            long min = dtype.minValue();
            long max = dtype.maxValue();
            for (int i = 0; i < data.length; i++) {
                if (data[i] < min || data[i] > max) {
                    throw new IllegalArgumentException("tensor '" + name + "': element " + i + " = " + data[i]
                            + " does not fit " + dtype);
                }
            }
        }
        return new HostTensor(name, dtype, shape, null, null, data);
    }

    /** The same data under another name. */
    public HostTensor withName(String newName) {
        return new HostTensor(newName, dtype, shape, floats, doubles, longs);
    }

    /** This tensor converted to {@code target} (floats truncate toward zero when converted to an integer type). */
    public HostTensor convertTo(DataType target) {
        if (target == dtype) {
            return this;
        }
        switch (target.kind()) {
            case FLOAT:
                return ofFloats(name, target, toFloatArray(), shape);
            case DOUBLE:
                return f64(name, toDoubleArray(), shape);
            default:
                return ofLongs(name, target, toLongArray(), shape);
        }
    }

    /** The tensor's name (its key in a safetensors file). */
    public String name() {
        return name;
    }

    /** The element type. */
    public DataType dtype() {
        return dtype;
    }

    /** The shape (a copy). */
    public long[] shape() {
        return shape.clone();
    }

    /** The shape as ints; fails when a dimension exceeds Integer.MAX_VALUE. */
    public int[] intShape() {
        int[] s = new int[shape.length];
        for (int i = 0; i < shape.length; i++) {
            s[i] = Math.toIntExact(shape[i]);
        }
        return s;
    }

    /** Number of dimensions. */
    public int rank() {
        return shape.length;
    }

    /** Dimension {@code axis}. */
    public long dim(int axis) {
        return shape[axis];
    }

    /** Number of elements (the product of the shape; 1 for a scalar). */
    public long numel() {
        return numel;
    }

    /** Size of the elements in bytes in {@link #dtype()}. */
    public long byteSize() {
        return numel * dtype.size();
    }

    /** The elements of an F32/F16/BF16 tensor, not copied; fails for other types. */
    public float[] floats() {
        if (floats == null) {
            throw new IllegalStateException("tensor '" + name + "' is " + dtype + ", not held as float[]");
        }
        return floats;
    }

    /** The elements of an F64 tensor, not copied; fails for other types. */
    public double[] doubles() {
        if (doubles == null) {
            throw new IllegalStateException("tensor '" + name + "' is " + dtype + ", not held as double[]");
        }
        return doubles;
    }

    /** The elements of an integer or BOOL tensor, not copied; fails for other types. */
    public long[] longs() {
        if (longs == null) {
            throw new IllegalStateException("tensor '" + name + "' is " + dtype + ", not held as long[]");
        }
        return longs;
    }

    /** The elements as a new float[] (converting). */
    public float[] toFloatArray() {
        if (floats != null) {
            return floats.clone();
        }
        int n = (int) numel;
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            out[i] = doubles != null ? (float) doubles[i] : (float) longs[i];
        }
        return out;
    }

    /** The elements as a new double[] (converting). */
    public double[] toDoubleArray() {
        if (doubles != null) {
            return doubles.clone();
        }
        int n = (int) numel;
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            out[i] = floats != null ? floats[i] : (double) longs[i];
        }
        return out;
    }

    /** The elements as a new long[] (floats truncate toward zero). */
    public long[] toLongArray() {
        if (longs != null) {
            return longs.clone();
        }
        int n = (int) numel;
        long[] out = new long[n];
        for (int i = 0; i < n; i++) {
            out[i] = floats != null ? (long) floats[i] : (long) doubles[i];
        }
        return out;
    }

    /** The elements as a new int[]; fails when a value does not fit an int. */
    public int[] toIntArray() {
        long[] l = longs != null ? longs : toLongArray();
        int[] out = new int[l.length];
        for (int i = 0; i < l.length; i++) {
            out[i] = Math.toIntExact(l[i]);
        }
        return out;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof HostTensor)) {
            return false;
        }
        HostTensor t = (HostTensor) o;
        return name.equals(t.name) && dtype == t.dtype && Arrays.equals(shape, t.shape)
                && Arrays.equals(floats, t.floats) && Arrays.equals(doubles, t.doubles) && Arrays.equals(longs, t.longs);
    }

    @Override
    public int hashCode() {
        int h = Objects.hash(name, dtype);
        h = 31 * h + Arrays.hashCode(shape);
        h = 31 * h + Arrays.hashCode(floats);
        h = 31 * h + Arrays.hashCode(doubles);
        return 31 * h + Arrays.hashCode(longs);
    }

    @Override
    public String toString() {
        return name + ": " + dtype + Arrays.toString(shape);
    }

    // Package-private raw access for the codec, no checks.
    float[] rawFloats() {
        return floats;
    }

    double[] rawDoubles() {
        return doubles;
    }

    long[] rawLongs() {
        return longs;
    }

    static HostTensor raw(String name, DataType dtype, long[] shape, float[] f, double[] d, long[] l) {
        return new HostTensor(name, dtype, shape, f, d, l);
    }
}
