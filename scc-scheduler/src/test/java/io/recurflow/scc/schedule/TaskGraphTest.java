package io.recurflow.scc.schedule;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.recurflow.dsl.GraphBuilder;
import io.recurflow.dsl.Recurrent;
import io.recurflow.dsl.Value;
import io.recurflow.ir.Dim;
import io.recurflow.ir.Graph;
import io.recurflow.ir.Op;
import io.recurflow.scc.Component;
import io.recurflow.scc.RandomGraphs;
import io.recurflow.scc.SccResult;
import java.util.BitSet;
import java.util.List;
import org.junit.jupiter.api.Test;

class TaskGraphTest {
    private static int componentOf(SccResult scc, String node) {
        return scc.componentOf(scc.graph().node(node).id()).index();
    }

    private static List<Integer> ids(List<Task> tasks) {
        return tasks.stream().map(Task::id).toList();
    }

    @Test
    void singleLstmIsAChainOfSteps() {
        SccResult scc = Nets.scc(Nets.lstm(1, false));
        TaskGraph t = TaskGraph.build(scc, 5, 1);
        List<Task> steps = Nets.stepsOf(t, "y", 0);
        assertEquals(List.of(0, 1, 2, 3, 4), steps.stream().map(Task::from).toList());
        int projection = componentOf(scc, "lstm_l0.add_1");
        Task proj = t.tasksOf(0, projection).get(0);
        assertEquals(1, t.tasksOf(0, projection).size(), "not fed step by step: one task over all steps");
        assertEquals(0, proj.from());
        assertEquals(4, proj.to());
        assertEquals(List.of(proj.id()), t.predecessors(steps.get(0).id()));
        for (int i = 1; i < 5; i++) {
            Task s = steps.get(i);
            assertEquals(1, s.direction());
            assertEquals(List.of(proj.id(), steps.get(i - 1).id()), t.predecessors(s.id()), s.label());
        }
        // Sources (x, the parameters) have no task; nothing waits for them.
        assertFalse(t.hasTasks(componentOf(scc, "x")));
        assertFalse(t.hasTasks(componentOf(scc, "weight_hh_l0")));
        assertTrue(t.tasksOf(0, componentOf(scc, "x")).isEmpty());
        // last_step of the final state reads every step.
        Task last = t.tasksOf(0, componentOf(scc, "lstm_l0.last_step_18")).get(0);
        assertTrue(last.isStatic());
        assertEquals(ids(steps), t.predecessors(last.id()));
    }

    @Test
    void taskIdsAreATopologicalOrderAndSuccessorsMirrorPredecessors() {
        for (long seed = 0; seed < 15; seed++) {
            TaskGraph t = TaskGraph.build(Nets.scc(RandomGraphs.generate(seed)), 4, 2,
                    TaskOptions.DEFAULT.withBatch(3).withChunks(2).withStepsPerTask(2));
            int edges = 0;
            for (Task x : t.tasks()) {
                for (int p : t.predecessors(x.id())) {
                    assertTrue(p < x.id());
                    assertTrue(t.successors(p).contains(x.id()));
                }
                edges += t.successors(x.id()).size();
            }
            assertEquals(t.dependencyCount(), edges);
        }
    }

    @Test
    void reverseComponentRunsBackwards() {
        SccResult scc = Nets.scc(Nets.lstm(1, true));
        TaskGraph t = TaskGraph.build(scc, 4, 1);
        List<Task> rev = Nets.stepsOf(t, "lstm_l0_reverse.h", 0);
        assertEquals(List.of(3, 2, 1, 0), rev.stream().map(Task::from).toList());
        assertTrue(rev.stream().allMatch(x -> x.direction() == -1));
        for (int i = 1; i < rev.size(); i++) {
            assertTrue(t.predecessors(rev.get(i).id()).contains(rev.get(i - 1).id()));
            assertTrue(rev.get(i - 1).id() < rev.get(i).id());
        }
        // first_step reads step 0 only: the reverse direction's last task, not all of them.
        Task first = t.tasksOf(0, componentOf(scc, "lstm_l0_reverse.first_step_38")).get(0);
        assertEquals(List.of(rev.get(3).id()), t.predecessors(first.id()));
        assertEquals("C" + rev.get(0).component() + " s0 t3", rev.get(0).label());
    }

