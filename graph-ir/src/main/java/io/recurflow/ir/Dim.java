package io.recurflow.ir;

/**
 * One axis of a shape: a fixed size, or a symbol bound at run time ({@code B}, the batch, or
 * {@code T}, the sequence length).
 */
public record Dim(int size, String symbol) {
    public static final Dim B = new Dim(-1, "B");
    public static final Dim T = new Dim(-1, "T");

    public Dim {
        if (symbol == null && size < 0) {
            throw new IllegalArgumentException("negative dimension " + size);
        }
        if (symbol != null && !symbol.equals("B") && !symbol.equals("T")) {
            throw new IllegalArgumentException("unknown dimension symbol " + symbol);
        }
    }

    public static Dim of(int size) {
        return new Dim(size, null);
    }

    public boolean isSymbolic() {
        return symbol != null;
    }

    /** The concrete size, given the batch and sequence length of a run. */
    public int resolve(int batch, int seq) {
        if (symbol == null) {
            return size;
        }
        return symbol.equals("B") ? batch : seq;
    }

    @Override
    public String toString() {
        return symbol != null ? symbol : Integer.toString(size);
    }
}
