package io.recurflow.samples.charlm;

import io.recurflow.interp.Tensor;
import io.recurflow.train.LrSchedule;
import io.recurflow.train.StepEngine;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * The char-lm training loop: batches from the strategy, one engine step each at the schedule's rate,
 * validation bits per character at intervals, {@code metrics.csv}, the log file {@code train.log},
 * checkpoints ({@code latest.safetensors}, and {@code best.safetensors} at the best validation), and
 * the loss curve {@code loss.svg} at the end. A non-finite loss or parameter stops the run at that
 * step; the last checkpoint, written while everything was finite, is kept.
 */
public final class Trainer {
    /** Validation reads at most this many batches of the validation split. */
    public static final int MAX_EVAL_BATCHES = 16;
    public static final String LATEST = "latest.safetensors";
    public static final String BEST = "best.safetensors";

    /** How a run ended. */
    public record Outcome(long step, double lastLoss, double bestValBpc, boolean interrupted, boolean timedOut) {
    }

    private final TrainConfig config;
    private final Corpus corpus;
    private final StepEngine engine;
    private final Path out;
    private final Progress progress;
    private final CharLm.Config model;
    private final Strategy strategy;
    private final Batcher train;
    private final Batcher validation;
    private final LrSchedule schedule;
    private final Metrics metrics;
    private Map<String, Tensor> carried;
    private double bestVal = Double.NaN;
    private long tokensSeen;
    private double secondsTrained;
    private long lastCheckpointStep = -1;

