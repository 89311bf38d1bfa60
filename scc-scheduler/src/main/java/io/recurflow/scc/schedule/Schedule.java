package io.recurflow.scc.schedule;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * A plan for one {@link TaskGraph} on K in-order queues, as plain immutable data: per queue (lane)
 * the task ids in enqueue order; the events to honour (task {@code to} waits for task {@code from},
 * which runs on another lane, to complete); each task's predicted start and finish (µs); the
 * predicted makespan; the critical path that sets it. Construction checks shapes only, so that
 * {@link ScheduleVerifier} can be shown broken schedules; a valid one is proven by the verifier.
 */
public final class Schedule {
    /** Task {@code to} may start only once task {@code from} (on another queue) has completed. */
    public record Event(int from, int to) {
    }

    private final List<List<Integer>> lanes;
    private final List<Event> events;
    private final double[] start;
    private final double[] finish;
    private final double makespan;
    private final List<Integer> criticalPath;
    private final int[] queueOf;
    private final int[] positionOf;

    /**
     * {@code start} and {@code finish} are indexed by task id and have one entry per task of the task
     * graph; {@code criticalPath} lists task ids from the first to the one finishing last.
     */
    public Schedule(List<List<Integer>> lanes, List<Event> events, double[] start, double[] finish, double makespan,
                    List<Integer> criticalPath) {
        if (lanes.isEmpty()) {
            throw new IllegalArgumentException("a schedule needs at least one queue");
        }
        if (start.length != finish.length) {
            throw new IllegalArgumentException(start.length + " start times but " + finish.length + " finish times");
        }
        List<List<Integer>> copy = new ArrayList<>();
        for (List<Integer> lane : lanes) {
            copy.add(List.copyOf(lane));
        }
        this.lanes = Collections.unmodifiableList(copy);
        this.events = List.copyOf(events);
        this.start = start.clone();
        this.finish = finish.clone();
        this.makespan = makespan;
        this.criticalPath = List.copyOf(criticalPath);
        this.queueOf = new int[start.length];
        this.positionOf = new int[start.length];
        Arrays.fill(queueOf, -1);
        Arrays.fill(positionOf, -1);
        for (int q = lanes.size() - 1; q >= 0; q--) {
            List<Integer> lane = copy.get(q);
            for (int i = lane.size() - 1; i >= 0; i--) {
                int id = lane.get(i);
                if (id >= 0 && id < queueOf.length) { // the first place wins; the verifier reports the rest
                    queueOf[id] = q;
                    positionOf[id] = i;
                }
            }
        }
    }

    /** The number K of queues (lanes); a lane may be empty. */
    public int queues() {
        return lanes.size();
    }

    /** Per queue, the ids of its tasks in the order they are enqueued. */
    public List<List<Integer>> lanes() {
        return lanes;
    }

    public List<Integer> lane(int queue) {
        return lanes.get(queue);
    }

    /**
     * The cross-queue waits, ordered by the waiting task's queue and position, then by the source's
     * queue; each is needed (not implied by queue order and the other events).
     */
    public List<Event> events() {
        return events;
    }

    /** The events task {@code id} waits on, in {@link #events()} order. */
    public List<Event> waitsOf(int id) {
        List<Event> r = new ArrayList<>();
        for (Event e : events) {
            if (e.to() == id) {
                r.add(e);
            }
        }
        return r;
    }

    /** The number of tasks the schedule has times for (the task graph's size). */
    public int taskCount() {
        return start.length;
    }

    /** The queue of task {@code id}, or −1 when it is not placed. */
    public int queueOf(int id) {
        return queueOf[id];
    }

    /** The position of task {@code id} in its lane, or −1 when it is not placed. */
    public int positionOf(int id) {
        return positionOf[id];
    }

    /** The predicted start of task {@code id}, in µs from the start of the run. */
    public double start(int id) {
        return start[id];
    }

    /** The predicted completion of task {@code id}, in µs. */
    public double finish(int id) {
        return finish[id];
    }

    /** The predicted time from the first start to the last completion, in µs. */
    public double makespan() {
        return makespan;
    }

    /**
     * Every placed task once, in an order a host can enqueue them in: each lane in its order, and
     * each event's source before its waiter (OpenCL can only wait on an event that exists); among
     * the tasks free to go next, the earliest predicted start first, then the lower queue. Throws an
     * {@link IllegalStateException} when lanes and events wait on each other in a cycle (which
     * {@link ScheduleVerifier} reports as a deadlock).
     */
    public List<Integer> enqueueOrder() {
        int k = lanes.size();
        int[] next = new int[k];
        List<List<Event>> waits = new ArrayList<>();
        for (int i = 0; i < start.length; i++) {
            waits.add(new ArrayList<>());
        }
        for (Event e : events) {
            waits.get(e.to()).add(e);
        }
        boolean[] enqueued = new boolean[start.length];
        List<Integer> order = new ArrayList<>();
        while (true) {
            int pick = -1;
            for (int q = 0; q < k; q++) {
                if (next[q] >= lanes.get(q).size()) {
                    continue;
                }
                int id = lanes.get(q).get(next[q]);
                boolean free = waits.get(id).stream().allMatch(e -> enqueued[e.from()]);
                if (free && (pick < 0 || start[id] < start[lanes.get(pick).get(next[pick])])) {
                    pick = q;
                }
            }
            if (pick < 0) {
                break;
            }
            int id = lanes.get(pick).get(next[pick]++);
            enqueued[id] = true;
            order.add(id);
        }
        for (int q = 0; q < k; q++) {
            if (next[q] < lanes.get(q).size()) {
                throw new IllegalStateException("queue " + q + " cannot enqueue task #" + lanes.get(q).get(next[q])
                        + ": lanes and events wait on each other in a cycle");
            }
        }
        return order;
    }

    /**
     * The chain that sets the makespan: from a task starting at 0 to the last to finish, each task
     * starting when its predecessor here ends (a dependency, plus the event cost across queues, or
     * the task before it on its queue).
     */
    public List<Integer> criticalPath() {
        return criticalPath;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Schedule s && s.lanes.equals(lanes) && s.events.equals(events)
                && Arrays.equals(s.start, start) && Arrays.equals(s.finish, finish)
                && Double.compare(s.makespan, makespan) == 0 && s.criticalPath.equals(criticalPath);
    }

    @Override
    public int hashCode() {
        return Objects.hash(lanes, events, Arrays.hashCode(start), Arrays.hashCode(finish), makespan, criticalPath);
    }

    @Override
    public String toString() {
        return "Schedule (" + lanes.size() + " queues, " + start.length + " tasks, " + events.size()
                + " events, makespan " + makespan + " us)";
    }
}
