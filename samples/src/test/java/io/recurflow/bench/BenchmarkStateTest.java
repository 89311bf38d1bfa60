package io.recurflow.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.recurflow.scc.Component;
import io.recurflow.scc.ComponentKind;
import io.recurflow.scc.schedule.Schedule;
import io.recurflow.scc.schedule.ScheduleVerifier;
import io.recurflow.scc.schedule.TaskGraph;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The benchmarks' states hold what they claim to: no timing here, JMH does that. */
class BenchmarkStateTest {
    private static Workload workload;
    private static SchedulingBenchmark bench;

    @BeforeAll
    static void prepare() {
        workload = Workload.of(Workload.DEFAULT_MODEL, Integer.parseInt(Workload.DEFAULT_SEQ),
                Integer.parseInt(Workload.DEFAULT_BATCH));
        bench = new SchedulingBenchmark();
        bench.prepare(workload);
    }

    @Test
    void defaultWorkloadIsIssueFoursLstm() {
        assertEquals(100, workload.seq);
        assertEquals(4, workload.batch);
        // 4 layers x 2 directions: one recurrence each, half of them reading the future
        long recurrent = bench.scc().components().stream().filter(Component::isRecurrent).count();
        assertEquals(8, recurrent, bench.scc().toString());
        assertEquals(4, bench.scc().components().stream().filter(Component::isRecurrent)
                .filter(c -> c.kind() == ComponentKind.RECURRENT_REVERSE).count());
    }

    @Test
    void taskGraphHasOneTaskPerStepOfEachRecurrence() {
        TaskGraph t = bench.taskGraph();
        assertEquals(100, t.steps());
        assertEquals(4, t.batch());
        for (Component c : bench.scc().components()) {
            if (c.isRecurrent()) {
                assertEquals(100, t.tasksOf(0, c.index()).size(), c.label());
            }
        }
        assertEquals(t.size(), bench.buildTasks(workload).size());
    }

    @Test
    void schedulesCoverEveryTaskAndVerify() {
        int tasks = bench.taskGraph().size();
        Schedule k2 = bench.scheduleK2();
        assertEquals(2, k2.queues());
        for (Schedule s : new Schedule[] {k2, bench.schedule(), bench.scheduleAuto(), bench.pipeline(workload)}) {
            assertEquals(tasks, s.taskCount());
            assertTrue(ScheduleVerifier.problems(bench.taskGraph(), s).isEmpty());
        }
        // the two directions of a layer are independent, so the chosen plan uses more than one queue
        assertTrue(bench.schedule().queues() > 1, bench.schedule().toString());
        assertEquals(bench.schedule(), bench.verify());
        assertEquals(bench.scc().size(), bench.analyze(workload).size());
    }

    @Test
    void loweringOptionsSayWhetherQueuesOverlap() {
        assertTrue(LoweringBenchmark.options("concurrent").costs().concurrentQueues());
        assertFalse(LoweringBenchmark.options("serial").costs().concurrentQueues());
        LoweringBenchmark lowering = new LoweringBenchmark();
        lowering.queues = "concurrent";
        lowering.prepare();
        Workload small = Workload.of("lstm:layers=1,hidden=8,input=4,bidirectional=true", 5, 2);
        assertTrue(lowering.lower(small).program().launchesPerRun() > 0);
    }
}