    @Test
    void stackedLayersFormAWavefront() {
        SccResult scc = Nets.scc(Nets.lstm(2, false));
        int steps = 6;
        TaskGraph t = TaskGraph.build(scc, steps, 1, TaskOptions.DEFAULT.withChunks(steps));
        List<Task> l0 = Nets.stepsOf(t, "lstm_l0.h", 0);
        List<Task> l1 = Nets.stepsOf(t, "y", 0);
        for (int s = 0; s < steps; s++) {
            BitSet before = Nets.ancestors(t, l1.get(s).id());
            for (int r = 0; r < steps; r++) {
                assertEquals(r <= s, before.get(l0.get(r).id()), "layer 1 step " + s + " needs layer 0 step " + r);
            }
        }
        // The projection of layer 1 is chunked (fed step by step), the one of layer 0 is not (x is all there).
        assertEquals(steps, t.tasksOf(0, componentOf(scc, "lstm_l1.matmul_20")).size());
        assertEquals(1, t.tasksOf(0, componentOf(scc, "lstm_l0.matmul_0")).size());

        // One chunk (the default): layer 1 waits for all of layer 0.
        TaskGraph whole = TaskGraph.build(scc, steps, 1);
        BitSet before = Nets.ancestors(whole, Nets.stepsOf(whole, "y", 0).get(0).id());
        for (Task x : Nets.stepsOf(whole, "lstm_l0.h", 0)) {
            assertTrue(before.get(x.id()));
        }
    }

    @Test
    void chunksSplitTheStepsEvenly() {
        SccResult scc = Nets.scc(Nets.lstm(2, false));
        TaskGraph t = TaskGraph.build(scc, 7, 1, TaskOptions.DEFAULT.withChunks(3));
        List<Task> chunks = t.tasksOf(0, componentOf(scc, "lstm_l1.matmul_20"));
        assertEquals(List.of("0..1", "2..3", "4..6"), chunks.stream().map(c -> c.from() + ".." + c.to()).toList());
        List<Task> l0 = Nets.stepsOf(t, "lstm_l0.h", 0);
        assertEquals(List.of(l0.get(4).id(), l0.get(5).id(), l0.get(6).id()), t.predecessors(chunks.get(2).id()));
        assertEquals(chunks.get(1), t.taskAt(0, chunks.get(1).component(), 3));
        assertNull(t.taskAt(0, chunks.get(1).component(), 7));
    }

    @Test
    void recurrentTasksCoverAtMostTheStepWindow() {
        SccResult fwd = Nets.scc(Nets.delay2(false));
        int h = componentOf(fwd, "h");
        assertEquals(2, fwd.component(h).inFlight());
        TaskGraph t = TaskGraph.build(fwd, 5, 1, TaskOptions.DEFAULT.withStepsPerTask(3));
        assertEquals(2, t.stepWindow(h));
        List<Task> tasks = t.tasksOf(0, h);
        assertEquals(List.of("0..1", "2..3", "4..4"), tasks.stream().map(x -> x.from() + ".." + x.to()).toList());
        assertTrue(t.predecessors(tasks.get(1).id()).contains(tasks.get(0).id()));
        assertTrue(t.predecessors(tasks.get(2).id()).contains(tasks.get(1).id()));
        assertFalse(t.predecessors(tasks.get(2).id()).contains(tasks.get(0).id()), "step 4 reads step 2 only");

        SccResult rev = Nets.scc(Nets.delay2(true));
        List<Task> back = TaskGraph.build(rev, 5, 1, TaskOptions.DEFAULT.withStepsPerTask(2))
                .tasksOf(0, componentOf(rev, "h"));
        assertEquals(List.of("3..4", "1..2", "0..0"), back.stream().map(x -> x.from() + ".." + x.to()).toList());
        assertEquals(List.of(4, 3), back.get(0).steps());
        assertEquals("C" + back.get(0).component() + " s0 t4..3", back.get(0).label());

        // In-flight 3, but a → h has delay 1: a task may hold one step only.
        SccResult two = Nets.scc(Nets.twoPaths());
        int c = componentOf(two, "h");
        assertEquals(3, two.component(c).inFlight());
        TaskGraph t2 = TaskGraph.build(two, 6, 1, TaskOptions.DEFAULT.withStepsPerTask(3));
        assertEquals(1, t2.stepWindow(c));
        assertEquals(6, t2.tasksOf(0, c).size());
    }

    @Test
    void streamsAreDisjointCopies() {
        SccResult scc = Nets.scc(Nets.lstm(1, false));
        TaskGraph one = TaskGraph.build(scc, 4, 1);
        TaskGraph two = TaskGraph.build(scc, 4, 2, TaskOptions.DEFAULT.withBatch(5));
        assertEquals(2 * one.size(), two.size());
        assertEquals(2 * one.dependencyCount(), two.dependencyCount());
        for (Task x : two.tasks()) {
            assertFalse(x.isShared());
            for (int p : two.predecessors(x.id())) {
                assertEquals(x.stream(), two.task(p).stream());
            }
        }
        assertEquals(0, two.firstRow(0));
        assertEquals(2, two.rowCount(0));
        assertEquals(2, two.firstRow(1));
        assertEquals(3, two.rowCount(1));
        assertEquals(5, two.rowCount(Task.ALL_STREAMS));
    }

