package io.recurflow.samples.charlm;

/**
 * Produces the batches of one text for a strategy. Batch {@code i} is a pure function of {@code i}
 * (epochs repeat the text, each in its own seeded order), so a resumed run continues with the very
 * batch it would have seen next.
 */
public interface Batcher {
    /** Batch number {@code index} (0-based), in any epoch. */
    Batch batch(long index);

    /** Batches in one pass over the text. */
    long batchesPerEpoch();
}
