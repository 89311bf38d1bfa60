package io.recurflow.scc.schedule;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.PriorityQueue;
import java.util.Set;

/**
 * List scheduling on K in-order queues (Graham 1969; priorities by bottom level as in HLFET, Adam,
 * Chandy and Dickson 1974; queue choice by earliest finish as in HEFT, Topcuoglu et al. 2002): the
 * ready task with the longest cost-weighted path to the end (ties: smaller id) goes to the queue where
 * it would finish first, counting the event cost for each predecessor on another queue that needs an
 * event. Events are kept minimal with vector clocks (Fidge 1988, Mattern 1989): a wait is dropped
 * when queue order or an event already waited on implies it. O(n log n + n·K·(p + K²)) for n tasks
 * with p predecessors each.
 */
public final class ListScheduler {
    /** Relative margin by which more queues must beat fewer in {@link #scheduleAuto}. */
    private static final double AUTO_MARGIN = 1e-9;

    private ListScheduler() {
    }

    /** Places every task of {@code tasks} on {@code queues} queues. */
    public static Schedule schedule(TaskGraph tasks, CostModel model, int queues) {
        if (queues < 1) {
            throw new IllegalArgumentException("at least one queue is needed, not " + queues);
        }
        return new Run(tasks, model, queues).schedule();
    }

    /**
     * Schedules on 1, 2, …, {@code maxQueues} queues and keeps the one with the smallest {@link
     * #expectedTime}; more queues must be better by more than a rounding error, so ties go to fewer queues.
     */
    public static Schedule scheduleAuto(TaskGraph tasks, CostModel model, int maxQueues) {
        if (maxQueues < 1) {
            throw new IllegalArgumentException("at least one queue is needed, not " + maxQueues);
        }
        Schedule best = null;
        double bestTime = Double.POSITIVE_INFINITY;
        for (int k = 1; k <= maxQueues; k++) {
            Schedule s = schedule(tasks, model, k);
            double time = expectedTime(tasks, model, s);
            if (best == null || time < bestTime * (1 - AUTO_MARGIN)) {
                best = s;
                bestTime = time;
            }
        }
        return best;
    }

    /**
     * The time {@code s} is expected to take where queues deliver only the fraction {@link
     * CostModel#overlap()} of their parallel gain: the tasks' total cost (their time in turn) less that
     * fraction of what the makespan saves on it.
     */
    public static double expectedTime(TaskGraph tasks, CostModel model, Schedule s) {
        double serial = 0;
        for (Task t : tasks.tasks()) {
            serial += model.taskCost(tasks, t);
        }
        return serial - model.overlap() * Math.max(0, serial - s.makespan());
    }

    /**
     * Each task's bottom level: its cost plus the largest bottom level of a successor (task ids are a
     * topological order, so one sweep from the back suffices).
     */
    public static double[] bottomLevels(TaskGraph tasks, double[] cost) {
        double[] bl = new double[tasks.size()];
        for (int i = tasks.size() - 1; i >= 0; i--) {
            double tail = 0;
            for (int s : tasks.successors(i)) {
                tail = Math.max(tail, bl[s]);
            }
            bl[i] = cost[i] + tail;
        }
        return bl;
    }

    /** The state of one scheduling run. */
    private static final class Run {
        private final TaskGraph tasks;
        private final int k;
        private final double[] cost;
        private final double eventCost;
        private final double[] bl;
        private final List<List<Integer>> lanes = new ArrayList<>();
        private final double[] queueFree;
        /** clock[q][r]: the last position of lane r known complete before the next task of lane q starts. */
        private final int[][] clock;
        /** taskClock[x][r]: the last position of lane r complete once x completes (x itself included). */
        private final int[][] taskClock;
        private final int[] queueOf;
        private final int[] positionOf;
        private final double[] start;
        private final double[] finish;
        private final List<Schedule.Event> events = new ArrayList<>();

        Run(TaskGraph tasks, CostModel model, int k) {
            this.tasks = tasks;
            this.k = k;
            this.cost = tasks.costs(model);
            this.eventCost = model.eventCost();
            if (!(eventCost >= 0) || Double.isInfinite(eventCost)) {
                throw new IllegalArgumentException("cost model " + model + " gives event cost " + eventCost);
            }
            this.bl = bottomLevels(tasks, cost);
            int n = tasks.size();
            for (int q = 0; q < k; q++) {
                lanes.add(new ArrayList<>());
            }
            this.queueFree = new double[k];
            this.clock = new int[k][k];
            for (int[] c : clock) {
                Arrays.fill(c, -1);
            }
            this.taskClock = new int[n][];
            this.queueOf = new int[n];
            this.positionOf = new int[n];
            this.start = new double[n];
            this.finish = new double[n];
        }

