package io.recurflow.samples.charlm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.recurflow.interp.Tensor;
import io.recurflow.train.OptimizerSpec;
import io.recurflow.train.ReferenceStepEngine;
import io.recurflow.train.StepEngine;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The batching strategies agree where they must, on the reference engine. */
class StrategiesTest {
    private static final OptimizerSpec SGD = OptimizerSpec.sgd(0, 0);

    private static Map<String, Tensor> withState(Batch b, CharLm.Config c, Map<String, Tensor> state) {
        Map<String, Tensor> f = new LinkedHashMap<>(b.feeds());
        f.putAll(state == null ? CharLm.zeroState(c, b.rows()) : state);
        return f;
    }

    @Test
    void tbpttWithChunksAsLongAsTheStreamsIsFullBackpropagation() {
        String text = TinyText.sentences(6, 1);
        Vocab v = Vocab.of(text);
        int[] ids = v.encode(text);
        CharLm.Config c = TinyText.model(v);
        int streamSteps = (ids.length - 1) / 2;
        Batch chunk = new Strategy(Strategy.Kind.TBPTT, streamSteps).batcher(ids, v, 2, 8, 0).batch(0);
        // the same two streams as whole sequences, from zero state without carried-state inputs
        Rows rows = new Rows(streamSteps, 2, false);
        for (int b = 0; b < 2; b++) {
            for (int t = 0; t < streamSteps; t++) {
                rows.set(t, b, ids[b * streamSteps + t], ids[b * streamSteps + t + 1]);
            }
        }
        Batch full = rows.build(true);
        try (ReferenceStepEngine tb = TinyText.engine(c, CharLm.Variant.CARRIED, SGD);
             ReferenceStepEngine bp = TinyText.engine(c, CharLm.Variant.SEQUENCES, SGD)) {
            double a = tb.step(withState(chunk, c, null), chunk.lengths(), 0.1).loss();
            double b = bp.step(full.feeds(), full.lengths(), 0.1).loss();
            assertEquals(b, a, 1e-9 * Math.abs(b));
            for (String p : bp.parameters().keySet()) {
                TinyText.assertClose(bp.parameters().get(p), tb.parameters().get(p), 1e-6, p);
            }
        }
    }

    @Test
    void tbpttChunksCarryTheStateExactly() {
        String text = TinyText.sentences(6, 2);
        Vocab v = Vocab.of(text);
        int[] ids = v.encode(text);
        CharLm.Config c = TinyText.model(v);
        int streamSteps = (ids.length - 1) / 2;
        Batcher whole = new Strategy(Strategy.Kind.TBPTT, streamSteps).batcher(ids, v, 2, 8, 0);
        Batcher chunks = new Strategy(Strategy.Kind.TBPTT, 5).batcher(ids, v, 2, 8, 0);
        assertTrue(chunks.batchesPerEpoch() > 3);
        try (ReferenceStepEngine e = TinyText.engine(c, CharLm.Variant.CARRIED, SGD)) {
            Batch w = whole.batch(0);
            double expected = e.evaluate(withState(w, c, null), w.lengths()).loss();
            double sum = 0;
            Map<String, Tensor> state = null;
            for (long i = 0; i < chunks.batchesPerEpoch(); i++) {
                Batch b = chunks.batch(i);
                assertEquals(i == 0, b.resetState());
                StepEngine.Result r = e.evaluate(withState(b, c, state), b.lengths());
                state = Map.of("h0", r.outputs().get("h_n"), "c0", r.outputs().get("c_n"));
                sum += r.loss();
            }
            assertEquals(expected, sum, 1e-9 * expected);
        }
    }

