package io.recurflow.runtime.safetensors;

import java.io.IOException;
import java.nio.ByteBuffer;

/** Little-endian encoding and decoding of tensor elements. */
final class Codec {
    private Codec() {
    }

    /** Receives a filled, flipped chunk of bytes. */
    interface Sink {
        void accept(ByteBuffer chunk) throws IOException;
    }

    /** Decodes {@code buf} (little-endian, exactly numel·size bytes) into a tensor. */
    static HostTensor decode(String name, DataType dtype, long[] shape, ByteBuffer buf) {
        int n = buf.remaining() / dtype.size();
        switch (dtype) {
            case F32: {
                float[] f = new float[n];
                buf.asFloatBuffer().get(f);
                return HostTensor.raw(name, dtype, shape, f, null, null);
            }
            case F16:
            case BF16: {
                float[] f = new float[n];
                boolean half = dtype == DataType.F16;
                for (int i = 0; i < n; i++) {
                    short s = buf.getShort();
                    f[i] = half ? HalfFloats.halfToFloat(s) : HalfFloats.bf16ToFloat(s);
                }
                return HostTensor.raw(name, dtype, shape, f, null, null);
            }
            case F64: {
                double[] d = new double[n];
                buf.asDoubleBuffer().get(d);
                return HostTensor.raw(name, dtype, shape, null, d, null);
            }
            case I64: {
                long[] l = new long[n];
                buf.asLongBuffer().get(l);
                return HostTensor.raw(name, dtype, shape, null, null, l);
            }
            default: {
                long[] l = new long[n];
                for (int i = 0; i < n; i++) {
                    l[i] = readInteger(dtype, buf);
                }
                return HostTensor.raw(name, dtype, shape, null, null, l);
            }
        }
    }

    private static long readInteger(DataType dtype, ByteBuffer buf) {
        switch (dtype) {
            case I32: return buf.getInt();
            case U32: return buf.getInt() & 0xffffffffL;
            case I16: return buf.getShort();
            case U16: return buf.getShort() & 0xffff;
            case I8: return buf.get();
            case U8: return buf.get() & 0xff;
            case BOOL: return buf.get() != 0 ? 1 : 0;
            default: throw new IllegalStateException("not a narrow integer type: " + dtype);
        }
    }

    /** Encodes {@code t}'s elements through {@code chunk} (a little-endian buffer), handing each full chunk to {@code sink}. */
    static void encode(HostTensor t, ByteBuffer chunk, Sink sink) throws IOException {
        DataType dtype = t.dtype();
        int size = dtype.size();
        int n = (int) t.numel();
        int per = chunk.capacity() / size;
        for (int start = 0; start < n; start += per) {
            int m = Math.min(per, n - start);
            chunk.clear();
            switch (dtype) {
                case F32:
                    chunk.asFloatBuffer().put(t.rawFloats(), start, m);
                    break;
                case F64:
                    chunk.asDoubleBuffer().put(t.rawDoubles(), start, m);
                    break;
                case I64:
                    chunk.asLongBuffer().put(t.rawLongs(), start, m);
                    break;
                case F16:
                    for (int i = start; i < start + m; i++) {
                        chunk.putShort(HalfFloats.floatToHalf(t.rawFloats()[i]));
                    }
                    break;
                case BF16:
                    for (int i = start; i < start + m; i++) {
                        chunk.putShort(HalfFloats.floatToBf16(t.rawFloats()[i]));
                    }
                    break;
                default:
                    long[] l = t.rawLongs();
                    for (int i = start; i < start + m; i++) {
                        writeInteger(dtype, chunk, l[i]);
                    }
                    break;
            }
            chunk.position(0).limit(m * size);
            sink.accept(chunk);
        }
    }

    private static void writeInteger(DataType dtype, ByteBuffer buf, long v) {
        switch (dtype.size()) {
            case 4: buf.putInt((int) v); break;
            case 2: buf.putShort((short) v); break;
            default: buf.put((byte) v); break;
        }
    }
}
