package io.recurflow.cli;

import io.recurflow.ir.Graph;
import io.recurflow.samples.charlm.CharLm;
import io.recurflow.samples.charlm.Checkpoint;
import io.recurflow.samples.charlm.Corpus;
import io.recurflow.samples.charlm.TrainConfig;
import io.recurflow.samples.charlm.Trainer;
import io.recurflow.train.StepEngine;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code recurflow train}: trains a model; its one sub-command is the character-level language model. */
@Command(name = "train", description = "Train a model: `train char-lm` (see `train char-lm --help`).",
        subcommands = {TrainCommand.CharLmCommand.class})
final class TrainCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "missing model: train char-lm [options]");
    }

    /** {@code recurflow train char-lm}. */
    @Command(name = "char-lm", description = {"Train a character-level LSTM language model (embedding, stacked LSTM,",
        "linear decoder; PyTorch's parameter names) on a text, the last 10%% held out for validation.",
        "OUT receives latest.safetensors and best.safetensors (checkpoints), metrics.csv",
        "(step,loss,tokens_per_s,val_bpc), train.log and loss.svg. Ctrl-C saves a checkpoint first;",
        "--resume OUT continues the run."})
    static final class CharLmCommand implements Callable<Integer> {
        @Option(names = "--data", paramLabel = "FILE", description = "UTF-8 text to train on (default: the English corpus the project ships).")
        Path data;

        @Option(names = "--hidden", defaultValue = "256", description = "LSTM units per layer, also the embedding size (default 256).")
        int hidden;

        @Option(names = "--layers", defaultValue = "2", description = "Stacked LSTM layers (default 2).")
        int layers;

        @Option(names = "--batch", defaultValue = "32", paramLabel = "B", description = "Sequences per batch (default 32).")
        int batch;

        @Option(names = "--seq", defaultValue = "64", paramLabel = "T", description = "Longest batch in steps (default 64).")
        int seq;

        @Option(names = "--steps", paramLabel = "N", description = "Updates in all (default 3000; with --resume: the run's own).")
        Long steps;

        @Option(names = "--time-limit", paramLabel = "MIN", description = "Stop after this many minutes, checkpoint saved (default 10; 0: none; with --resume: the run's own).")
        Double timeLimit;

        @Option(names = "--strategy", defaultValue = "tbptt:64", paramLabel = "S",
                description = "Batching: pad, bucket, tbptt:K or splice (default tbptt:64).")
        String strategy;

        @Option(names = "--mode", defaultValue = "batched", description = "Engine: reference (plain Java), naive, batched, scheduled (OpenCL; default batched).")
        Engines.Kind mode;

        @Option(names = "--optimizer", defaultValue = "adam", description = "sgd or adam (default adam).")
        String optimizer;

        @Option(names = "--lr", defaultValue = "2e-3", description = "Learning rate (default 2e-3).")
        double lr;

        @Option(names = "--momentum", defaultValue = "0.9", description = "SGD momentum (default 0.9).")
        double momentum;

        @Option(names = "--clip", defaultValue = "5", description = "Clip gradients to this global L2 norm (default 5; 0: off).")
        double clip;

        @Option(names = "--schedule", defaultValue = "cosine:warmup=100,min=0.1",
                description = "Learning-rate schedule: constant[:warmup=N] or cosine[:warmup=N,min=F] (default cosine:warmup=100,min=0.1).")
        String schedule;

        @Option(names = "--eval-every", defaultValue = "100", paramLabel = "N", description = "Validate every N steps (default 100).")
        int evalEvery;

        @Option(names = "--checkpoint-every", defaultValue = "100", paramLabel = "N", description = "Save latest.safetensors every N steps (default 100).")
        int checkpointEvery;

        @Option(names = "--log-every", defaultValue = "10", paramLabel = "N", description = "A metrics row and log line every N steps (default 10).")
        int logEvery;

        @Option(names = "--seed", defaultValue = "0", description = "Seed of the initial weights and the batch order (default 0).")
        long seed;

        @Option(names = "--device", paramLabel = "D", description = "OpenCL device for the OpenCL modes (see `run --help`).")
        String device;

        @Option(names = "--out", paramLabel = "DIR", description = "Output folder (default: a new folder char-lm-<time> here).")
        Path out;

        @Option(names = "--resume", paramLabel = "DIR", description = "Continue the run in DIR from its latest checkpoint.")
        Path resume;

        @Override
        public Integer call() {
            Checkpoint from = null;
            TrainConfig config;
            Path dir;
            if (resume != null) {
                dir = resume;
                from = Checkpoint.read(resume.resolve(Trainer.LATEST));
                TrainConfig saved = from.config();
                config = saved.withBudget(steps != null ? steps : saved.steps(),
                        timeLimit != null ? timeLimit : saved.timeLimitMinutes());
            } else {
                dir = out != null ? out : Path.of("char-lm-" + LocalDateTime.now().format(
                        DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss", Locale.ROOT)));
                if (Files.exists(dir.resolve(Trainer.LATEST))) {
                    throw new UserException(dir + " already holds a run; continue it with --resume " + dir
                            + " or choose another --out");
                }
                config = new TrainConfig(data == null ? "" : data.toString(), hidden, layers, batch, seq,
                        steps != null ? steps : 3000, strategy, optimizer, lr, momentum, clip, schedule, evalEvery,
                        checkpointEvery, logEvery, seed, timeLimit != null ? timeLimit : 10);
            }
            String name = config.data().isEmpty() ? "the default corpus" : config.data();
            String text = config.data().isEmpty() ? Corpus.defaultText() : Corpus.readText(Path.of(config.data()));
            Corpus corpus = Corpus.of(name, text, from == null ? null : from.vocab());
            CharLm.Config model = new CharLm.Config(corpus.vocab().size(), config.hidden(), config.layers());
            Graph graph = CharLm.build(model, config.parsedStrategy().variant());
            Progressbar bar = new Progressbar(System.err, System.console() != null);
            AtomicBoolean stop = new AtomicBoolean();
            CountDownLatch done = new CountDownLatch(1);
            Thread hook = new Thread(() -> {
                stop.set(true);
                try {
                    done.await(120, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "recurflow-train-interrupt");
            Runtime.getRuntime().addShutdownHook(hook);
            try (StepEngine engine = TrainEngines.create(mode, graph, config.batch(), config.batchSteps(),
                    config.optimizerSpec(), CharLm.initialParameters(model, config.seed()), device)) {
                Trainer trainer = new Trainer(config, corpus, engine, dir, bar, from);
                Trainer.Outcome o = trainer.run(stop::get);
                bar.finish();
                System.out.printf(Locale.ROOT, "step %d, last loss %.4f, best val %.4f bits/char%s%nwrote %s%n", o.step(),
                        o.lastLoss(), o.bestValBpc(), o.interrupted() ? " (interrupted)" : "", dir);
                return 0;
            } finally {
                bar.finish();
                done.countDown();
                if (!stop.get()) {
                    try {
                        Runtime.getRuntime().removeShutdownHook(hook);
                    } catch (IllegalStateException e) {
                        // shutting down already: the hook is running and returns at once
                    }
                }
            }
        }
    }
}
