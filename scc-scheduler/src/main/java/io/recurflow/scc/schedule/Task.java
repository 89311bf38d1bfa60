package io.recurflow.scc.schedule;

import java.util.ArrayList;
import java.util.List;

/**
 * One unit of scheduled work: every node of component {@code component}, for the batch rows of
 * stream {@code stream} (or of all streams: {@link #ALL_STREAMS}), at steps {@code from}..{@code to}
 * inclusive ({@link #NO_STEP} for a static component), run in {@code direction} (+1 forward, −1
 * reverse, 0 when the steps are independent or there are none).
 */
public record Task(int id, int stream, int component, int from, int to, int direction) {
    /** The stream of a task computed once for every stream (a component with a batch-free node). */
    public static final int ALL_STREAMS = -1;
    /** {@code from} and {@code to} of a static task, which has no steps. */
    public static final int NO_STEP = -1;

    public Task {
        if (id < 0 || component < 0 || stream < ALL_STREAMS) {
            throw new IllegalArgumentException("task " + id + ": bad id, stream " + stream + " or component "
                    + component);
        }
        boolean noSteps = from == NO_STEP && to == NO_STEP;
        if (!noSteps && (from < 0 || to < from)) {
            throw new IllegalArgumentException("task " + id + ": bad step range " + from + ".." + to);
        }
        if (direction < -1 || direction > 1 || (noSteps && direction != 0)) {
            throw new IllegalArgumentException("task " + id + ": bad direction " + direction);
        }
    }

    /** Whether this task computes a static component (no steps). */
    public boolean isStatic() {
        return from == NO_STEP;
    }

    public boolean isShared() {
        return stream == ALL_STREAMS;
    }

    /** The number of steps covered (0 for a static task). */
    public int stepCount() {
        return isStatic() ? 0 : to - from + 1;
    }

    public boolean covers(int step) {
        return !isStatic() && from <= step && step <= to;
    }

    /** The steps covered, in the order they run: descending for a reverse task, ascending otherwise. */
    public List<Integer> steps() {
        List<Integer> r = new ArrayList<>();
        if (direction < 0) {
            for (int t = to; t >= from; t--) {
                r.add(t);
            }
        } else if (!isStatic()) {
            for (int t = from; t <= to; t++) {
                r.add(t);
            }
        }
        return r;
    }

    /** E.g. {@code C3 s0 t4}, {@code C3 s1 t0..9}, {@code C5 s0 t9..8} (reverse), {@code C7 s* static}. */
    public String label() {
        String s = "C" + component + " s" + (isShared() ? "*" : Integer.toString(stream));
        if (isStatic()) {
            return s + " static";
        }
        if (from == to) {
            return s + " t" + from;
        }
        return direction < 0 ? s + " t" + to + ".." + from : s + " t" + from + ".." + to;
    }
}
