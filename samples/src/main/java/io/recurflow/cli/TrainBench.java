package io.recurflow.cli;

import io.recurflow.interp.Tensor;
import io.recurflow.samples.charlm.Batch;
import io.recurflow.samples.charlm.Batcher;
import io.recurflow.samples.charlm.CharLm;
import io.recurflow.samples.charlm.Corpus;
import io.recurflow.samples.charlm.Strategy;
import io.recurflow.train.OptimizerSpec;
import io.recurflow.train.StepEngine;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code bench --train}: the batching strategies side by side on the char-lm, training steps timed with
 * interleaved runs (strategy A, B, …, A, B, …) and medians; throughput counts only the tokens whose
 * prediction is trained, so padding costs time without adding tokens. The padded fraction is over the
 * timed batches' T × B slots.
 */
final class TrainBench {
    private TrainBench() {
    }

    /** One strategy's figures. */
    record Row(String strategy, double medianTokensPerS, double minTokensPerS, double maxTokensPerS,
               double paddedFraction, double[] tokensPerS) {
    }

    static List<Row> run(Corpus corpus, List<Strategy> strategies, Engines.Kind mode, int hidden, int layers,
                         int batch, int seq, int warmup, int runs, long seed, String device) {
        CharLm.Config model = new CharLm.Config(corpus.vocab().size(), hidden, layers);
        List<StepEngine> engines = new ArrayList<>();
        List<Batcher> batchers = new ArrayList<>();
        List<Map<String, Tensor>> carried = new ArrayList<>();
        double[][] tps = new double[strategies.size()][runs];
        long[] tokens = new long[strategies.size()];
        long[] slots = new long[strategies.size()];
        try {
            for (Strategy s : strategies) {
                batchers.add(s.batcher(corpus.train(), corpus.vocab(), batch, seq, seed));
                engines.add(TrainEngines.create(mode, CharLm.build(model, s.variant()), batch, s.steps(seq),
                        OptimizerSpec.adam(5), CharLm.initialParameters(model, seed), device));
                carried.add(null);
            }
            for (int r = 0; r < warmup + runs; r++) {
                for (int i = 0; i < strategies.size(); i++) {
                    Batch b = batchers.get(i).batch(r);
                    Map<String, Tensor> feeds = new LinkedHashMap<>(b.feeds());
                    boolean carries = strategies.get(i).variant().carriesState();
                    if (carries) {
                        feeds.putAll(b.resetState() || carried.get(i) == null ? CharLm.zeroState(model, batch)
                                : carried.get(i));
                    }
                    long start = System.nanoTime();
                    StepEngine.Result res = engines.get(i).step(feeds, b.lengths(), 1e-3);
                    double s = (System.nanoTime() - start) / 1e9;
                    if (carries) {
                        carried.set(i, Map.of("h0", res.outputs().get("h_n"), "c0", res.outputs().get("c_n")));
                    }
                    if (r >= warmup) {
                        tps[i][r - warmup] = b.tokens() / s;
                        tokens[i] += b.tokens();
                        slots[i] += b.slots();
                    }
                }
            }
        } finally {
            for (StepEngine e : engines) {
                e.close();
            }
        }
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < strategies.size(); i++) {
            double[] sorted = tps[i].clone();
            Arrays.sort(sorted);
            rows.add(new Row(strategies.get(i).toString(), BenchCommand.median(sorted), sorted[0],
                    sorted[sorted.length - 1], 1 - (double) tokens[i] / slots[i], tps[i]));
        }
        return rows;
    }

    static void print(List<Row> rows, String corpusName, Engines.Kind mode, int hidden, int layers, int batch, int seq,
                      int warmup, int runs) {
        System.out.printf(Locale.ROOT, "bench --train char-lm on %s: mode %s, hidden %d, layers %d, batch %d, seq %d,"
                + " %d warm-up + %d interleaved steps per strategy%n", corpusName, mode, hidden, layers, batch, seq,
                warmup, runs);
        System.out.printf(Locale.ROOT, "  %-10s %14s %12s %12s %8s%n", "strategy", "median tok/s", "min tok/s",
                "max tok/s", "padded");
        for (Row r : rows) {
            System.out.printf(Locale.ROOT, "  %-10s %14.0f %12.0f %12.0f %7.1f%%%n", r.strategy(), r.medianTokensPerS(),
                    r.minTokensPerS(), r.maxTokensPerS(), 100 * r.paddedFraction());
        }
    }
}
