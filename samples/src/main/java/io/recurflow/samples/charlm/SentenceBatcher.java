package io.recurflow.samples.charlm;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Random;

/**
 * pad and bucket: B sentences per batch, each from zero state, padded to the batch's longest. Each
 * epoch shuffles the sentences (seeded by seed and epoch); bucket then sorts each pool of
 * {@link #POOL} batches' worth of sentences by length, cuts it into batches and shuffles the batches,
 * so a batch holds sentences of similar length and little padding. Sentences that do not fill a last
 * batch wait for the next epoch's order.
 */
final class SentenceBatcher implements Batcher {
    static final int POOL = 32;

    private final List<int[]> sentences;
    private final int batch;
    private final long seed;
    private final boolean bucket;
    private final long perEpoch;
    private long planEpoch = -1;
    private List<int[]> plan;

    SentenceBatcher(List<int[]> sentences, int batch, long seed, boolean bucket) {
        Sentences.checkEnough(sentences, batch);
        this.sentences = sentences;
        this.batch = batch;
        this.seed = seed;
        this.bucket = bucket;
        this.perEpoch = sentences.size() / batch;
    }

    @Override
    public long batchesPerEpoch() {
        return perEpoch;
    }

    @Override
    public Batch batch(long index) {
        long epoch = index / perEpoch;
        if (epoch != planEpoch) {
            plan = plan(epoch);
            planEpoch = epoch;
        }
        int[] members = plan.get((int) (index % perEpoch));
        int steps = 1;
        for (int s : members) {
            steps = Math.max(steps, sentences.get(s).length - 1);
        }
        Rows rows = new Rows(steps, batch, false);
        for (int b = 0; b < batch; b++) {
            int[] s = sentences.get(members[b]);
            for (int t = 0; t + 1 < s.length; t++) {
                rows.set(t, b, s[t], s[t + 1]);
            }
        }
        return rows.build(true);
    }

    /** The batches of one epoch, as sentence indices. */
    private List<int[]> plan(long epoch) {
        Random random = new Random(seed * 1_000_003L + epoch);
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < sentences.size(); i++) {
            order.add(i);
        }
        Collections.shuffle(order, random);
        order = new ArrayList<>(order.subList(0, (int) perEpoch * batch));
        if (bucket) {
            int pool = POOL * batch;
            for (int from = 0; from < order.size(); from += pool) {
                order.subList(from, Math.min(order.size(), from + pool))
                        .sort(Comparator.comparingInt(i -> sentences.get(i).length));
            }
        }
        List<int[]> batches = new ArrayList<>();
        for (int from = 0; from < order.size(); from += batch) {
            batches.add(order.subList(from, from + batch).stream().mapToInt(Integer::intValue).toArray());
        }
        if (bucket) {
            Collections.shuffle(batches, random);
        }
        return batches;
    }
}
