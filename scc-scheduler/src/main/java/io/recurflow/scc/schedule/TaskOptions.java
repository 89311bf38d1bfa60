package io.recurflow.scc.schedule;

/**
 * How {@link TaskGraph#build} cuts components into tasks: the batch size {@code batch} that the
 * streams split; {@code chunks}, the number of step ranges a batched per-step component fed step by
 * step gets (1: one task over all steps); {@code stepsPerTask}, the steps one recurrent task covers
 * at most (1: one task per step), capped per component by its step window; {@code whole}, the
 * recurrent components (by index) that run as kernels looping over the steps themselves, one task over
 * all steps or, with several chunks, one per chunk; {@code shared}, the components (by index) that get one task for all streams
 * even where they could be split by rows — work the code generator runs over every row at once.
 */
public record TaskOptions(int batch, int chunks, int stepsPerTask, java.util.Set<Integer> whole,
                          java.util.Set<Integer> shared) {
    /** Batch 1, one chunk, one step per recurrent task: the plain plan. */
    public static final TaskOptions DEFAULT = new TaskOptions(1, 1, 1);

    public TaskOptions {
        if (batch < 1 || chunks < 1 || stepsPerTask < 1) {
            throw new IllegalArgumentException("batch, chunks and steps per task must be at least 1, not " + batch
                    + ", " + chunks + ", " + stepsPerTask);
        }
        whole = java.util.Set.copyOf(whole);
        shared = java.util.Set.copyOf(shared);
    }

    public TaskOptions(int batch, int chunks, int stepsPerTask, java.util.Set<Integer> whole) {
        this(batch, chunks, stepsPerTask, whole, java.util.Set.of());
    }

    public TaskOptions(int batch, int chunks, int stepsPerTask) {
        this(batch, chunks, stepsPerTask, java.util.Set.of());
    }

    public TaskOptions withBatch(int newBatch) {
        return new TaskOptions(newBatch, chunks, stepsPerTask, whole, shared);
    }

    public TaskOptions withChunks(int newChunks) {
        return new TaskOptions(batch, newChunks, stepsPerTask, whole, shared);
    }

    public TaskOptions withStepsPerTask(int newStepsPerTask) {
        return new TaskOptions(batch, chunks, newStepsPerTask, whole, shared);
    }

    /** These options with the recurrent components {@code components} each run as one task. */
    public TaskOptions withWhole(java.util.Set<Integer> components) {
        return new TaskOptions(batch, chunks, stepsPerTask, components, shared);
    }

    /** These options with the components {@code components} each one task for all streams. */
    public TaskOptions withShared(java.util.Set<Integer> components) {
        return new TaskOptions(batch, chunks, stepsPerTask, whole, components);
    }
}
