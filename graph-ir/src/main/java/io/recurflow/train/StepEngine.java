package io.recurflow.train;

import io.recurflow.interp.Tensor;
import java.util.Map;

/**
 * Trains one model: each {@link #step} runs the forward and the backward graph on one batch and
 * applies one optimizer update. Implementations: the reference one (interpreter and host
 * arithmetic, the meaning every other is checked against) and the OpenCL one (parameters and
 * optimizer state stay on the device; the update runs as kernels).
 *
 * <p>The training graph has a static scalar output {@code loss} (the sum of the per-token losses)
 * and may have other outputs (e.g. final recurrent states, for carrying state across chunks); its
 * parameters are its {@code param} nodes. Feeds are as for the reference interpreter: per-step
 * inputs [T, B, ...], static inputs as declared, with per-sequence lengths.
 */
public interface StepEngine extends AutoCloseable {

    /** What one batch gave: its loss (as the graph computes it) and the graph's other outputs. */
    record Result(double loss, Map<String, Tensor> outputs) {
    }

    /** Forward, backward and one update with learning rate {@code lr}. */
    Result step(Map<String, Tensor> feeds, int[] lengths, double lr);

    /** Forward only: the loss and other outputs, parameters untouched. */
    Result evaluate(Map<String, Tensor> feeds, int[] lengths);

    /** The current parameters, by the graph's parameter names (copies). */
    Map<String, Tensor> parameters();

    /** The optimizer state, named as {@link OptimizerSpec} says (copies). */
    Map<String, Tensor> optimizerState();

    /** Updates applied so far. */
    long steps();

    /**
     * Replaces parameters, optimizer state and step count (for loading a checkpoint). Every
     * parameter must be given with its exact shape; a missing state tensor means zeros.
     */
    void restore(Map<String, Tensor> parameters, Map<String, Tensor> optimizerState, long steps);

    @Override
    void close();
}
