package io.recurflow.scc.schedule;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.recurflow.ir.Graph;
import io.recurflow.ir.Node;
import io.recurflow.ir.Op;
import io.recurflow.ir.Operand;
import io.recurflow.scc.RandomGraphs;
import io.recurflow.scc.SccResult;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Schedules checked against the graph unrolled over T steps and S streams rather than against the
 * task graph: every (node, step, stream) must run after every (node, step, stream) it reads, by the
 * order of its queue or an event. So a mistake in {@link TaskGraph}'s dependencies cannot hide behind
 * the verifier, which trusts them.
 */
class UnrolledScheduleTest {
    private static final int STEPS = 4;
    private static final int BATCH = 2;

    /** The dependencies of the unrolled graph the schedule leaves unordered, one line each. */
    static List<String> unorderedReads(TaskGraph tg, Schedule s) {
        BitSet[] before = happensBefore(tg, s);
        SccResult scc = tg.scc();
        Graph g = scc.graph();
        List<String> out = new ArrayList<>();
        for (Node v : g.nodes()) {
            if (v.op().isSource()) {
                continue;
            }
            int vc = scc.componentOf(v.id()).index();
            for (int stream = 0; stream < tg.streams(); stream++) {
                for (int t = 0; t < (v.isStatic() ? 1 : STEPS); t++) {
                    Task x = tg.taskAt(stream, vc, t);
                    for (Operand o : v.operands()) {
                        List<int[]> reads = new ArrayList<>(); // {node, step}
                        Node u = g.node(o.source());
                        if (u.isStatic()) {
                            reads.add(new int[] {u.id(), 0});
                        } else if (v.isStatic()) {
                            for (int p = 0; p < (v.op() == Op.FIRST_STEP ? 1 : STEPS); p++) {
                                reads.add(new int[] {u.id(), p});
                            }
                        } else if (t - o.delay() >= 0 && t - o.delay() < STEPS) {
                            reads.add(new int[] {u.id(), t - o.delay()});
                        }
                        // a forward read before step d meets the initial value; a reverse read may at any step,
                        // since each sequence ends at its own length
                        if (o.hasInit() && (o.delay() < 0 || t < o.delay())) {
                            reads.add(new int[] {o.init(), 0});
                        }
                        for (int[] r : reads) {
                            Task p = tg.taskAt(stream, scc.componentOf(r[0]).index(), r[1]);
                            if (p != null && p.id() != x.id() && !before[x.id()].get(p.id())) {
                                out.add("%" + v.name() + " t" + t + " s" + stream + " (task " + x.label()
                                        + ") reads %" + g.node(r[0]).name() + " t" + r[1] + " (task " + p.label() + ")");
                            }
                        }
                    }
                }
            }
        }
        return out;
    }

