package io.recurflow.samples.charlm;

import io.recurflow.train.LrSchedule;
import io.recurflow.train.OptimizerSpec;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Everything that defines a char-lm training run, stored in every checkpoint's metadata so that a
 * resumed run continues with the same settings. {@code data} is a file path, or empty for the default
 * corpus; {@code timeLimitMinutes} 0 means none.
 */
public record TrainConfig(String data, int hidden, int layers, int batch, int seq, long steps, String strategy,
                          String optimizer, double lr, double momentum, double clip, String schedule, int evalEvery,
                          int checkpointEvery, int logEvery, long seed, double timeLimitMinutes) {

    public TrainConfig {
        if (hidden < 1 || layers < 1 || batch < 1 || seq < 1 || steps < 1 || evalEvery < 1 || checkpointEvery < 1
                || logEvery < 1) {
            throw new CharLmException("--hidden, --layers, --batch, --seq, --steps, --eval-every, --checkpoint-every"
                    + " and --log-every must be at least 1");
        }
        if (!(lr > 0) || !(timeLimitMinutes >= 0)) {
            throw new CharLmException("--lr must be > 0 and --time-limit >= 0, got " + lr + " and " + timeLimitMinutes);
        }
        parsedStrategy(strategy);
        optimizerSpec(optimizer, momentum, clip);
        schedule(schedule, lr, steps);
    }

    private static Strategy parsedStrategy(String text) {
        return userError(() -> Strategy.parse(text));
    }

    /** {@code parse}'s value; its IllegalArgumentException (a bad setting) as a CharLmException. */
    private static <T> T userError(java.util.function.Supplier<T> parse) {
        try {
            return parse.get();
        } catch (IllegalArgumentException e) {
            throw new CharLmException(e.getMessage());
        }
    }

    public Strategy parsedStrategy() {
        return parsedStrategy(strategy);
    }

    private static OptimizerSpec optimizerSpec(String name, double momentum, double clip) {
        return userError(() -> switch (name.toLowerCase(Locale.ROOT)) {
            case "sgd" -> OptimizerSpec.sgd(momentum, clip);
            case "adam" -> OptimizerSpec.adam(clip);
            default -> throw new CharLmException("unknown optimizer '" + name + "' (sgd, adam)");
        });
    }

    public OptimizerSpec optimizerSpec() {
        return optimizerSpec(optimizer, momentum, clip);
    }

    private static LrSchedule schedule(String text, double lr, long steps) {
        return userError(() -> LrSchedule.parse(text, lr, steps));
    }

    public LrSchedule lrSchedule() {
        return schedule(schedule, lr, steps);
    }

    /** The longest batch in steps (K for tbptt:K). */
    public int batchSteps() {
        return parsedStrategy().steps(seq);
    }

    /** This run with another step budget and time limit (a resumed run may extend them). */
    public TrainConfig withBudget(long newSteps, double newTimeLimit) {
        return new TrainConfig(data, hidden, layers, batch, seq, newSteps, strategy, optimizer, lr, momentum, clip,
                schedule, evalEvery, checkpointEvery, logEvery, seed, newTimeLimit);
    }

    /** As checkpoint metadata entries. */
    public Map<String, String> toMetadata() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("data", data);
        m.put("hidden", Integer.toString(hidden));
        m.put("layers", Integer.toString(layers));
        m.put("batch", Integer.toString(batch));
        m.put("seq", Integer.toString(seq));
        m.put("steps", Long.toString(steps));
        m.put("strategy", strategy);
        m.put("optimizer", optimizer);
        m.put("lr", Double.toString(lr));
        m.put("momentum", Double.toString(momentum));
        m.put("clip", Double.toString(clip));
        m.put("schedule", schedule);
        m.put("eval_every", Integer.toString(evalEvery));
        m.put("checkpoint_every", Integer.toString(checkpointEvery));
        m.put("log_every", Integer.toString(logEvery));
        m.put("seed", Long.toString(seed));
        m.put("time_limit_min", Double.toString(timeLimitMinutes));
        return m;
    }

    /** Reads {@link #toMetadata}'s entries; {@code source} names the checkpoint in errors. */
    public static TrainConfig fromMetadata(Map<String, String> m, String source) {
        try {
            return new TrainConfig(get(m, "data", source), Integer.parseInt(get(m, "hidden", source)),
                    Integer.parseInt(get(m, "layers", source)), Integer.parseInt(get(m, "batch", source)),
                    Integer.parseInt(get(m, "seq", source)), Long.parseLong(get(m, "steps", source)),
                    get(m, "strategy", source), get(m, "optimizer", source), Double.parseDouble(get(m, "lr", source)),
                    Double.parseDouble(get(m, "momentum", source)), Double.parseDouble(get(m, "clip", source)),
                    get(m, "schedule", source), Integer.parseInt(get(m, "eval_every", source)),
                    Integer.parseInt(get(m, "checkpoint_every", source)), Integer.parseInt(get(m, "log_every", source)),
                    Long.parseLong(get(m, "seed", source)), Double.parseDouble(get(m, "time_limit_min", source)));
        } catch (NumberFormatException e) {
            throw new CharLmException("checkpoint " + source + ": a training setting is not a number (" + e.getMessage()
                    + ")");
        }
    }

    private static String get(Map<String, String> m, String key, String source) {
        String v = m.get(key);
        if (v == null) {
            throw new CharLmException("checkpoint " + source + " has no training setting '" + key
                    + "' in its metadata: it was not written by `recurflow train`");
        }
        return v;
    }
}