    /**
     * A run writing into {@code out}; with {@code resume} (a checkpoint of this run, already restored into
     * the engine by the caller or not: this constructor restores it) it continues from there.
     */
    public Trainer(TrainConfig config, Corpus corpus, StepEngine engine, Path out, Progress progress, Checkpoint resume) {
        this.config = config;
        this.corpus = corpus;
        this.engine = engine;
        this.out = out;
        this.progress = progress;
        this.model = new CharLm.Config(corpus.vocab().size(), config.hidden(), config.layers());
        this.strategy = config.parsedStrategy();
        this.train = strategy.batcher(corpus.train(), corpus.vocab(), config.batch(), config.seq(), config.seed());
        try {
            this.validation = strategy.batcher(corpus.validation(), corpus.vocab(), config.batch(), config.seq(),
                    config.seed());
        } catch (CharLmException e) {
            throw new CharLmException("the validation split (the last 10% of " + corpus.name() + ") is too small: "
                    + e.getMessage());
        }
        this.schedule = config.lrSchedule();
        try {
            Files.createDirectories(out);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + out + ": " + e.getMessage(), e);
        }
        if (resume != null) {
            engine.restore(resume.parameters(), resume.optimizerState(), resume.step());
            carried = resume.carried().isEmpty() ? null : Map.of("h0", resume.carried().get("h"),
                    "c0", resume.carried().get("c"));
            bestVal = Double.parseDouble(resume.progress().getOrDefault("best_val_bpc", "NaN"));
            tokensSeen = Long.parseLong(resume.progress().getOrDefault("tokens", "0"));
            secondsTrained = Double.parseDouble(resume.progress().getOrDefault("seconds", "0"));
            lastCheckpointStep = resume.step();
        }
        this.metrics = Metrics.open(out.resolve("metrics.csv"), resume == null ? -1 : resume.step());
    }

    /** Runs until the step budget, the time limit or {@code stop} says so. */
    public Outcome run(BooleanSupplier stop) {
        long step = engine.steps();
        log(String.format(Locale.ROOT, "%s step %d of %d: %s, vocab %d, hidden %d, layers %d, batch %d, seq %d,"
                        + " strategy %s, %s lr %s (%s)", step == 0 ? "training from" : "resuming at", step,
                config.steps(), corpus.name(), model.vocab(), model.hidden(), model.layers(), config.batch(),
                config.seq(), strategy, config.optimizer(), config.lr(), schedule.text()));
        if (lastCheckpointStep < 0) {
            saveLatest(step);
        }
        long start = System.nanoTime();
        long firstStep = step;
        double secondsAtStart = secondsTrained;
        long windowTokens = 0;
        long windowNanos = 0;
        double lastLoss = Double.NaN;
        boolean interrupted = false;
        boolean timedOut = false;
        while (step < config.steps()) {
            if (stop.getAsBoolean()) {
                interrupted = true;
                break;
            }
            double elapsed = (System.nanoTime() - start) / 1e9;
            if (config.timeLimitMinutes() > 0 && elapsed >= config.timeLimitMinutes() * 60) {
                timedOut = true;
                break;
            }
            Batch b = train.batch(step);
            long t0 = System.nanoTime();
            StepEngine.Result r = engine.step(feeds(b), b.lengths(), schedule.lr(step));
            long dt = System.nanoTime() - t0;
            step++;
            lastLoss = r.loss() / Math.max(1, b.tokens());
            if (!Double.isFinite(r.loss())) {
                throw diverged(step, "the loss is " + r.loss());
            }
            carry(r);
            tokensSeen += b.tokens();
            windowTokens += b.tokens();
            windowNanos += dt;
            secondsTrained = secondsAtStart + (System.nanoTime() - start) / 1e9;
            double tps = windowTokens / Math.max(1e-9, windowNanos / 1e9);
            progress.bar(step, config.steps(), tps, lastLoss, secondsLeft(start, firstStep, step));
            boolean eval = step % config.evalEvery() == 0 || step == config.steps();
            if (step % config.logEvery() == 0 || eval) {
                double val = eval ? validate() : Double.NaN;
                metrics.append(new Metrics.Row(step, lastLoss, tps, val));
                log(String.format(Locale.ROOT, "step %d/%d  loss %.4f  %.0f tokens/s  lr %.3g  %s left%s", step,
                        config.steps(), lastLoss, tps, schedule.lr(step - 1), clock(secondsLeft(start, firstStep, step)),
                        eval ? String.format(Locale.ROOT, "  val %.4f bits/char", val) : ""));
                windowTokens = 0;
                windowNanos = 0;
                if (eval && (Double.isNaN(bestVal) || val < bestVal)) {
                    bestVal = val;
                    save(out.resolve(BEST), step);
                }
            }
            if (step % config.checkpointEvery() == 0) {
                saveLatest(step);
            }
        }
        saveLatest(step);
        if (interrupted) {
            log("interrupted at step " + step + "; checkpoint " + out.resolve(LATEST) + " saved; continue with --resume "
                    + out);
        } else if (timedOut) {
            log("time limit of " + config.timeLimitMinutes() + " min reached at step " + step + "; checkpoint saved");
        }
        writeCurve();
        return new Outcome(step, lastLoss, bestVal, interrupted, timedOut);
    }

    private double secondsLeft(long start, long firstStep, long step) {
        long done = step - firstStep;
        if (done <= 0) {
            return Double.NaN;
        }
        double elapsed = (System.nanoTime() - start) / 1e9;
        double left = elapsed / done * (config.steps() - step);
        if (config.timeLimitMinutes() > 0) {
            left = Math.min(left, config.timeLimitMinutes() * 60 - elapsed);
        }
        return Math.max(0, left);
    }

    /** Seconds as mm:ss or h:mm:ss ("--:--" when unknown). */
    public static String clock(double seconds) {
        if (!Double.isFinite(seconds)) {
            return "--:--";
        }
        long s = Math.round(seconds);
        return s >= 3600 ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
                : String.format(Locale.ROOT, "%02d:%02d", s / 60, s % 60);
    }

    /** The batch's feeds with the carried state, when the variant has one. */
    private Map<String, Tensor> feeds(Batch b) {
        if (!strategy.variant().carriesState()) {
            return b.feeds();
        }
        Map<String, Tensor> f = new LinkedHashMap<>(b.feeds());
        f.putAll(b.resetState() || carried == null ? CharLm.zeroState(model, config.batch()) : carried);
        return f;
    }

    private void carry(StepEngine.Result r) {
        if (strategy.variant().carriesState()) {
            carried = Map.of("h0", r.outputs().get("h_n"), "c0", r.outputs().get("c_n"));
        }
    }

    /** Bits per character over the first batches of the validation split, state carried as in training. */
    public double validate() {
        Map<String, Tensor> saved = carried;
        carried = null;
        double loss = 0;
        long tokens = 0;
        long n = Math.min(MAX_EVAL_BATCHES, validation.batchesPerEpoch());
        for (long i = 0; i < n; i++) {
            Batch b = validation.batch(i);
            StepEngine.Result r = engine.evaluate(feeds(b), b.lengths());
            carry(r);
            loss += r.loss();
            tokens += b.tokens();
        }
        carried = saved;
        return loss / Math.max(1, tokens) / Math.log(2);
    }

    private CharLmException diverged(long step, String what) {
        return new CharLmException("training diverged at step " + step + ": " + what + "; the last finite checkpoint "
                + out.resolve(LATEST) + " (step " + lastCheckpointStep + ") is kept");
    }

    private void saveLatest(long step) {
        if (step != lastCheckpointStep) {
            save(out.resolve(LATEST), step);
            lastCheckpointStep = step;
        }
    }

    private void save(Path file, long step) {
        Map<String, Tensor> params = engine.parameters();
        for (Map.Entry<String, Tensor> e : params.entrySet()) {
            for (double v : e.getValue().data()) {
                if (!Double.isFinite(v)) {
                    throw diverged(step, "parameter " + e.getKey() + " holds " + v);
                }
            }
        }
        Map<String, Tensor> state = new LinkedHashMap<>();
        if (carried != null) {
            state.put("h", carried.get("h0"));
            state.put("c", carried.get("c0"));
        }
        Map<String, String> prog = new LinkedHashMap<>();
        prog.put("best_val_bpc", Double.toString(bestVal));
        prog.put("tokens", Long.toString(tokensSeen));
        prog.put("seconds", String.format(Locale.ROOT, "%.3f", secondsTrained));
        new Checkpoint(config, corpus.vocab(), step, params, engine.optimizerState(), state, prog).write(file);
    }

    private void writeCurve() {
        try {
            Files.writeString(out.resolve("loss.svg"), LossCurve.svg(metrics.rows(), "char-lm on " + corpus.name()),
                    StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + out.resolve("loss.svg") + ": " + e.getMessage(), e);
        }
    }

    private void log(String line) {
        progress.line(line);
        try {
            Files.writeString(out.resolve("train.log"), line + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + out.resolve("train.log") + ": " + e.getMessage(), e);
        }
    }
}