    /** before[x]: the tasks that complete before x starts, by queue order and events, transitively. */
    private static BitSet[] happensBefore(TaskGraph tg, Schedule s) {
        int n = tg.size();
        List<List<Integer>> direct = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            direct.add(new ArrayList<>());
        }
        for (List<Integer> lane : s.lanes()) {
            for (int i = 1; i < lane.size(); i++) {
                direct.get(lane.get(i)).add(lane.get(i - 1));
            }
        }
        for (Schedule.Event e : s.events()) {
            direct.get(e.to()).add(e.from());
        }
        BitSet[] before = new BitSet[n];
        for (int x : s.enqueueOrder()) {
            BitSet b = new BitSet(n);
            for (int p : direct.get(x)) {
                b.set(p);
                b.or(before[p]);
            }
            before[x] = b;
        }
        return before;
    }

    @Test
    void everyScheduleOrdersEveryUnrolledReadAndEveryEventIsNeeded() {
        int schedules = 0;
        int removed = 0;
        for (long seed = 0; seed < 10; seed++) {
            SccResult scc = Nets.scc(RandomGraphs.generate(seed));
            for (int streams = 1; streams <= 2; streams++) {
                TaskGraph tg = TaskGraph.build(scc, STEPS, streams, TaskOptions.DEFAULT.withBatch(BATCH));
                for (int k = 1; k <= 4; k++) {
                    Schedule s = ListScheduler.schedule(tg, Nets.COSTS, k);
                    String where = "seed " + seed + " S=" + streams + " K=" + k;
                    assertEquals(List.of(), ScheduleVerifier.problems(tg, s), where);
                    assertEquals(List.of(), unorderedReads(tg, s), where);
                    schedules++;
                    for (Schedule.Event e : s.events()) {
                        List<Schedule.Event> fewer = new ArrayList<>(s.events());
                        fewer.remove(e);
                        Schedule broken = new Schedule(s.lanes(), fewer, ListSchedulerTest.starts(s),
                                ListSchedulerTest.finishes(s), s.makespan(), s.criticalPath());
                        String problems = String.join("\n", ScheduleVerifier.problems(tg, broken));
                        String needs = "task #" + e.to() + " " + tg.task(e.to()).label() + " on queue "
                                + s.queueOf(e.to()) + " needs task #" + e.from() + " " + tg.task(e.from()).label();
                        assertTrue(problems.contains(needs) && problems.contains("but no event orders them"),
                                where + " without event #" + e.from() + " -> #" + e.to() + ":\n" + problems);
                        assertFalse(unorderedReads(tg, broken).isEmpty(), where + " without event #" + e.from()
                                + " -> #" + e.to() + ": the unrolled graph sees no missing order");
                        removed++;
                    }
                }
            }
        }
        assertEquals(80, schedules);
        assertTrue(removed > 20, removed + " events removed");
    }

    /**
     * Recurrences run as kernels looping over chunks of steps (the wavefront of whole recurrences),
     * shared by the streams as the lowering shares them: every schedule orders every unrolled read.
     */
    @Test
    void wholeRecurrencesInChunksOrderEveryUnrolledRead() {
        int schedules = 0;
        for (long seed = 0; seed < 10; seed++) {
            SccResult scc = Nets.scc(RandomGraphs.generate(seed));
            java.util.Set<Integer> recurrent = new java.util.HashSet<>();
            for (io.recurflow.scc.Component c : scc.components()) {
                if (c.isRecurrent()) {
                    recurrent.add(c.index());
                }
            }
            for (int chunks = 1; chunks <= 3; chunks++) {
                TaskGraph tg = TaskGraph.build(scc, STEPS, 1, TaskOptions.DEFAULT.withBatch(BATCH).withChunks(chunks)
                        .withWhole(recurrent));
                for (int c : recurrent) {
                    assertEquals(Math.min(chunks, STEPS), tg.tasksOf(0, c).size(), "seed " + seed + " C" + c);
                }
                for (int k = 1; k <= 3; k++) {
                    Schedule s = ListScheduler.schedule(tg, Nets.COSTS, k);
                    String where = "seed " + seed + " chunks=" + chunks + " K=" + k;
                    assertEquals(List.of(), ScheduleVerifier.problems(tg, s), where);
                    assertEquals(List.of(), unorderedReads(tg, s), where);
                    schedules++;
                }
            }
        }
        assertEquals(90, schedules);
    }

    @Test
    void streamsShareOnlyWhatTheOptionsShare() {
        SccResult scc = Nets.scc(Nets.lstm(2, false));
        java.util.Set<Integer> acyclic = new java.util.HashSet<>();
        for (io.recurflow.scc.Component c : scc.components()) {
            if (!c.isRecurrent() && !c.isStatic()) {
                acyclic.add(c.index());
            }
        }
        TaskGraph tg = TaskGraph.build(scc, STEPS, 2, TaskOptions.DEFAULT.withBatch(4).withShared(acyclic));
        for (Task t : tg.tasks()) {
            boolean recurrent = scc.component(t.component()).isRecurrent();
            assertEquals(acyclic.contains(t.component()), t.isShared(), t.label());
            if (recurrent) {
                assertFalse(t.isShared(), t.label());
            }
        }
        for (int k = 1; k <= 3; k++) {
            Schedule s = ListScheduler.schedule(tg, Nets.COSTS, k);
            assertEquals(List.of(), ScheduleVerifier.problems(tg, s), "K=" + k);
            assertEquals(List.of(), unorderedReads(tg, s), "K=" + k);
        }
    }
}
