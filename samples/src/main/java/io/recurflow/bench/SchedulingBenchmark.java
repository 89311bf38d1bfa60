package io.recurflow.bench;

import io.recurflow.ir.Graph;
import io.recurflow.scc.SccAnalysis;
import io.recurflow.scc.SccResult;
import io.recurflow.scc.schedule.CostModel;
import io.recurflow.scc.schedule.ListScheduler;
import io.recurflow.scc.schedule.Schedule;
import io.recurflow.scc.schedule.ScheduleVerifier;
import io.recurflow.scc.schedule.TaskGraph;
import io.recurflow.scc.schedule.TaskOptions;
import io.recurflow.scc.schedule.UnitCostModel;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * JMH benchmarks of scc-scheduler's scheduling pipeline, stage by stage on inputs made once per trial
 * (SCC analysis, task graph, list scheduling on K = 2 queues and with K chosen up to
 * {@link #MAX_QUEUES}, schedule verification) and all four in a row ({@link #plan}). The cost model is
 * the device-free {@link UnitCostModel}, so what is timed is the scheduler, not a cost probe.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@State(Scope.Benchmark)
public class SchedulingBenchmark {
    /** The most queues {@code scheduleAuto} tries, as the scheduled mode's default options do. */
    public static final int MAX_QUEUES = 4;

    /** 5 µs a launch, 2 µs an event, 1 ns an element: the scheduler's own tests' constants. */
    public static final CostModel COSTS = new UnitCostModel(5, 2, 0.001);

    SccResult scc;
    TaskGraph tasks;
    Schedule schedule;

    /** The inputs of each stage: the previous stages' results for the workload. */
    @Setup(Level.Trial)
    public void prepare(Workload w) {
        scc = SccAnalysis.analyze(w.graph());
        tasks = tasks(scc, w);
        schedule = ListScheduler.scheduleAuto(tasks, COSTS, MAX_QUEUES);
    }

    /** One task per step of each recurrence, one stream over the whole batch. */
    public static TaskGraph tasks(SccResult scc, Workload w) {
        return TaskGraph.build(scc, w.seq, 1, TaskOptions.DEFAULT.withBatch(w.batch));
    }

    /** The whole pipeline: analysis, task graph, list scheduling with K chosen, verification. */
    public static Schedule plan(Graph g, Workload w) {
        TaskGraph t = tasks(SccAnalysis.analyze(g), w);
        return ScheduleVerifier.verify(t, ListScheduler.scheduleAuto(t, COSTS, MAX_QUEUES));
    }

    public SccResult scc() {
        return scc;
    }

    public TaskGraph taskGraph() {
        return tasks;
    }

    public Schedule schedule() {
        return schedule;
    }

    @Benchmark
    public SccResult analyze(Workload w) {
        return SccAnalysis.analyze(w.graph());
    }

    @Benchmark
    public TaskGraph buildTasks(Workload w) {
        return tasks(scc, w);
    }

    @Benchmark
    public Schedule scheduleK2() {
        return ListScheduler.schedule(tasks, COSTS, 2);
    }

    @Benchmark
    public Schedule scheduleAuto() {
        return ListScheduler.scheduleAuto(tasks, COSTS, MAX_QUEUES);
    }

    @Benchmark
    public Schedule verify() {
        return ScheduleVerifier.verify(tasks, schedule);
    }

    @Benchmark
    public Schedule pipeline(Workload w) {
        return plan(w.graph(), w);
    }
}
