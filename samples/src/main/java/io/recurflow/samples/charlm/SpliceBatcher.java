package io.recurflow.samples.charlm;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * splice: each of the B rows is a stream of whole sentences one after another, so a row that finishes
 * a sentence continues with the next one instead of idling. Each epoch shuffles the sentences (seeded)
 * and deals each to the row with the fewest steps so far; batch c is steps [cT, cT + T) of every row,
 * the state carried across batches and reset (keep = 0) at every sentence's first step. An epoch has
 * as many batches as the first epoch's shortest row fills; a shorter row's tail is masked out, a
 * longer row's is left for later epochs.
 */
final class SpliceBatcher implements Batcher {
    private final List<int[]> sentences;
    private final int batch;
    private final int steps;
    private final long seed;
    private final long perEpoch;
    private long layoutEpoch = -1;
    private List<List<int[]>> layout;

    SpliceBatcher(List<int[]> sentences, int batch, int steps, long seed) {
        Sentences.checkEnough(sentences, batch);
        this.sentences = sentences;
        this.batch = batch;
        this.steps = steps;
        this.seed = seed;
        int shortest = Integer.MAX_VALUE;
        for (List<int[]> row : layout(0)) {
            shortest = Math.min(shortest, rowSteps(row));
        }
        this.perEpoch = Math.max(1, shortest / steps);
    }

    @Override
    public long batchesPerEpoch() {
        return perEpoch;
    }

    private static int rowSteps(List<int[]> row) {
        int n = 0;
        for (int[] s : row) {
            n += s.length - 1;
        }
        return n;
    }

    /** The sentences of each row for one epoch. */
    private List<List<int[]>> layout(long epoch) {
        if (epoch == layoutEpoch) {
            return layout;
        }
        List<int[]> order = new ArrayList<>(sentences);
        Collections.shuffle(order, new Random(seed * 1_000_003L + epoch));
        List<List<int[]>> rows = new ArrayList<>();
        int[] filled = new int[batch];
        for (int b = 0; b < batch; b++) {
            rows.add(new ArrayList<>());
        }
        for (int[] s : order) {
            int best = 0;
            for (int b = 1; b < batch; b++) {
                if (filled[b] < filled[best]) {
                    best = b;
                }
            }
            rows.get(best).add(s);
            filled[best] += s.length - 1;
        }
        layout = rows;
        layoutEpoch = epoch;
        return rows;
    }

    @Override
    public Batch batch(long index) {
        long epoch = index / perEpoch;
        int c = (int) (index % perEpoch);
        List<List<int[]>> rows = layout(epoch);
        int from = c * steps;
        Rows out = new Rows(steps, batch, true);
        for (int b = 0; b < batch; b++) {
            int pos = 0;
            for (int[] s : rows.get(b)) {
                int n = s.length - 1;
                for (int k = 0; k < n; k++) {
                    int t = pos + k - from;
                    if (t >= 0 && t < steps) {
                        out.set(t, b, s[k], s[k + 1]);
                        if (k == 0) {
                            out.reset(t, b);
                        }
                    }
                }
                pos += n;
                if (pos >= from + steps) {
                    break;
                }
            }
        }
        return out.build(c == 0);
    }
}
