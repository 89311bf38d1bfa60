package io.recurflow.codegen.train;

import io.recurflow.codegen.CompiledModel;
import io.recurflow.codegen.Lowering;
import io.recurflow.codegen.Mode;
import io.recurflow.codegen.OpenClModel;
import io.recurflow.interp.RunException;
import io.recurflow.interp.Tensor;
import io.recurflow.ir.Graph;
import io.recurflow.ir.Node;
import io.recurflow.ir.Op;
import io.recurflow.passes.Autodiff;
import io.recurflow.runtime.cl.Session;
import io.recurflow.train.OptimizerSpec;
import io.recurflow.train.StepEngine;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Trains on an OpenCL device: the gradient graph lowered in one of the modes ({@code naive},
 * {@code batched}, {@code scheduled}) with the optimizer update appended as kernels
 * ({@link TrainingProgram}), so that a step moves only the batch in and the loss out. Parameters and
 * optimizer state live in device buffers; {@link #parameters()} and {@link #optimizerState()} read
 * them back. {@link #evaluate} runs the forward graph, lowered separately in the same mode, loaded
 * with the current parameters when they changed since its last use.
 */
public final class OpenClStepEngine implements StepEngine {
    private final Graph forward;
    private final Mode mode;
    private final Session session;
    private final OptimizerSpec spec;
    private final List<String> params;
    private final TrainingProgram.Built built;
    private final OpenClModel train;
    private final Lowering.Options options;
    /** The forward graph lowered once, on the first evaluation; loaded again when the parameters changed. */
    private CompiledModel evalModel;
    private OpenClModel eval;
    private long evalAtStep = -1;
    private long steps;

    private OpenClStepEngine(Graph forward, Mode mode, Session session, OptimizerSpec spec, List<String> params,
                             TrainingProgram.Built built, OpenClModel train, Lowering.Options options) {
        this.forward = forward;
        this.mode = mode;
        this.session = session;
        this.spec = spec;
        this.params = params;
        this.built = built;
        this.train = train;
        this.options = options;
    }

    /**
     * Compiles and loads the training program of {@code graph} (which outputs a static scalar
     * {@code loss}) for batches of {@code batch} sequences of up to {@code steps} steps.
     *
     * @param initial every parameter of the graph, by name
     */
    public static OpenClStepEngine create(Session session, Graph graph, Mode mode, int batch, int steps,
                                          OptimizerSpec spec, Map<String, Tensor> initial, Lowering.Options options) {
        if (graph.node("loss") == null || !graph.outputs().contains(graph.node("loss").id())) {
            throw new IllegalArgumentException("graph " + graph.name() + " has no output %loss to train on");
        }
        List<String> params = new ArrayList<>();
        for (Node n : graph.nodesOf(Op.PARAM)) {
            params.add(n.name());
            if (!initial.containsKey(n.name())) {
                throw new RunException("missing parameter %" + n.name());
            }
        }
        Graph grad = Autodiff.gradients(graph, "loss", params);
        List<Integer> outputs = new ArrayList<>(grad.outputs());
        for (int o : graph.outputs()) {
            if (!outputs.contains(o)) {
                outputs.add(o);
            }
        }
        grad = grad.replace(grad.nodes(), outputs);
        CompiledModel compiled = Lowering.lower(grad, mode, batch, steps, options);
        TrainingProgram.Built built = TrainingProgram.build(compiled, params, spec);
        OpenClModel train = OpenClModel.load(session, built.model(), initial);
        return new OpenClStepEngine(graph, mode, session, spec, params, built, train, options);
    }

    @Override
    public Result step(Map<String, Tensor> feeds, int[] lengths, double lr) {
        long t = steps + 1;
        float[] hyper = {(float) lr, (float) (1 - Math.pow(spec.beta1(), t)), (float) (1 - Math.pow(spec.beta2(), t)),
            0f};
        OpenClModel.Result r = train.run(padded(feeds), lengths, Map.of(TrainingProgram.HYPER, hyper), false);
        steps++;
        return result(r.outputs());
    }

    @Override
    public Result evaluate(Map<String, Tensor> feeds, int[] lengths) {
        if (eval == null || evalAtStep != steps) {
            Map<String, Tensor> current = parameters();
            if (eval != null) {
                eval.close();
                eval = null;
            }
            if (evalModel == null) {
                evalModel = Lowering.lower(forward, mode, train.model().batch(), train.model().steps(), options);
            }
            eval = OpenClModel.load(session, evalModel, current);
            evalAtStep = steps;
        }
        return result(eval.run(padded(feeds), lengths));
    }

    /**
     * The feeds with per-step inputs shorter than the compiled length padded with zeros at the end
     * (the lengths keep those steps out of every result): batches of short sentences run on the one
     * program compiled for the longest.
     */
    private Map<String, Tensor> padded(Map<String, Tensor> feeds) {
        int steps = train.model().steps();
        Map<String, Tensor> out = new LinkedHashMap<>(feeds);
        for (Map.Entry<String, Tensor> e : feeds.entrySet()) {
            Node n = forward.node(e.getKey());
            Tensor t = e.getValue();
            if (n != null && n.isPerStep() && t.shape().length > 0 && t.shape()[0] < steps) {
                int[] shape = t.shape().clone();
                shape[0] = steps;
                Tensor full = Tensor.zeros(shape);
                System.arraycopy(t.data(), 0, full.data(), 0, t.size());
                out.put(e.getKey(), full);
            }
        }
        return out;
    }

    private static Result result(Map<String, Tensor> outputs) {
        Map<String, Tensor> others = new LinkedHashMap<>(outputs);
        Tensor loss = others.remove("loss");
        double sum = 0;
        for (double v : loss.data()) {
            sum += v;
        }
        return new Result(sum, others);
    }

    @Override
    public Map<String, Tensor> parameters() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (String q : params) {
            out.put(q, Tensor.of(shape(q), train.readBuffer(built.paramBuffers().get(q))));
        }
        return out;
    }

    @Override
    public Map<String, Tensor> optimizerState() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : built.stateBuffers().entrySet()) {
            String q = e.getKey().substring(0, e.getKey().lastIndexOf('.'));
            out.put(e.getKey(), Tensor.of(shape(q), train.readBuffer(e.getValue())));
        }
        return out;
    }

    @Override
    public long steps() {
        return steps;
    }

    @Override
    public void restore(Map<String, Tensor> parameters, Map<String, Tensor> state, long steps) {
        for (String q : params) {
            Tensor t = parameters.get(q);
            if (t == null) {
                throw new RunException("missing parameter %" + q);
            }
            checkShape(q, t);
        }
        for (String q : params) {
            train.writeBuffer(built.paramBuffers().get(q), parameters.get(q).toFloats());
        }
        for (Map.Entry<String, String> e : built.stateBuffers().entrySet()) {
            String q = e.getKey().substring(0, e.getKey().lastIndexOf('.'));
            Tensor t = state.get(e.getKey());
            if (t != null) {
                checkShape(e.getKey(), t);
            }
            train.writeBuffer(e.getValue(), t == null ? new float[Tensor.count(shape(q))] : t.toFloats());
        }
        this.steps = steps;
        this.evalAtStep = -1;
    }

    private void checkShape(String name, Tensor t) {
        String q = params.contains(name) ? name : name.substring(0, name.lastIndexOf('.'));
        if (!Arrays.equals(t.shape(), shape(q))) {
            throw new RunException("%" + name + " has shape " + Arrays.toString(t.shape()) + ", the model needs "
                    + Arrays.toString(shape(q)));
        }
    }

    private int[] shape(String param) {
        return forward.node(param).shape().resolve(train.model().batch(), train.model().steps());
    }

    /** The global gradient norm before clipping, of the last step (NaN when clipping is off). */
    public double lastGradientNorm() {
        return spec.clipNorm() > 0 ? train.readBuffer(TrainingProgram.NORM)[0] : Double.NaN;
    }

    /** The training program, for listings and launch counts. */
    public CompiledModel program() {
        return built.model();
    }

    @Override
    public void close() {
        if (eval != null) {
            eval.close();
        }
        train.close();
    }
}
