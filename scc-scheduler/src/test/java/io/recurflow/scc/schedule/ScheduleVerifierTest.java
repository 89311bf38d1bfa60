package io.recurflow.scc.schedule;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.recurflow.dsl.GraphBuilder;
import io.recurflow.scc.RandomGraphs;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ScheduleVerifierTest {
    /** A copy of {@code s} with other lanes and events, its times kept. */
    private static Schedule with(Schedule s, List<List<Integer>> lanes, List<Schedule.Event> events) {
        return new Schedule(lanes, events, ListSchedulerTest.starts(s), ListSchedulerTest.finishes(s), s.makespan(),
                s.criticalPath());
    }

    private static List<List<Integer>> lanes(Schedule s) {
        List<List<Integer>> r = new ArrayList<>();
        for (List<Integer> lane : s.lanes()) {
            r.add(new ArrayList<>(lane));
        }
        return r;
    }

    private static String problems(TaskGraph t, Schedule s) {
        return String.join("\n", ScheduleVerifier.problems(t, s));
    }

    private static TaskGraph biLstm() {
        return TaskGraph.build(Nets.scc(Nets.lstm(1, true)), 4, 1);
    }

    @Test
    void acceptsEverythingTheSchedulerProduces() {
        int checked = 0;
        for (long seed = 0; seed < 12; seed++) {
            for (int streams = 1; streams <= 2; streams++) {
                TaskOptions o = TaskOptions.DEFAULT.withBatch(3).withChunks(1 + (int) (seed % 3))
                        .withStepsPerTask(1 + (int) (seed % 2));
                TaskGraph t = TaskGraph.build(Nets.scc(RandomGraphs.generate(seed)), 4, streams, o);
                for (int k = 1; k <= 3; k++) {
                    for (CostModel m : List.of(Nets.COSTS, new UnitCostModel(1, 0, 0.1))) {
                        Schedule s = ListScheduler.schedule(t, m, k);
                        assertEquals(List.of(), ScheduleVerifier.problems(t, s), "seed " + seed + " S=" + streams
                                + " K=" + k + "\n" + SchedulePrinter.print(t, s));
                        checked++;
                    }
                }
            }
        }
        assertEquals(144, checked);
    }

    @Test
    void rejectsAMissingEvent() {
        TaskGraph t = biLstm();
        Schedule s = ListScheduler.schedule(t, Nets.COSTS, 2);
        assertTrue(!s.events().isEmpty());
        Schedule.Event e = s.events().get(0);
        List<Schedule.Event> fewer = new ArrayList<>(s.events());
        fewer.remove(0);
        String p = problems(t, with(s, lanes(s), fewer));
        assertTrue(p.contains("task #" + e.to() + " " + t.task(e.to()).label() + " on queue " + s.queueOf(e.to())
                + " needs task #" + e.from()), p);
        assertTrue(p.contains("but no event orders them"), p);
    }

    @Test
    void rejectsAMissingTask() {
        TaskGraph t = biLstm();
        Schedule s = ListScheduler.schedule(t, Nets.COSTS, 2);
        List<List<Integer>> lanes = lanes(s);
        int gone = lanes.get(1).remove(0);
        String p = problems(t, with(s, lanes, s.events()));
        assertTrue(p.contains("task #" + gone + " " + t.task(gone).label() + " is not placed on any queue"), p);
    }

    @Test
    void rejectsADuplicatedTask() {
        TaskGraph t = biLstm();
        Schedule s = ListScheduler.schedule(t, Nets.COSTS, 2);
        List<List<Integer>> lanes = lanes(s);
        int twice = lanes.get(0).get(0);
        lanes.get(1).add(twice);
        String p = problems(t, with(s, lanes, s.events()));
        assertTrue(p.contains("task #" + twice + " " + t.task(twice).label() + " is placed twice: queue 0 position 0"
                + " and queue 1 position " + (lanes.get(1).size() - 1)), p);
        List<List<Integer>> bogus = lanes(s);
        bogus.get(0).add(t.size());
        assertTrue(problems(t, with(s, bogus, s.events())).contains("holds task #" + t.size() + ", which does not exist"));
    }

    @Test
    void rejectsADeadlock() {
        TaskGraph t = biLstm();
        Schedule s = ListScheduler.schedule(t, Nets.COSTS, 2);
        // Queue 0's first task waits for queue 1's last, which already waits (through lane order and
        // the existing events) for queue 0: neither queue can move.
        List<Schedule.Event> more = new ArrayList<>(s.events());
        int head0 = s.lane(0).get(0);
        int tail1 = s.lane(1).get(s.lane(1).size() - 1);
        more.add(new Schedule.Event(tail1, head0));
        Schedule broken = with(s, lanes(s), more);
        String p = problems(t, broken);
        assertTrue(p.startsWith("deadlock: the queues wait on each other in a cycle #"), p);
        assertTrue(p.contains("(queue 0) -> ") && p.contains("(queue 1) -> "), p);
        assertThrows(IllegalStateException.class, broken::enqueueOrder);

        // The smallest cycle: two tasks on two queues, each waiting for the other.
        Schedule tiny = new Schedule(List.of(List.of(0), List.of(1)),
                List.of(new Schedule.Event(0, 1), new Schedule.Event(1, 0)), new double[2], new double[2], 0, List.of());
        GraphBuilder g = new GraphBuilder("two");
        g.output(g.sigmoid(g.tanh(g.input("x", 4))));
        TaskGraph two = TaskGraph.build(Nets.scc(g.build()), 1, 1);
        assertEquals(2, two.size());
        String q = problems(two, tiny);
        assertTrue(q.startsWith("deadlock: the queues wait on each other in a cycle #0"), q);
        assertTrue(q.endsWith("(queue 0) -> #1 C2 s0 t0 (queue 1) -> #0 C1 s0 t0"), q);
    }

    @Test
    void rejectsADependencyOrderedBackwardsOnOneQueue() {
        TaskGraph t = TaskGraph.build(Nets.scc(Nets.lstm(1, false)), 3, 1);
        Schedule s = ListScheduler.schedule(t, Nets.COSTS, 1);
        List<List<Integer>> lanes = lanes(s);
        // Swap two consecutive steps of the recurrence.
        List<Task> steps = Nets.stepsOf(t, "y", 0);
        int a = lanes.get(0).indexOf(steps.get(0).id());
        int b = lanes.get(0).indexOf(steps.get(1).id());
        lanes.get(0).set(a, steps.get(1).id());
        lanes.get(0).set(b, steps.get(0).id());
        String p = problems(t, with(s, lanes, List.of()));
        assertTrue(p.contains("needs task #" + steps.get(0).id() + " " + steps.get(0).label()
                + " on queue 0, which comes after it"), p);
    }

    @Test
    void verifyThrowsWithEveryProblem() {
        TaskGraph t = biLstm();
        Schedule s = ListScheduler.schedule(t, Nets.COSTS, 2);
        List<List<Integer>> lanes = lanes(s);
        lanes.get(0).remove(0);
        lanes.get(1).remove(0);
        ScheduleException e = assertThrows(ScheduleException.class,
                () -> ScheduleVerifier.verify(t, with(s, lanes, s.events())));
        assertEquals(2, e.problems().size());
        assertTrue(e.getMessage().startsWith("the schedule is not valid:\n  task #"), e.getMessage());
        assertEquals(s, ScheduleVerifier.verify(t, s));
    }

    @Test
    void rejectsAScheduleOfAnotherTaskGraph() {
        TaskGraph t = biLstm();
        Schedule s = ListScheduler.schedule(TaskGraph.build(Nets.scc(Nets.lstm(1, false)), 4, 1), Nets.COSTS, 1);
        assertTrue(problems(t, s).contains("the schedule has times for " + s.taskCount() + " tasks, the task graph has "
                + t.size()));
    }
}
