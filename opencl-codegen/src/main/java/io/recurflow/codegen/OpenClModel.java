package io.recurflow.codegen;

import io.recurflow.interp.RunException;
import io.recurflow.interp.Tensor;
import io.recurflow.ir.DType;
import io.recurflow.ir.Node;
import io.recurflow.ir.Op;
import io.recurflow.ir.Operand;
import io.recurflow.runtime.cl.Loaded;
import io.recurflow.runtime.cl.RunResult;
import io.recurflow.runtime.cl.Session;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A compiled model loaded on a device with its weights: runs batches of the shape it was compiled
 * for and returns the graph's outputs as tensors. Owns its device buffers; close it when done.
 */
public final class OpenClModel implements AutoCloseable {
    private final CompiledModel model;
    private final Loaded loaded;

    private OpenClModel(CompiledModel model, Loaded loaded) {
        this.model = model;
        this.loaded = loaded;
    }

    /** Loads {@code model} into {@code session}, writing the parameters found in {@code feeds}. */
    public static OpenClModel load(Session session, CompiledModel model, Map<String, Tensor> feeds) {
        Map<String, Object> setup = new LinkedHashMap<>();
        for (Map.Entry<String, String> p : model.params().entrySet()) {
            Tensor t = feeds.get(p.getKey());
            if (t == null) {
                throw new RunException("missing parameter %" + p.getKey());
            }
            setup.put(p.getValue(), t.toFloats());
        }
        return new OpenClModel(model, session.load(model.program(), setup));
    }

    public CompiledModel model() {
        return model;
    }

    /** The device memory the model holds: planned (with shared temporaries), unshared and peak bytes. */
    public io.recurflow.runtime.program.MemoryReport memory() {
        return loaded.memoryReport();
    }

    /** Runs one batch; {@code lengths} may be null (every sequence full length). */
    public Map<String, Tensor> run(Map<String, Tensor> feeds, int[] lengths) {
        return run(feeds, lengths, false).outputs();
    }

    /** The outputs of one run, and its per-launch timings when {@code profile} is set. */
    public record Result(Map<String, Tensor> outputs, RunResult raw) {
    }

    public Result run(Map<String, Tensor> feeds, int[] lengths, boolean profile) {
        return run(feeds, lengths, Map.of(), profile);
    }

    /**
     * As {@link #run(Map, int[], boolean)}, with {@code extraHost}: host arrays the program writes or
     * reads besides the graph's feeds and outputs (a training program's hyper-parameters, say).
     */
    public Result run(Map<String, Tensor> feeds, int[] lengths, Map<String, Object> extraHost, boolean profile) {
        Map<String, Object> host = hostInputs(feeds, lengths);
        host.putAll(extraHost);
        RunResult r = loaded.run(host, profile);
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (String name : model.outputs()) {
            Node n = model.graph().node(name);
            int[] shape = n.shape().resolve(model.batch(), model.steps());
            if (n.isPerStep()) {
                int[] full = new int[shape.length + 1];
                full[0] = model.steps();
                System.arraycopy(shape, 0, full, 1, shape.length);
                shape = full;
            }
            out.put(name, Tensor.of(shape, r.outputs().get(name)));
        }
        return new Result(out, r);
    }

    private Map<String, Object> hostInputs(Map<String, Tensor> feeds, int[] lengths) {
        int[] lens = lengths;
        if (lens == null) {
            lens = new int[model.batch()];
            Arrays.fill(lens, model.steps());
        }
        if (lens.length != model.batch()) {
            throw new RunException("the model was compiled for a batch of " + model.batch() + ", got " + lens.length
                    + " lengths");
        }
        for (int len : lens) {
            if (len < 1 || len > model.steps()) {
                throw new RunException("length " + len + " is outside [1, " + model.steps() + "]");
            }
        }
        Map<String, Object> host = new LinkedHashMap<>();
        host.put(CompiledModel.LENGTHS, lens.clone());
        for (Map.Entry<String, String> f : model.feeds().entrySet()) {
            if (f.getKey().equals(CompiledModel.LENGTHS)) {
                continue;
            }
            Node n = model.graph().node(f.getKey());
            Tensor t = feeds.get(f.getKey());
            int[] expected = io.recurflow.interp.ReferenceInterpreter.feedShape(n, model.batch(), model.steps());
            if (t == null) {
                throw new RunException("missing input %" + n.name() + " " + n.dtype().textName()
                        + Arrays.toString(expected));
            }
            if (!Arrays.equals(t.shape(), expected)) {
                throw new RunException("input %" + n.name() + " has shape " + Arrays.toString(t.shape())
                        + ", the compiled model needs " + Arrays.toString(expected));
            }
            if (n.dtype() == DType.I32) {
                int[] ids = new int[t.size()];
                for (int i = 0; i < ids.length; i++) {
                    ids[i] = (int) t.data()[i];
                }
                checkIds(n, ids);
                host.put(f.getValue(), ids);
            } else {
                host.put(f.getValue(), t.toFloats());
            }
        }
        return host;
    }

    /** Ids out of range would read outside a table on the device: refuse them here, naming the node. */
    private void checkIds(Node input, int[] ids) {
        for (Node user : model.graph().nodes()) {
            for (int i = 0; i < user.operands().size(); i++) {
                Operand o = user.operand(i);
                int limit;
                if (o.source() != input.id()) {
                    continue;
                } else if (user.op() == Op.EMBEDDING && i == 0) {
                    limit = model.graph().node(user.operand(1).source()).shape().dim(0).size();
                } else if (user.op() == Op.CROSS_ENTROPY && i == 1) {
                    limit = model.graph().node(user.operand(0).source()).shape().features();
                } else {
                    continue;
                }
                for (int id : ids) {
                    if (id < 0 || id >= limit) {
                        throw new RunException("node %" + user.name() + " (" + user.op().textName() + ") got id " + id
                                + " from %" + input.name() + "; it must be in [0, " + limit + ")");
                    }
                }
            }
        }
    }

    /** A copy of the device buffer {@code buffer} (a parameter or output buffer), after all enqueued work. */
    public float[] readBuffer(String buffer) {
        return loaded.readBuffer(buffer);
    }

    /** Overwrites the device buffer {@code buffer} (a parameter or output buffer). */
    public void writeBuffer(String buffer, float[] data) {
        loaded.writeBuffer(buffer, data);
    }

    @Override
    public void close() {
        loaded.close();
    }
}
