package io.recurflow.samples.charlm;

import io.recurflow.interp.Tensor;
import io.recurflow.ir.Graph;
import io.recurflow.ir.Node;
import io.recurflow.ir.Op;
import io.recurflow.runtime.safetensors.HostTensor;
import io.recurflow.runtime.safetensors.SafeTensors;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A char-lm checkpoint as safetensors: the parameters under PyTorch's names (so the file loads into
 * torch.nn.LSTM, nn.Embedding and nn.Linear), the optimizer state ({@code <param>.m}, {@code .v},
 * {@code .momentum}), the carried recurrent state of tbptt/splice ({@code state.h}, {@code state.c}),
 * all f32; and in {@code __metadata__} the format, the step count, the vocabulary (its characters in
 * id order), the training settings ({@link TrainConfig}) and the run's progress (best validation bpc,
 * tokens seen, seconds trained). The data position is the step count: batch i is a function of i.
 * Files are written to a temporary file and renamed, so a crash never leaves a half-written one.
 */
public record Checkpoint(TrainConfig config, Vocab vocab, long step, Map<String, Tensor> parameters,
                         Map<String, Tensor> optimizerState, Map<String, Tensor> carried, Map<String, String> progress) {
    public static final String FORMAT = "recurflow-char-lm/1";
    private static final String STATE_PREFIX = "state.";

    /** The model's sizes. */
    public CharLm.Config modelConfig() {
        return new CharLm.Config(vocab.size(), config.hidden(), config.layers());
    }

    /** Writes the checkpoint atomically (temporary file, then rename). */
    public void write(Path file) {
        List<HostTensor> tensors = new ArrayList<>();
        add(tensors, "", parameters);
        add(tensors, "", optimizerState);
        add(tensors, STATE_PREFIX, carried);
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", FORMAT);
        meta.put("step", Long.toString(step));
        meta.put("vocab", vocab.text());
        meta.putAll(config.toMetadata());
        for (Map.Entry<String, String> e : progress.entrySet()) {
            meta.put("progress." + e.getKey(), e.getValue());
        }
        SafeTensors.write(file, tensors, meta);
    }

    private static void add(List<HostTensor> out, String prefix, Map<String, Tensor> tensors) {
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            long[] shape = Arrays.stream(e.getValue().shape()).asLongStream().toArray();
            out.add(HostTensor.f32(prefix + e.getKey(), e.getValue().toFloats(), shape));
        }
    }

    /**
     * Reads a checkpoint and checks its tensors against the model its metadata describes: the first
     * missing, extra or misshapen tensor is a CharLmException naming it.
     */
    public static Checkpoint read(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new CharLmException("checkpoint " + file + " does not exist");
        }
        SafeTensors st = SafeTensors.read(file);
        Map<String, String> meta = st.metadata();
        if (!FORMAT.equals(meta.get("format"))) {
            throw new CharLmException("checkpoint " + file + " is not a char-lm checkpoint (metadata format is "
                    + (meta.get("format") == null ? "missing" : "'" + meta.get("format") + "'") + ", expected '" + FORMAT
                    + "')");
        }
        TrainConfig config = TrainConfig.fromMetadata(meta, file.toString());
        Vocab vocab;
        long step;
        try {
            vocab = Vocab.fromText(meta.getOrDefault("vocab", ""));
            step = Long.parseLong(meta.getOrDefault("step", "x"));
        } catch (IllegalArgumentException e) {
            throw new CharLmException("checkpoint " + file + " has a bad vocabulary or step count in its metadata");
        }
        CharLm.Config model;
        try {
            model = new CharLm.Config(vocab.size(), config.hidden(), config.layers());
        } catch (IllegalArgumentException e) {
            throw new CharLmException("checkpoint " + file + ": " + e.getMessage());
        }
        Map<String, Tensor> params = new LinkedHashMap<>();
        Map<String, Tensor> opt = new LinkedHashMap<>();
        Map<String, Tensor> carried = new LinkedHashMap<>();
        Map<String, int[]> paramShapes = parameterShapes(model);
        Map<String, int[]> expected = expectedShapes(paramShapes, model, config);
        for (Map.Entry<String, HostTensor> e : st.tensors().entrySet()) {
            String name = e.getKey();
            int[] want = expected.get(name);
            if (want == null) {
                throw new CharLmException("checkpoint " + file + ": tensor " + name + " does not belong to the model ("
                        + model.layers() + " layers, hidden " + model.hidden() + ", " + config.optimizer() + ")");
            }
            int[] shape = e.getValue().intShape();
            if (!Arrays.equals(want, shape)) {
                throw new CharLmException("checkpoint " + file + ": tensor " + name + " has shape "
                        + Arrays.toString(shape) + ", the model needs " + Arrays.toString(want));
            }
            Tensor t = Tensor.of(shape, e.getValue().toFloatArray());
            if (name.startsWith(STATE_PREFIX)) {
                carried.put(name.substring(STATE_PREFIX.length()), t);
            } else if (paramShapes.containsKey(name)) {
                params.put(name, t);
            } else {
                opt.put(name, t);
            }
        }
        for (String name : expected.keySet()) {
            if (paramShapes.containsKey(name) && !params.containsKey(name)) {
                throw new CharLmException("checkpoint " + file + " has no tensor " + name + ", which the model needs");
            }
        }
        Map<String, String> progress = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : meta.entrySet()) {
            if (e.getKey().startsWith("progress.")) {
                progress.put(e.getKey().substring("progress.".length()), e.getValue());
            }
        }
        return new Checkpoint(config, vocab, step, params, opt, carried, progress);
    }

    /** The model's parameters and their shapes, in graph order. */
    public static Map<String, int[]> parameterShapes(CharLm.Config model) {
        Graph g = CharLm.build(model, CharLm.Variant.SEQUENCES);
        Map<String, int[]> m = new LinkedHashMap<>();
        for (Node p : g.nodesOf(Op.PARAM)) {
            m.put(p.name(), p.shape().resolve(1, 1));
        }
        return m;
    }

    /** Every tensor a checkpoint of this run may hold, with its shape. */
    private static Map<String, int[]> expectedShapes(Map<String, int[]> params, CharLm.Config model,
                                                     TrainConfig config) {
        Map<String, int[]> m = new LinkedHashMap<>(params);
        for (String suffix : config.optimizerSpec().stateSuffixes()) {
            for (Map.Entry<String, int[]> e : params.entrySet()) {
                m.put(e.getKey() + suffix, e.getValue());
            }
        }
        m.put(STATE_PREFIX + "h", model.stateShape(config.batch()));
        m.put(STATE_PREFIX + "c", model.stateShape(config.batch()));
        return m;
    }
}
