package io.recurflow.cli;

import io.recurflow.interp.ReferenceInterpreter;
import io.recurflow.interp.Tensor;
import io.recurflow.samples.charlm.CharLm;
import io.recurflow.samples.charlm.Checkpoint;
import io.recurflow.samples.charlm.Vocab;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code recurflow generate}: samples text from a char-lm checkpoint, one character at a time. */
@Command(name = "generate", description = {"Sample text from a char-lm checkpoint: the prime is read in one run,",
    "then each character is drawn from softmax(logits / temperature) and fed back, the LSTM state carried."})
final class GenerateCommand implements Callable<Integer> {
    @Option(names = "--checkpoint", required = true, paramLabel = "F", description = "A checkpoint written by `train char-lm` (or its folder: best.safetensors, else latest).")
    Path checkpoint;

    @Option(names = "--length", defaultValue = "200", paramLabel = "N", description = "Characters to generate (default 200).")
    int length;

    @Option(names = "--temperature", defaultValue = "0.8", paramLabel = "T", description = "Sampling temperature, > 0 (default 0.8; lower: more conservative).")
    double temperature;

    @Option(names = "--prime", paramLabel = "TEXT", description = "Text to start from (default: a line break, or the first character of the vocabulary).")
    String prime;

    @Option(names = "--seed", defaultValue = "0", description = "Seed of the sampling (default 0).")
    long seed;

    @Override
    public Integer call() {
        if (length < 0 || !(temperature > 0)) {
            throw new UserException("--length must be >= 0 and --temperature > 0");
        }
        Checkpoint ck = Checkpoint.read(resolve(checkpoint));
        Vocab vocab = ck.vocab();
        CharLm.Config model = ck.modelConfig();
        String start = prime != null ? prime : vocab.id('\n') >= 0 ? "\n" : vocab.decode(0);
        if (start.isEmpty()) {
            throw new UserException("--prime is empty; give at least one character");
        }
        int[] ids = vocab.encode(start);
        ReferenceInterpreter interp = new ReferenceInterpreter(CharLm.build(model, CharLm.Variant.SAMPLER));
        Map<String, Tensor> state = CharLm.zeroState(model, 1);
        Random random = new Random(seed);
        StringBuilder text = new StringBuilder(start);
        for (int i = 0; i < length; i++) {
            Map<String, Tensor> feeds = new LinkedHashMap<>(ck.parameters());
            feeds.putAll(state);
            double[] d = new double[ids.length];
            for (int t = 0; t < ids.length; t++) {
                d[t] = ids[t];
            }
            feeds.put("ids", new Tensor(new int[] {ids.length, 1}, d));
            Map<String, Tensor> out = interp.run(feeds);
            state = Map.of("h0", out.get("h_n"), "c0", out.get("c_n"));
            int next = sample(out.get("logits").data(), (ids.length - 1) * model.vocab(), model.vocab(), random);
            text.append(vocab.decode(next));
            ids = new int[] {next};
        }
        System.out.println(text);
        return 0;
    }

    private static Path resolve(Path p) {
        if (java.nio.file.Files.isDirectory(p)) {
            Path best = p.resolve(io.recurflow.samples.charlm.Trainer.BEST);
            return java.nio.file.Files.exists(best) ? best : p.resolve(io.recurflow.samples.charlm.Trainer.LATEST);
        }
        return p;
    }

    private int sample(double[] logits, int offset, int vocab, Random random) {
        double max = Double.NEGATIVE_INFINITY;
        for (int k = 0; k < vocab; k++) {
            max = Math.max(max, logits[offset + k] / temperature);
        }
        double[] p = new double[vocab];
        double sum = 0;
        for (int k = 0; k < vocab; k++) {
            p[k] = Math.exp(logits[offset + k] / temperature - max);
            sum += p[k];
        }
        double u = random.nextDouble() * sum;
        for (int k = 0; k < vocab; k++) {
            u -= p[k];
            if (u <= 0) {
                return k;
            }
        }
        return vocab - 1;
    }
}
