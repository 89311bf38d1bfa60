package io.recurflow.codegen.kernels;

/**
 * Where a GEMM finds the rows of its left operand A.
 *
 * <p>Row {@code r} of a launch belongs to sequence {@code b = r % batch} at step {@code t = t0 + r / batch}
 * (the same numbering that {@link GemmSpec#maskRows()} uses).
 */
public enum RowMode {
    /** Rows are contiguous: row {@code r} starts at element {@code a_off + r * K}. */
    PLAIN,
    /**
     * The recurrent product of one step: A is a {@code [T, batch, K]} sequence from {@code a_off}, row
     * {@code r} reads step {@code s = t - d} of sequence {@code b}, element {@code a_off + (s * batch + b) * K},
     * when {@code 0 <= s < lengths[b]}, and zeros otherwise (the initial state is zero).
     */
    STEP,
    /** As {@link #STEP}, but an invalid row reads row {@code b} of an initial-state buffer {@code [batch, K]}. */
    STEP_INIT;

    /** Whether rows come from a sequence addressed by step and delay. */
    public boolean isStep() {
        return this != PLAIN;
    }
}
