package io.recurflow.runtime.bundle;

import java.util.List;

/**
 * A compiled model loaded on a device, used by name: every bundle's entry class implements it, so code
 * can drive any bundle generically. Per-step inputs are row-major {@code [T', B, …]} with T' up to
 * {@link #maxSteps()} (shorter sequences are padded); static inputs have exactly their shape. Not safe
 * for concurrent use; each handle owns its own OpenCL state, so two handles may run on two threads.
 */
public interface RecurflowModel extends AutoCloseable {
    /** Input names in the model's order. */
    List<String> inputNames();

    /** Output names in the model's order. */
    List<String> outputNames();

    /** The shape an input takes at full length: per-step inputs {@code [maxSteps, batch, …]}. */
    int[] inputShape(String name);

    /** An output's shape after the last run (per-step outputs have the steps that run was given). */
    int[] outputShape(String name);

    /** The batch size the model was compiled for. */
    int batch();

    /** The longest sequence the model was compiled for. */
    int maxSteps();

    /** Sets a float input; {@code lengths} (one per sequence) may be null to keep the current ones. */
    void setInput(String name, float[] data, int[] lengths);

    /** Sets an integer (id) input; {@code lengths} as above. */
    void setInput(String name, int[] ids, int[] lengths);

    /** Sets each sequence's length; by default every sequence is as long as the per-step inputs. */
    void setLengths(int[] lengths);

    /** Runs the model on the inputs set so far. */
    void run();

    /** An output of the last run, row-major in {@link #outputShape(String)}. */
    float[] output(String name);

    /** Releases the device state; the handle cannot run afterwards. */
    @Override
    void close();
}
