package io.recurflow.ir;

/**
 * A use of node {@code source} at step t − {@code delay}; {@code init} is the static node whose value
 * is read where that step falls outside the sequence, or {@link #ZEROS} for zeros.
 */
public record Operand(int source, int delay, int init) {
    /** The {@code init} of an operand whose out-of-range reads yield zeros. */
    public static final int ZEROS = -1;

    public static Operand of(int source) {
        return new Operand(source, 0, ZEROS);
    }

    public static Operand delayed(int source, int delay) {
        return new Operand(source, delay, ZEROS);
    }

    public boolean hasInit() {
        return init != ZEROS;
    }

    public Operand withSource(int newSource, int newInit) {
        return new Operand(newSource, delay, newInit);
    }
}