    /** Each spliced sentence, its loss masked to it alone, equals that sentence's loss padded on its own. */
    @Test
    void spliceWithResetsGivesPadsPerSentenceLosses() {
        String text = TinyText.sentences(10, 3);
        Vocab v = Vocab.of(text);
        CharLm.Config c = TinyText.model(v);
        int[] ids = v.encode(text);
        List<int[]> sentences = Sentences.split(ids, v, 1000);
        Batcher splice = new Strategy(Strategy.Kind.SPLICE, 0).batcher(ids, v, 2, 1000, 0);
        Batch b = splice.batch(0);
        double[] keep = b.feeds().get("keep").data();
        double[] mask = b.feeds().get("mask").data();
        double[] sid = b.feeds().get("ids").data();
        double[] tgt = b.feeds().get("targets").data();
        int checked = 0;
        try (ReferenceStepEngine sp = TinyText.engine(c, CharLm.Variant.SPLICED, SGD);
             ReferenceStepEngine pad = TinyText.engine(c, CharLm.Variant.SEQUENCES, SGD)) {
            Map<String, Tensor> feeds = withState(b, c, null);
            double total = sp.evaluate(feeds, b.lengths()).loss();
            double sumOfSentences = 0;
            Map<Integer, Integer> lengthsSeen = new HashMap<>();
            for (int row = 0; row < 2; row++) {
                int start = 0;
                for (int t = 1; t <= b.lengths()[row]; t++) {
                    boolean boundary = t == b.lengths()[row] || keep[t * 2 + row] == 0;
                    if (!boundary) {
                        continue;
                    }
                    // sentence [start, t) of this row: splice with only its mask, against pad of it alone
                    double[] only = new double[mask.length];
                    Rows alone = new Rows(t - start, 1, false);
                    for (int s = start; s < t; s++) {
                        only[s * 2 + row] = mask[s * 2 + row];
                        alone.set(s - start, 0, (int) sid[s * 2 + row], (int) tgt[s * 2 + row]);
                    }
                    Map<String, Tensor> f = new LinkedHashMap<>(feeds);
                    f.put("mask", new Tensor(b.feeds().get("mask").shape(), only));
                    double spliced = sp.evaluate(f, b.lengths()).loss();
                    Batch a = alone.build(true);
                    double padded = pad.evaluate(a.feeds(), a.lengths()).loss();
                    assertEquals(padded, spliced, 1e-9 * padded);
                    sumOfSentences += padded;
                    lengthsSeen.merge(t - start, 1, Integer::sum);
                    checked++;
                    start = t;
                }
            }
            assertEquals(total, sumOfSentences, 1e-9 * total);
            assertTrue(lengthsSeen.size() > 2, "sentences of unequal lengths: " + lengthsSeen);
        }
        assertEquals(sentences.size(), checked);
    }

    @Test
    void spliceCarriesStateAcrossChunksAndResetsAtSentences() {
        String text = TinyText.sentences(10, 4);
        Vocab v = Vocab.of(text);
        CharLm.Config c = TinyText.model(v);
        int[] ids = v.encode(text);
        Batcher one = new Strategy(Strategy.Kind.SPLICE, 0).batcher(ids, v, 2, 1000, 0);
        Batcher chunks = new Strategy(Strategy.Kind.SPLICE, 0).batcher(ids, v, 2, 5, 0);
        try (ReferenceStepEngine sp = TinyText.engine(c, CharLm.Variant.SPLICED, SGD)) {
            Batch all = one.batch(0);
            double expectedTokens = all.tokens();
            double sum = 0;
            long tokens = 0;
            Map<String, Tensor> state = null;
            for (long i = 0; i < chunks.batchesPerEpoch(); i++) {
                Batch b = chunks.batch(i);
                StepEngine.Result r = sp.evaluate(withState(b, c, state), b.lengths());
                state = Map.of("h0", r.outputs().get("h_n"), "c0", r.outputs().get("c_n"));
                sum += r.loss();
                tokens += b.tokens();
            }
            // the chunked epoch stops at the shortest row's last full chunk: compare the same tokens
            assertTrue(tokens <= expectedTokens && tokens > expectedTokens / 2, tokens + " of " + expectedTokens);
            double prefix = prefixLoss(sp, all, c, (int) (chunks.batchesPerEpoch() * 5));
            assertEquals(prefix, sum, 1e-9 * prefix);
        }
    }

