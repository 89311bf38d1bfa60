package io.recurflow.codegen;

import io.recurflow.ir.Node;
import java.util.List;
import java.util.function.IntUnaryOperator;

/**
 * The rows of the batch that the launches being emitted cover: every row, or, while one stream's task
 * is emitted, the B/S rows of that stream.
 *
 * <p>The layout stays step-major [T, B, F]: stream s holds rows t·B + s·B/S … t·B + (s+1)·B/S − 1 of
 * every step, contiguous within a step. A launch over one step of one stream therefore needs no new
 * kernel code: every per-step value and every per-sequence static value ([B, F]) is addressed from an
 * element offset moved by s·B/S rows ({@link #shift}), the launch covers B/S rows instead of B, and the
 * lengths it reads are the stream's own, a copy of lengths[s·B/S …] filled at the start of each run
 * ({@link #lengthsKernel}). Kernels number a row's sequence b = r mod B and its step t0 + r / B; with
 * fewer than B rows that is b = r, the sequence within the stream, which is what the moved offsets and
 * the stream's lengths expect. Work over several steps of one stream (strided rows) is not split this
 * way: the lowering gives it one task for all streams.
 */
final class StreamRows {
    private final int batch;
    private final int streams;
    /** The lengths buffer of each stream; empty with one stream. */
    private final int[] lengthBuffers;
    /** The stream being emitted, or -1: every row. */
    private int current = -1;

    private StreamRows(int batch, int streams, int[] lengthBuffers) {
        this.batch = batch;
        this.streams = streams;
        this.lengthBuffers = lengthBuffers;
    }

    /** Every row, one stream. */
    static StreamRows all(int batch) {
        return new StreamRows(batch, 1, new int[0]);
    }

    /**
     * {@code streams} streams of B/S rows each, their lengths buffers made by {@code newBuffer} (given
     * the stream, returning a buffer id of at least B/S ints).
     *
     * @throws UnsupportedGraphException when B is not a multiple of S
     */
    static StreamRows of(int batch, int streams, IntUnaryOperator newBuffer) {
        if (streams < 1 || batch % streams != 0) {
            throw new UnsupportedGraphException("a batch of " + batch + " sequences cannot be split into " + streams
                    + " streams of equal size: the batch B must be a multiple of the streams S");
        }
        int[] buffers = new int[streams > 1 ? streams : 0];
        for (int s = 0; s < buffers.length; s++) {
            buffers[s] = newBuffer.applyAsInt(s);
        }
        return new StreamRows(batch, streams, buffers);
    }

    int streams() {
        return streams;
    }

    /** The rows of one step: B, or B/S while a stream is emitted. */
    int stepRows() {
        return current < 0 ? batch : batch / streams;
    }

    /** The first batch row of stream {@code s}. */
    int firstRow(int s) {
        return s * (batch / streams);
    }

    /** The lengths buffer the launches read: {@code all}, or the current stream's. */
    int lengths(int all) {
        return current < 0 ? all : lengthBuffers[current];
    }

    /**
     * {@code loc} of {@code n} as the current stream's launches address it: a per-step value or a
     * per-sequence static one (B rows) from the stream's first row; parameters and other static values
     * unchanged.
     */
    Loc shift(Node n, Loc loc) {
        if (current <= 0) {
            return loc;
        }
        boolean perSequence = n.isPerStep() || n.shape().hasBatch() && loc.rows() == batch;
        if (!perSequence) {
            return loc;
        }
        return new Loc(loc.buffer(), loc.base() + (long) firstRow(current) * loc.stride(), loc.stride(), loc.col(),
                loc.width(), loc.perStep(), loc.rows());
    }

    /** Runs {@code emit} with the launches covering stream {@code s}'s rows only. */
    void within(int s, Runnable emit) {
        if (s < 0 || s >= streams || current >= 0) {
            throw new IllegalStateException("cannot emit stream " + s + " of " + streams + " (now emitting " + current
                    + ")");
        }
        current = s;
        try {
            emit.run();
        } finally {
            current = -1;
        }
    }

    /** The buffer of stream {@code s}'s lengths. */
    int lengthBuffer(int s) {
        return lengthBuffers[s];
    }

    /**
     * The kernel that copies stream s's lengths out of the batch's: launched over B/S items with t0 =
     * the stream's first row, in the usual (lengths, t0, buffers) signature.
     */
    Kernel lengthsKernel(int s) {
        String text = "__kernel void " + KernelSet.NAME + "(__global const int* lengths, int t0, __global int* p0) {\n"
                + "    const int i = get_global_id(0);\n"
                + "    p0[i] = lengths[t0 + i];\n"
                + "}\n";
        return new Kernel("stream_lengths", text, List.of(lengthBuffers[s]),
                List.of(io.recurflow.runtime.program.Arg.Kind.BUFFER, io.recurflow.runtime.program.Arg.Kind.INT,
                        io.recurflow.runtime.program.Arg.Kind.BUFFER), batch / streams);
    }
}
