package io.recurflow.scc.schedule;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Deque;
import java.util.List;

/**
 * Proves a {@link Schedule} runs its {@link TaskGraph} correctly: every task placed exactly once, the
 * happens-before relation (lane order plus events) acyclic, so no queue waits forever (Kahn's sort
 * finds a cycle otherwise), and every dependency p → x ordered by it, checked through vector clocks
 * (Fidge 1988, Mattern 1989) built along that sort in O((n + e)·K).
 */
public final class ScheduleVerifier {
    private ScheduleVerifier() {
    }

    /** Throws a {@link ScheduleException} listing every problem, or returns the schedule unchanged. */
    public static Schedule verify(TaskGraph tasks, Schedule schedule) {
        List<String> problems = problems(tasks, schedule);
        if (!problems.isEmpty()) {
            throw new ScheduleException(problems);
        }
        return schedule;
    }

    /** Every problem found, one message each (empty when the schedule is valid). */
    public static List<String> problems(TaskGraph tasks, Schedule schedule) {
        List<String> out = new ArrayList<>();
        int n = tasks.size();
        int k = schedule.queues();
        if (schedule.taskCount() != n) {
            out.add("the schedule has times for " + schedule.taskCount() + " tasks, the task graph has " + n);
            return out;
        }
        int[] queue = new int[n];
        int[] position = new int[n];
        Arrays.fill(queue, -1);
        for (int q = 0; q < k; q++) {
            List<Integer> lane = schedule.lane(q);
            for (int i = 0; i < lane.size(); i++) {
                int id = lane.get(i);
                if (id < 0 || id >= n) {
                    out.add("queue " + q + " position " + i + " holds task #" + id + ", which does not exist");
                } else if (queue[id] >= 0) {
                    out.add("task " + name(tasks, id) + " is placed twice: queue " + queue[id] + " position "
                            + position[id] + " and queue " + q + " position " + i);
                } else {
                    queue[id] = q;
                    position[id] = i;
                }
            }
        }
        for (int id = 0; id < n; id++) {
            if (queue[id] < 0) {
                out.add("task " + name(tasks, id) + " is not placed on any queue");
            }
            double s = schedule.start(id);
            double f = schedule.finish(id);
            if (!(s >= 0) || !(f >= s) || Double.isInfinite(f)) {
                out.add("task " + name(tasks, id) + " has predicted times " + s + " .. " + f);
            }
        }
        for (Schedule.Event e : schedule.events()) {
            if (e.from() < 0 || e.from() >= n || e.to() < 0 || e.to() >= n) {
                out.add("event #" + e.from() + " -> #" + e.to() + " names a task that does not exist");
            } else if (e.from() == e.to()) {
                out.add("task " + name(tasks, e.to()) + " waits for itself");
            }
        }
        if (!out.isEmpty()) {
            return out; // the order below needs every task in exactly one place
        }

        // The happens-before graph: each task after the one before it on its lane, and after its event sources.
        List<List<Integer>> before = new ArrayList<>();
        List<List<Integer>> after = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            before.add(new ArrayList<>());
            after.add(new ArrayList<>());
        }
        for (int q = 0; q < k; q++) {
            List<Integer> lane = schedule.lane(q);
            for (int i = 1; i < lane.size(); i++) {
                before.get(lane.get(i)).add(lane.get(i - 1));
                after.get(lane.get(i - 1)).add(lane.get(i));
            }
        }
        for (Schedule.Event e : schedule.events()) {
            before.get(e.to()).add(e.from());
            after.get(e.from()).add(e.to());
        }
        int[] waiting = new int[n];
        Deque<Integer> free = new ArrayDeque<>();
        for (int i = 0; i < n; i++) {
            waiting[i] = before.get(i).size();
            if (waiting[i] == 0) {
                free.add(i);
            }
        }
        // clock[x][r]: the last position of lane r that has completed once x has (x itself included).
        int[][] clock = new int[n][];
        int done = 0;
        while (!free.isEmpty()) {
            int x = free.poll();
            done++;
            int[] c = new int[k];
            Arrays.fill(c, -1);
            for (int b : before.get(x)) {
                for (int r = 0; r < k; r++) {
                    c[r] = Math.max(c[r], clock[b][r]);
                }
            }
            c[queue[x]] = position[x];
            clock[x] = c;
            for (int a : after.get(x)) {
                if (--waiting[a] == 0) {
                    free.add(a);
                }
            }
        }
        if (done < n) {
            out.add("deadlock: the queues wait on each other in a cycle " + cycle(tasks, before, waiting, queue));
            return out;
        }
        for (int x = 0; x < n; x++) {
            for (int p : tasks.predecessors(x)) {
                if (clock[x][queue[p]] < position[p]) {
                    out.add("task " + name(tasks, x) + " on queue " + queue[x] + " needs task " + name(tasks, p)
                            + " on queue " + queue[p] + (queue[p] == queue[x] ? ", which comes after it"
                            : ", but no event orders them"));
                }
            }
        }
        return out;
    }

    /**
     * A cycle among the tasks Kahn's sort left over: each of them still waits for another left-over
     * task, so walking back from the smallest one must come round; in happens-before order, from the
     * smallest id in the cycle.
     */
    private static String cycle(TaskGraph tasks, List<List<Integer>> before, int[] waiting, int[] queue) {
        int start = 0;
        while (waiting[start] == 0) {
            start++;
        }
        List<Integer> walk = new ArrayList<>();
        int[] seenAt = new int[waiting.length];
        Arrays.fill(seenAt, -1);
        int x = start;
        while (seenAt[x] < 0) {
            seenAt[x] = walk.size();
            walk.add(x);
            int next = -1;
            for (int b : before.get(x)) {
                if (waiting[b] > 0 && (next < 0 || b < next)) {
                    next = b;
                }
            }
            x = next;
        }
        List<Integer> loop = new ArrayList<>(walk.subList(seenAt[x], walk.size()));
        Collections.reverse(loop);
        Collections.rotate(loop, -loop.indexOf(Collections.min(loop))); // start at the smallest id: stable text
        StringBuilder sb = new StringBuilder();
        for (int id : loop) {
            sb.append(name(tasks, id)).append(" (queue ").append(queue[id]).append(") -> ");
        }
        return sb.append(name(tasks, loop.get(0))).toString();
    }

    private static String name(TaskGraph tasks, int id) {
        return "#" + id + " " + tasks.task(id).label();
    }
}
