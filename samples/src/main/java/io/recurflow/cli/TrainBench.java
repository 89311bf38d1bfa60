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
 * {@code bench --train}: training modes × batching strategies side by side on the char-lm, training
 * steps timed with interleaved runs (each (mode, strategy) once per round) and medians; throughput
 * counts only the tokens whose prediction is trained, so padding costs time without adding tokens.
 * The padded fraction is over the timed batches' T × B slots.
 */
final class TrainBench {
    private TrainBench() {
    }

    /** One strategy's figures. */
    record Row(Engines.Kind mode, String strategy, double medianTokensPerS, double minTokensPerS, double maxTokensPerS,
               double paddedFraction, double[] tokensPerS) {
    }

    static List<Row> run(Corpus corpus, List<Strategy> strategies, List<Engines.Kind> modes, int hidden, int layers,
                         int batch, int seq, int warmup, int runs, long seed, String device) {
        CharLm.Config model = new CharLm.Config(corpus.vocab().size(), hidden, layers);
        List<Strategy> cases = new ArrayList<>();
        List<Engines.Kind> caseModes = new ArrayList<>();
        for (Engines.Kind m : modes) {
            for (Strategy s : strategies) {
                cases.add(s);
                caseModes.add(m);
            }
        }
        List<StepEngine> engines = new ArrayList<>();
        List<Batcher> batchers = new ArrayList<>();
        List<Map<String, Tensor>> carried = new ArrayList<>();
        double[][] tps = new double[cases.size()][runs];
        long[] tokens = new long[cases.size()];
        long[] slots = new long[cases.size()];
        try {
            for (int c = 0; c < cases.size(); c++) {
                Strategy s = cases.get(c);
                batchers.add(s.batcher(corpus.train(), corpus.vocab(), batch, seq, seed));
                engines.add(TrainEngines.create(caseModes.get(c), CharLm.build(model, s.variant()), batch, s.steps(seq),
                        OptimizerSpec.adam(5), CharLm.initialParameters(model, seed), device));
                carried.add(null);
            }
            for (int r = 0; r < warmup + runs; r++) {
                for (int i = 0; i < cases.size(); i++) {
                    Batch b = batchers.get(i).batch(r);
                    Map<String, Tensor> feeds = new LinkedHashMap<>(b.feeds());
                    boolean carries = cases.get(i).variant().carriesState();
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
        for (int i = 0; i < cases.size(); i++) {
            double[] sorted = tps[i].clone();
            Arrays.sort(sorted);
            rows.add(new Row(caseModes.get(i), cases.get(i).toString(), BenchCommand.median(sorted), sorted[0],
                    sorted[sorted.length - 1], 1 - (double) tokens[i] / slots[i], tps[i]));
        }
        return rows;
    }

    static void print(List<Row> rows, String corpusName, int hidden, int layers, int batch, int seq, int warmup,
                      int runs) {
        System.out.printf(Locale.ROOT, "bench --train char-lm on %s: hidden %d, layers %d, batch %d, seq %d,"
                + " %d warm-up + %d interleaved steps per mode and strategy%n", corpusName, hidden, layers, batch, seq,
                warmup, runs);
        System.out.printf(Locale.ROOT, "  %-10s %-10s %14s %12s %12s %8s %10s%n", "mode", "strategy", "median tok/s",
                "min tok/s", "max tok/s", "padded", "vs first");
        for (Row r : rows) {
            Row base = rows.stream().filter(x -> x.strategy().equals(r.strategy())).findFirst().orElse(r);
            System.out.printf(Locale.ROOT, "  %-10s %-10s %14.0f %12.0f %12.0f %7.1f%% %9.2fx%n", r.mode(), r.strategy(),
                    r.medianTokensPerS(), r.minTokensPerS(), r.maxTokensPerS(), 100 * r.paddedFraction(),
                    r.medianTokensPerS() / base.medianTokensPerS());
        }
    }
}
