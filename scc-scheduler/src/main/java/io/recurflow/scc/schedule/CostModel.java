package io.recurflow.scc.schedule;

/**
 * What the scheduler knows of time, all in microseconds: a task's duration, the overhead of one
 * kernel launch (part of a task's cost, reported for diagnostics), and the delay a dependency adds
 * when it crosses queues (an event recorded on one queue and waited on by another).
 */
public interface CostModel {
    /** How long {@code task} of {@code tasks} runs, launches included (finite, at least 0). */
    double taskCost(TaskGraph tasks, Task task);

    /** The fixed cost of one kernel launch. */
    double launchOverhead();

    /** The delay between a task finishing on one queue and a task waiting for it on another starting. */
    double eventCost();

    /**
     * The fraction of the parallel gain that queues running side by side deliver: 1 where they are
     * independent processors, less where they share one (hardware threads of a core, one cache).
     */
    default double overlap() {
        return 1;
    }
}
