package io.recurflow.samples.charlm;

import io.recurflow.interp.Tensor;
import java.util.Map;

/**
 * One batch: the feeds of the graph variant (without parameters and carried state), each row's length,
 * the number of tokens whose prediction counts (the loss's terms), and whether carried state starts
 * from zero. {@link #paddedFraction} is the share of the batch's T × B slots that is padding.
 */
public record Batch(Map<String, Tensor> feeds, int[] lengths, int steps, long tokens, boolean resetState) {
    public int rows() {
        return lengths.length;
    }

    /** The slots computed at full size: T × B. */
    public long slots() {
        return (long) steps * lengths.length;
    }

    public double paddedFraction() {
        return 1 - (double) tokens / slots();
    }
}
