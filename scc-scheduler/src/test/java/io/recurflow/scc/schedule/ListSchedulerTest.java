package io.recurflow.scc.schedule;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.recurflow.ir.Graph;
import io.recurflow.scc.RandomGraphs;
import io.recurflow.scc.SccResult;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ListSchedulerTest {
    private static final double EPS = 1e-9;

    private static Set<Integer> queuesOf(Schedule s, List<Task> tasks) {
        Set<Integer> r = new HashSet<>();
        for (Task t : tasks) {
            r.add(s.queueOf(t.id()));
        }
        return r;
    }

    private static double total(TaskGraph t, CostModel m) {
        double sum = 0;
        for (double c : t.costs(m)) {
            sum += c;
        }
        return sum;
    }

    @Test
    void oneQueueRunsEverythingInOrderWithoutEvents() {
        for (Graph g : List.of(Nets.lstm(1, true), Nets.lstm(2, false), RandomGraphs.generate(3))) {
            TaskGraph t = TaskGraph.build(Nets.scc(g), 5, 2, TaskOptions.DEFAULT.withBatch(2).withChunks(5));
            Schedule s = ListScheduler.schedule(t, Nets.COSTS, 1);
            assertEquals(0, s.events().size(), g.name());
            assertEquals(t.size(), s.lane(0).size());
            assertEquals(total(t, Nets.COSTS), s.makespan(), 1e-6, "no idle time on one queue");
            ScheduleVerifier.verify(t, s);
        }
    }

    @Test
    void bidirectionalDirectionsRunSideBySide() {
        SccResult scc = Nets.scc(Nets.lstm(1, true));
        TaskGraph t = TaskGraph.build(scc, 8, 1);
        Schedule one = ListScheduler.schedule(t, Nets.COSTS, 1);
        Schedule two = ScheduleVerifier.verify(t, ListScheduler.schedule(t, Nets.COSTS, 2));
        List<Task> fwd = Nets.stepsOf(t, "lstm_l0.h", 0);
        List<Task> rev = Nets.stepsOf(t, "lstm_l0_reverse.h", 0);
        Set<Integer> fq = queuesOf(two, fwd);
        Set<Integer> rq = queuesOf(two, rev);
        assertEquals(1, fq.size());
        assertEquals(1, rq.size());
        assertNotEquals(fq, rq, "the two directions on different queues");
        for (int i = 0; i < fwd.size(); i++) {
            assertTrue(Nets.overlap(two, fwd.get(i).id(), rev.get(i).id()), "step " + i + " of each direction together");
        }
        double ratio = two.makespan() / one.makespan();
        assertTrue(ratio > 0.45 && ratio < 0.55, "makespan on 2 queues / on 1 = " + ratio);
        // Each direction's chain stays on its queue; only the final states and outputs join them.
        assertTrue(two.events().size() <= 4, SchedulePrinter.print(t, two));
    }

    @Test
    void stackedLayersRunOneStepApart() {
        SccResult scc = Nets.scc(Nets.lstm(2, false));
        int steps = 6;
        TaskGraph t = TaskGraph.build(scc, steps, 1, TaskOptions.DEFAULT.withChunks(steps));
        Schedule one = ListScheduler.schedule(t, Nets.COSTS, 1);
        Schedule two = ScheduleVerifier.verify(t, ListScheduler.schedule(t, Nets.COSTS, 2));
        List<Task> l0 = Nets.stepsOf(t, "lstm_l0.h", 0);
        List<Task> l1 = Nets.stepsOf(t, "y", 0);
        for (int s = 0; s + 1 < steps; s++) {
            int a = l1.get(s).id();
            assertTrue(two.start(a) >= two.finish(l0.get(s).id()) + Nets.COSTS.eventCost() - EPS);
            assertTrue(Nets.overlap(two, a, l0.get(s + 1).id()),
                    "layer 1 step " + s + " runs beside layer 0 step " + (s + 1) + "\n" + SchedulePrinter.print(t, two));
        }
        assertTrue(two.makespan() < 0.7 * one.makespan(), two.makespan() + " vs " + one.makespan());
        // Without chunks the second layer waits for the whole first: no overlap of the recurrences.
        TaskGraph whole = TaskGraph.build(scc, steps, 1);
        Schedule w = ListScheduler.schedule(whole, Nets.COSTS, 2);
        double l0End = w.finish(Nets.stepsOf(whole, "lstm_l0.h", 0).get(steps - 1).id());
        assertTrue(w.start(Nets.stepsOf(whole, "y", 0).get(0).id()) >= l0End);
        assertTrue(two.makespan() < w.makespan());
    }

    @Test
    void streamsOverlapOnTwoQueues() {
        SccResult scc = Nets.scc(Nets.lstm(1, false));
        TaskGraph single = TaskGraph.build(scc, 6, 1);
        TaskGraph t = TaskGraph.build(scc, 6, 2, TaskOptions.DEFAULT.withBatch(2));
        assertEquals(2 * single.size(), t.size());
        Schedule one = ListScheduler.schedule(t, Nets.COSTS, 1);
        Schedule two = ScheduleVerifier.verify(t, ListScheduler.schedule(t, Nets.COSTS, 2));
        List<Task> s0 = Nets.stepsOf(t, "y", 0);
        List<Task> s1 = Nets.stepsOf(t, "y", 1);
        assertNotEquals(queuesOf(two, s0), queuesOf(two, s1));
        assertEquals(1, queuesOf(two, s0).size());
        for (int i = 0; i < s0.size(); i++) {
            assertTrue(Nets.overlap(two, s0.get(i).id(), s1.get(i).id()));
        }
        // The streams share nothing: no events at all, and two streams take as long as one.
        assertEquals(0, two.events().size());
        assertEquals(ListScheduler.schedule(single, Nets.COSTS, 1).makespan(), two.makespan(), 1e-6);
        assertEquals(0.5, two.makespan() / one.makespan(), 1e-9);
    }

    @Test
    void autoChoosesWhatTheCostModelPredicts() {
        TaskGraph lstm = TaskGraph.build(Nets.scc(Nets.lstm(1, false)), 4, 1);
        // A plain LSTM is one chain of steps; only its two final states (last_step of h and of c, each
        // then packed) could run side by side, which saves one 5 µs task per pair minus the event.
        UnitCostModel cheapEvents = new UnitCostModel(5, 2, 0.001);
        UnitCostModel dearEvents = new UnitCostModel(5, 12, 0.001);
        Schedule cheap = ListScheduler.scheduleAuto(lstm, cheapEvents, 3);
        Schedule dear = ListScheduler.scheduleAuto(lstm, dearEvents, 3);
        assertEquals(2, cheap.queues());
        assertTrue(cheap.makespan() < ListScheduler.schedule(lstm, cheapEvents, 1).makespan());
        assertEquals(1, dear.queues());
        assertEquals(0, dear.events().size());
        assertTrue(ListScheduler.schedule(lstm, dearEvents, 2).makespan()
                >= ListScheduler.schedule(lstm, dearEvents, 1).makespan());

        TaskGraph bi = TaskGraph.build(Nets.scc(Nets.lstm(1, true)), 8, 1);
        Schedule auto = ListScheduler.scheduleAuto(bi, Nets.COSTS, 4);
        assertTrue(auto.queues() >= 2);
        for (int k = 1; k <= 4; k++) {
            assertTrue(auto.makespan() <= ListScheduler.schedule(bi, Nets.COSTS, k).makespan());
        }
    }

    @Test
    void everyEventIsNeeded() {
        for (long seed = 0; seed < 6; seed++) {
            TaskGraph t = TaskGraph.build(Nets.scc(RandomGraphs.generate(seed)), 4, 2,
                    TaskOptions.DEFAULT.withBatch(2).withChunks(4));
            for (int k = 2; k <= 3; k++) {
                // Free events spread the tasks widely, which gives the most events to check.
                Schedule s = ListScheduler.schedule(t, new UnitCostModel(5, 0, 0.001), k);
                for (int i = 0; i < s.events().size(); i++) {
                    List<Schedule.Event> fewer = new ArrayList<>(s.events());
                    Schedule.Event dropped = fewer.remove(i);
                    Schedule without = new Schedule(s.lanes(), fewer, starts(s), finishes(s), s.makespan(),
                            s.criticalPath());
                    assertTrue(!ScheduleVerifier.problems(t, without).isEmpty(),
                            "seed " + seed + " K=" + k + ": event " + dropped + " is implied by the others");
                }
            }
        }
    }

    @Test
    void criticalPathSetsTheMakespan() {
        for (long seed = 0; seed < 10; seed++) {
            TaskGraph t = TaskGraph.build(Nets.scc(RandomGraphs.generate(seed)), 4, 1,
                    TaskOptions.DEFAULT.withChunks(2));
            Schedule s = ListScheduler.schedule(t, Nets.COSTS, 2);
            List<Integer> path = s.criticalPath();
            assertEquals(0.0, s.start(path.get(0)));
            assertEquals(s.makespan(), s.finish(path.get(path.size() - 1)));
            for (int i = 1; i < path.size(); i++) {
                int a = path.get(i - 1);
                int b = path.get(i);
                boolean sameQueue = s.queueOf(a) == s.queueOf(b);
                double gap = s.start(b) - s.finish(a);
                assertTrue(gap == 0 || (!sameQueue && Math.abs(gap - Nets.COSTS.eventCost()) < EPS),
                        "seed " + seed + ": #" + a + " -> #" + b + " gap " + gap);
                assertTrue(t.predecessors(b).contains(a) || (sameQueue && s.positionOf(a) + 1 == s.positionOf(b)));
            }
        }
    }

    @Test
    void enqueueOrderCreatesEveryEventBeforeItsWait() {
        TaskGraph t = TaskGraph.build(Nets.scc(Nets.lstm(2, true)), 5, 2,
                TaskOptions.DEFAULT.withBatch(2).withChunks(5));
        Schedule s = ListScheduler.schedule(t, Nets.COSTS, 3);
        List<Integer> order = s.enqueueOrder();
        assertEquals(t.size(), order.size());
        int[] at = new int[t.size()];
        for (int i = 0; i < order.size(); i++) {
            at[order.get(i)] = i;
        }
        for (Schedule.Event e : s.events()) {
            assertTrue(at[e.from()] < at[e.to()]);
        }
        for (List<Integer> lane : s.lanes()) {
            for (int i = 1; i < lane.size(); i++) {
                assertTrue(at[lane.get(i - 1)] < at[lane.get(i)]);
            }
        }
    }

    @Test
    void schedulesAreDeterministic() {
        TaskGraph t = TaskGraph.build(Nets.scc(RandomGraphs.generate(11)), 5, 2,
                TaskOptions.DEFAULT.withBatch(2).withChunks(2));
        assertEquals(ListScheduler.schedule(t, Nets.COSTS, 3), ListScheduler.schedule(t, Nets.COSTS, 3));
        assertEquals(SchedulePrinter.print(t, ListScheduler.schedule(t, Nets.COSTS, 3)),
                SchedulePrinter.print(t, ListScheduler.schedule(t, Nets.COSTS, 3)));
    }

    static double[] starts(Schedule s) {
        double[] r = new double[s.taskCount()];
        for (int i = 0; i < r.length; i++) {
            r[i] = s.start(i);
        }
        return r;
    }

    static double[] finishes(Schedule s) {
        double[] r = new double[s.taskCount()];
        for (int i = 0; i < r.length; i++) {
            r[i] = s.finish(i);
        }
        return r;
    }
}
