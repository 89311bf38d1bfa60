package io.recurflow.scc.schedule;

/**
 * How {@link TaskGraph#build} cuts components into tasks: the batch size {@code batch} that the
 * streams split; {@code chunks}, the number of step ranges a batched per-step component fed step by
 * step gets (1: one task over all steps); {@code stepsPerTask}, the steps one recurrent task covers
 * at most (1: one task per step), capped per component by its step window.
 */
public record TaskOptions(int batch, int chunks, int stepsPerTask) {
    /** Batch 1, one chunk, one step per recurrent task: the plain plan. */
    public static final TaskOptions DEFAULT = new TaskOptions(1, 1, 1);

    public TaskOptions {
        if (batch < 1 || chunks < 1 || stepsPerTask < 1) {
            throw new IllegalArgumentException("batch, chunks and steps per task must be at least 1, not " + batch
                    + ", " + chunks + ", " + stepsPerTask);
        }
    }

    public TaskOptions withBatch(int newBatch) {
        return new TaskOptions(newBatch, chunks, stepsPerTask);
    }

    public TaskOptions withChunks(int newChunks) {
        return new TaskOptions(batch, newChunks, stepsPerTask);
    }

    public TaskOptions withStepsPerTask(int newStepsPerTask) {
        return new TaskOptions(batch, chunks, newStepsPerTask);
    }
}
