package io.recurflow.samples.charlm;

import io.recurflow.interp.Tensor;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/** The feeds of one batch being filled step by step: ids and targets [T, B], and for splice keep and mask. */
final class Rows {
    private final int steps;
    private final int batch;
    private final double[] ids;
    private final double[] targets;
    private final double[] keep;
    private final double[] mask;
    private final int[] lengths;
    private long tokens;

    Rows(int steps, int batch, boolean spliced) {
        this.steps = steps;
        this.batch = batch;
        this.ids = new double[steps * batch];
        this.targets = new double[steps * batch];
        this.keep = spliced ? new double[steps * batch] : null;
        this.mask = spliced ? new double[steps * batch] : null;
        if (spliced) {
            Arrays.fill(keep, 1);
        }
        this.lengths = new int[batch];
    }

    /** Row {@code b} at step {@code t} reads {@code id} and predicts {@code target}; the row's length grows to t + 1. */
    void set(int t, int b, int id, int target) {
        ids[t * batch + b] = id;
        targets[t * batch + b] = target;
        if (mask != null) {
            mask[t * batch + b] = 1;
        }
        lengths[b] = Math.max(lengths[b], t + 1);
        tokens++;
    }

    /** Row {@code b} starts a new sentence at step {@code t}: its previous state is dropped. */
    void reset(int t, int b) {
        keep[t * batch + b] = 0;
    }

    Batch build(boolean resetState) {
        for (int b = 0; b < batch; b++) {
            // a row with nothing to predict still runs one (masked) step: lengths are at least 1
            lengths[b] = Math.max(1, lengths[b]);
        }
        Map<String, Tensor> feeds = new LinkedHashMap<>();
        feeds.put("ids", new Tensor(new int[] {steps, batch}, ids));
        feeds.put("targets", new Tensor(new int[] {steps, batch}, targets));
        if (keep != null) {
            feeds.put("keep", new Tensor(new int[] {steps, batch, 1}, keep));
            feeds.put("mask", new Tensor(new int[] {steps, batch}, mask));
        }
        return new Batch(feeds, lengths, steps, tokens, resetState);
    }
}