        /** Where a task would go on one queue: its times and the events it would wait on. */
        private record Placement(int queue, double start, double finish, List<Integer> waits) {
        }

        Schedule schedule() {
            int n = tasks.size();
            int[] missing = new int[n];
            PriorityQueue<Integer> ready = new PriorityQueue<>(
                    Comparator.<Integer>comparingDouble(i -> -bl[i]).thenComparingInt(i -> i));
            for (int i = 0; i < n; i++) {
                missing[i] = tasks.predecessors(i).size();
                if (missing[i] == 0) {
                    ready.add(i);
                }
            }
            while (!ready.isEmpty()) {
                int x = ready.poll();
                Placement best = null;
                for (int q = 0; q < k; q++) {
                    Placement p = place(x, q);
                    if (best == null || p.finish() < best.finish()
                            || (p.finish() == best.finish() && p.waits().size() < best.waits().size())) {
                        best = p;
                    }
                }
                commit(x, best);
                for (int s : tasks.successors(x)) {
                    if (--missing[s] == 0) {
                        ready.add(s);
                    }
                }
            }
            List<Schedule.Event> sorted = new ArrayList<>(events);
            sorted.sort(Comparator.<Schedule.Event>comparingInt(e -> queueOf[e.to()])
                    .thenComparingInt(e -> positionOf[e.to()]).thenComparingInt(e -> queueOf[e.from()]));
            double makespan = 0;
            for (double f : finish) {
                makespan = Math.max(makespan, f);
            }
            return new Schedule(lanes, sorted, start, finish, makespan, criticalPath(makespan));
        }

        /**
         * The events task x needs on queue q: per other lane only its latest predecessor there (queue
         * order implies the earlier ones), unless q already knows that position complete, or another
         * such predecessor's completion implies it (its clock covers it; clocks merge by maximum, so
         * one covering source is enough and the survivors are a minimal set).
         */
        private Placement place(int x, int q) {
            int[] latest = new int[k];
            Arrays.fill(latest, -1);
            for (int p : tasks.predecessors(x)) {
                int r = queueOf[p];
                if (r != q && positionOf[p] > clock[q][r] && (latest[r] < 0 || positionOf[p] > positionOf[latest[r]])) {
                    latest[r] = p;
                }
            }
            List<Integer> waits = new ArrayList<>();
            for (int r = 0; r < k; r++) {
                int a = latest[r];
                if (a < 0) {
                    continue;
                }
                boolean implied = false;
                for (int r2 = 0; r2 < k && !implied; r2++) {
                    int b = latest[r2];
                    implied = b >= 0 && b != a && taskClock[b][r] >= positionOf[a];
                }
                if (!implied) {
                    waits.add(a);
                }
            }
            double s = queueFree[q];
            for (int p : tasks.predecessors(x)) {
                s = Math.max(s, finish[p] + (waits.contains(p) ? eventCost : 0));
            }
            return new Placement(q, s, s + cost[x], waits);
        }

        private void commit(int x, Placement p) {
            int q = p.queue();
            int[] c = clock[q].clone();
            for (int w : p.waits()) {
                for (int r = 0; r < k; r++) {
                    c[r] = Math.max(c[r], taskClock[w][r]);
                }
                events.add(new Schedule.Event(w, x));
            }
            queueOf[x] = q;
            positionOf[x] = lanes.get(q).size();
            c[q] = positionOf[x];
            lanes.get(q).add(x);
            taskClock[x] = c;
            clock[q] = c;
            start[x] = p.start();
            finish[x] = p.finish();
            queueFree[q] = p.finish();
        }

        /**
         * Walks back from the task finishing last (smallest id on ties) through whatever set each
         * start: a predecessor (plus the event cost when x waits on it by event), preferred, or else the
         * task before x on its lane; ties go to the smaller id.
         */
        private List<Integer> criticalPath(double makespan) {
            Set<Schedule.Event> waited = new HashSet<>(events);
            List<Integer> path = new ArrayList<>();
            int x = -1;
            for (int i = 0; i < finish.length; i++) {
                if (finish[i] == makespan) {
                    x = i;
                    break;
                }
            }
            while (x >= 0) {
                path.add(x);
                int next = -1;
                for (int p : tasks.predecessors(x)) {
                    boolean byEvent = waited.contains(new Schedule.Event(p, x));
                    if (finish[p] + (byEvent ? eventCost : 0) == start[x]) {
                        next = p;
                        break;
                    }
                }
                if (next < 0 && positionOf[x] > 0) {
                    int before = lanes.get(queueOf[x]).get(positionOf[x] - 1);
                    if (finish[before] == start[x]) {
                        next = before;
                    }
                }
                x = next;
            }
            Collections.reverse(path);
            return path;
        }
    }
}
