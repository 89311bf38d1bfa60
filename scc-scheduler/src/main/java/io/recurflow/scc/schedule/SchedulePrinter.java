package io.recurflow.scc.schedule;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.IntFunction;

/**
 * A schedule as readable text: a summary line, each queue's tasks in order with predicted start and
 * finish and the events they wait on, then the critical path. Times in µs with three decimals.
 */
public final class SchedulePrinter {
    private SchedulePrinter() {
    }

    /** The listing with tasks named by id only. */
    public static String print(Schedule s) {
        return print(s, id -> "#" + id);
    }

    /** The listing with tasks named by id and {@link Task#label()}, e.g. {@code #4 C3 s0 t1}. */
    public static String print(TaskGraph tasks, Schedule s) {
        return print(s, id -> "#" + id + " " + tasks.task(id).label());
    }

    private static String print(Schedule s, IntFunction<String> name) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "schedule: %d %s, %d tasks, %d %s, makespan %.3f us%n", s.queues(),
                s.queues() == 1 ? "queue" : "queues", s.taskCount(), s.events().size(),
                s.events().size() == 1 ? "event" : "events", s.makespan()));
        for (int q = 0; q < s.queues(); q++) {
            List<Integer> lane = s.lane(q);
            double busy = 0;
            for (int id : lane) {
                busy += s.finish(id) - s.start(id);
            }
            sb.append(String.format(Locale.ROOT, "queue %d: %d tasks, busy %.3f us%n", q, lane.size(), busy));
            for (int id : lane) {
                sb.append(String.format(Locale.ROOT, "  %10.3f %10.3f  %s", s.start(id), s.finish(id), name.apply(id)));
                List<String> waits = new ArrayList<>();
                for (Schedule.Event e : s.waitsOf(id)) {
                    waits.add(name.apply(e.from()) + " (queue " + s.queueOf(e.from()) + ")");
                }
                if (!waits.isEmpty()) {
                    sb.append("  waits ").append(String.join(", ", waits));
                }
                sb.append('\n');
            }
        }
        List<String> path = new ArrayList<>();
        for (int id : s.criticalPath()) {
            path.add(name.apply(id));
        }
        sb.append("critical path: ").append(String.join(" -> ", path)).append('\n');
        return sb.toString();
    }
}
