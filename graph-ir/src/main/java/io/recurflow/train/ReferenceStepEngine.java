package io.recurflow.train;

import io.recurflow.interp.ReferenceInterpreter;
import io.recurflow.interp.Tensor;
import io.recurflow.ir.Graph;
import io.recurflow.ir.GraphException;
import io.recurflow.ir.Node;
import io.recurflow.ir.Op;
import io.recurflow.passes.Autodiff;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The reference {@link StepEngine}: the graph differentiated by {@link Autodiff} with respect to all its
 * parameters, run on the {@link ReferenceInterpreter}, and a {@link HostOptimizer} update. Every other
 * engine is checked against this one.
 */
public final class ReferenceStepEngine implements StepEngine {
    private final List<String> params = new ArrayList<>();
    private final List<String> others = new ArrayList<>();
    private final ReferenceInterpreter train;
    private final ReferenceInterpreter forward;
    private final HostOptimizer optimizer;

    /**
     * An engine for {@code graph} (which has a static scalar output {@code loss}), starting from the
     * parameters in {@code initial} (every parameter of the graph, with its shape).
     */
    public ReferenceStepEngine(Graph graph, OptimizerSpec spec, Map<String, Tensor> initial) {
        Node loss = graph.node("loss");
        if (loss == null || !graph.outputs().contains(loss.id()) || loss.isPerStep()) {
            throw new GraphException("graph " + graph.name() + " has no static output %loss to train");
        }
        Map<String, Tensor> start = new LinkedHashMap<>();
        for (Node p : graph.nodesOf(Op.PARAM)) {
            params.add(p.name());
            Tensor t = initial.get(p.name());
            if (t == null) {
                throw new IllegalArgumentException("no initial value for parameter " + p.name());
            }
            int[] expected = p.shape().resolve(1, 1);
            if (!java.util.Arrays.equals(expected, t.shape())) {
                throw new IllegalArgumentException("parameter " + p.name() + " has shape "
                        + java.util.Arrays.toString(t.shape()) + ", the graph's is " + java.util.Arrays.toString(expected));
            }
            start.put(p.name(), t);
        }
        Graph grads = Autodiff.gradients(graph, "loss", params);
        List<Integer> outs = new ArrayList<>(grads.outputs());
        for (Node o : graph.outputNodes()) {
            if (o.id() != loss.id()) {
                others.add(o.name());
                outs.add(o.id());
            }
        }
        this.train = new ReferenceInterpreter(grads.replace(grads.nodes(), outs));
        this.forward = new ReferenceInterpreter(graph);
        this.optimizer = new HostOptimizer(spec, start);
    }

    /** The optimizer behind the updates (for its gradient norm). */
    public HostOptimizer optimizer() {
        return optimizer;
    }

    @Override
    public Result step(Map<String, Tensor> feeds, int[] lengths, double lr) {
        Map<String, Tensor> out = train.run(withParameters(feeds), lengths);
        Map<String, double[]> grads = new LinkedHashMap<>();
        for (String p : params) {
            grads.put(p, out.get(Autodiff.gradientName(p)).data());
        }
        double loss = out.get("loss").data()[0];
        optimizer.step(grads, lr);
        return new Result(loss, others(out));
    }

    @Override
    public Result evaluate(Map<String, Tensor> feeds, int[] lengths) {
        Map<String, Tensor> out = forward.run(withParameters(feeds), lengths);
        return new Result(out.get("loss").data()[0], others(out));
    }

    private Map<String, Tensor> withParameters(Map<String, Tensor> feeds) {
        Map<String, Tensor> all = new LinkedHashMap<>(feeds);
        all.putAll(optimizer.parameters());
        return all;
    }

    private Map<String, Tensor> others(Map<String, Tensor> out) {
        Map<String, Tensor> r = new LinkedHashMap<>();
        for (String o : others) {
            r.put(o, out.get(o));
        }
        return r;
    }

    @Override
    public Map<String, Tensor> parameters() {
        return optimizer.parameters();
    }

    @Override
    public Map<String, Tensor> optimizerState() {
        return optimizer.state();
    }

    @Override
    public long steps() {
        return optimizer.steps();
    }

    @Override
    public void restore(Map<String, Tensor> parameters, Map<String, Tensor> optimizerState, long steps) {
        optimizer.restore(parameters, optimizerState, steps);
    }

    @Override
    public void close() {
    }
}