    /** x [B, 4] + tanh(p) with p a parameter: tanh(p) has no batch axis and is computed once for all streams. */
    @Test
    void batchFreeStaticValuesAreSharedByTheStreams() {
        GraphBuilder g = new GraphBuilder("shared");
        Value x = g.input("x", 4);
        Value p = g.param("p", 4);
        Value h0 = g.staticInput("h0", GraphBuilder.shape(Dim.B, 4));
        Value q = g.tanh(p).named("q");
        Value init = g.tanh(h0).named("init");
        Recurrent h = g.recurrent("h", 4);
        h.define(g.tanh(g.add(g.add(x, q), h.prev().init(init))));
        g.output(h);
        Graph graph = g.build();
        SccResult scc = Nets.scc(graph);
        TaskGraph t = TaskGraph.build(scc, 3, 2, TaskOptions.DEFAULT.withBatch(2));
        int qc = componentOf(scc, "q");
        int ic = componentOf(scc, "init");
        assertTrue(t.isShared(qc));
        assertFalse(t.isShared(ic));
        Task shared = t.tasksOf(0, qc).get(0);
        assertEquals(Task.ALL_STREAMS, shared.stream());
        assertEquals(shared, t.tasksOf(1, qc).get(0));
        assertEquals("C" + qc + " s* static", shared.label());
        assertEquals(0, t.tasksOf(0, ic).get(0).stream());
        assertEquals(1, t.tasksOf(1, ic).get(0).stream());
        // x + q runs per stream; both streams' tasks wait for the one shared task.
        int addXq = componentOf(scc, graph.nodesOf(Op.ADD).get(0).name());
        for (int stream = 0; stream < 2; stream++) {
            Task add = t.tasksOf(stream, addXq).get(0);
            assertEquals(stream, add.stream());
            assertEquals(List.of(shared.id()), t.predecessors(add.id()));
        }
        // The shared task is computed at all B rows, once.
        assertEquals(t.tasks().stream().filter(Task::isShared).toList(), List.of(shared));
    }

    /** The initial value of h[t-1] is read at step 0 only; of h[t+1], at any step (each sequence ends at its length). */
    @Test
    void initialValuesAreWaitedForWhereTheyMayBeRead() {
        for (int delay : new int[] {1, -1}) {
            GraphBuilder g = new GraphBuilder("init");
            Value x = g.input("x", 4);
            Value h0 = g.staticInput("h0", GraphBuilder.shape(Dim.B, 4));
            Value init = g.tanh(h0).named("init");
            Recurrent h = g.recurrent("h", 4);
            h.define(g.tanh(g.add(x, h.delayed(delay).init(init))));
            g.output(h);
            SccResult scc = Nets.scc(g.build());
            TaskGraph t = TaskGraph.build(scc, 4, 1);
            int initTask = t.tasksOf(0, componentOf(scc, "init")).get(0).id();
            for (Task s : t.tasksOf(0, componentOf(scc, "h"))) {
                boolean reads = delay < 0 || s.from() == 0;
                assertEquals(reads, t.predecessors(s.id()).contains(initTask), "delay " + delay + " " + s.label());
            }
        }
    }

    @Test
    void buildingTwiceGivesTheSameTasks() {
        Graph g = RandomGraphs.generate(7);
        TaskOptions o = TaskOptions.DEFAULT.withBatch(4).withChunks(3);
        assertEquals(TaskGraph.build(Nets.scc(g), 5, 2, o).toText(), TaskGraph.build(Nets.scc(g), 5, 2, o).toText());
    }

    @Test
    void rejectsImpossibleRuns() {
        SccResult scc = Nets.scc(Nets.lstm(1, false));
        assertThrows(IllegalArgumentException.class, () -> TaskGraph.build(scc, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> TaskGraph.build(scc, 4, 3, TaskOptions.DEFAULT.withBatch(2)));
        assertThrows(IllegalArgumentException.class, () -> TaskOptions.DEFAULT.withChunks(0));
        assertThrows(IllegalArgumentException.class, () -> new Task(0, 0, 0, 3, 2, 1));
    }

    @Test
    void everyTaskOfAComponentCoversItsStepsOnce() {
        for (long seed = 0; seed < 10; seed++) {
            TaskGraph t = TaskGraph.build(Nets.scc(RandomGraphs.generate(seed)), 5, 2,
                    TaskOptions.DEFAULT.withBatch(2).withChunks(2).withStepsPerTask(3));
            for (Component c : t.scc().components()) {
                for (int s = 0; s < 2; s++) {
                    List<Task> tasks = t.tasksOf(s, c.index());
                    if (!t.hasTasks(c.index())) {
                        assertTrue(tasks.isEmpty());
                    } else if (c.isStatic()) {
                        assertEquals(1, tasks.size());
                    } else {
                        int covered = tasks.stream().mapToInt(Task::stepCount).sum();
                        assertEquals(5, covered, c.label());
                        for (int step = 0; step < 5; step++) {
                            assertTrue(t.taskAt(s, c.index(), step).covers(step));
                        }
                    }
                }
            }
        }
    }
}