    /** The loss of the first {@code steps} steps of every row of {@code b}. */
    private static double prefixLoss(StepEngine e, Batch b, CharLm.Config c, int steps) {
        double[] mask = b.feeds().get("mask").data().clone();
        for (int i = steps * b.rows(); i < mask.length; i++) {
            mask[i] = 0;
        }
        Map<String, Tensor> f = withState(b, c, null);
        f.put("mask", new Tensor(b.feeds().get("mask").shape(), mask));
        return e.evaluate(f, b.lengths()).loss();
    }

    @Test
    void bucketCoversThePadEpochWithLessPadding() {
        String text = TinyText.sentences(80, 5);
        Vocab v = Vocab.of(text);
        CharLm.Config c = TinyText.model(v);
        int[] ids = v.encode(text);
        Batcher pad = new Strategy(Strategy.Kind.PAD, 0).batcher(ids, v, 4, 8, 9);
        Batcher bucket = new Strategy(Strategy.Kind.BUCKET, 0).batcher(ids, v, 4, 8, 9);
        assertEquals(pad.batchesPerEpoch(), bucket.batchesPerEpoch());
        double padLoss = 0;
        double bucketLoss = 0;
        long padSlots = 0;
        long bucketSlots = 0;
        long padTokens = 0;
        long bucketTokens = 0;
        try (ReferenceStepEngine e = TinyText.engine(c, CharLm.Variant.SEQUENCES, SGD)) {
            for (long i = 0; i < pad.batchesPerEpoch(); i++) {
                Batch p = pad.batch(i);
                Batch k = bucket.batch(i);
                padLoss += e.evaluate(p.feeds(), p.lengths()).loss();
                bucketLoss += e.evaluate(k.feeds(), k.lengths()).loss();
                padSlots += p.slots();
                bucketSlots += k.slots();
                padTokens += p.tokens();
                bucketTokens += k.tokens();
            }
        }
        assertEquals(padTokens, bucketTokens);
        assertEquals(padLoss, bucketLoss, 1e-9 * padLoss);
        assertTrue(bucketSlots < padSlots, "bucket " + bucketSlots + " slots, pad " + padSlots);
    }

    @Test
    void epochsAreReshuffledAndBatchesAreReproducible() {
        String text = TinyText.sentences(40, 6);
        Vocab v = Vocab.of(text);
        int[] ids = v.encode(text);
        Batcher a = new Strategy(Strategy.Kind.PAD, 0).batcher(ids, v, 4, 8, 1);
        Batcher b = new Strategy(Strategy.Kind.PAD, 0).batcher(ids, v, 4, 8, 1);
        long n = a.batchesPerEpoch();
        assertEquals(List.of(a.batch(n + 1).feeds().get("ids").data().length),
                List.of(b.batch(n + 1).feeds().get("ids").data().length));
        assertTrue(java.util.Arrays.equals(a.batch(n + 1).feeds().get("ids").data(), b.batch(n + 1).feeds().get("ids").data()));
        List<String> first = new ArrayList<>();
        List<String> second = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            first.add(java.util.Arrays.toString(a.batch(i).feeds().get("ids").data()));
            second.add(java.util.Arrays.toString(a.batch(n + i).feeds().get("ids").data()));
        }
        assertNotEquals(first, second);
    }

    @Test
    void strategyTextIsParsedOrNamed() {
        assertEquals("tbptt:16", Strategy.parse("tbptt:16").toString());
        assertEquals(Strategy.Kind.SPLICE, Strategy.parse("splice").kind());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Strategy.parse("tbptt")).getMessage()
                .contains("tbptt:32"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Strategy.parse("stream")).getMessage()
                .contains("stream"));
    }
}
