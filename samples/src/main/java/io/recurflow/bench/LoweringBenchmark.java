package io.recurflow.bench;

import io.recurflow.codegen.CompiledModel;
import io.recurflow.codegen.LaunchCostModel;
import io.recurflow.codegen.Lowering;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * JMH benchmark of the whole scheduled-mode lowering (analysis, the cost model's choices, task graph,
 * schedule, kernels and the runtime Program), which needs no OpenCL device. {@code queues}:
 * {@code concurrent} prices a device that overlaps queues, so the list scheduler chooses K;
 * {@code serial} is the built-in defaults (PoCL: one command at a time, horizontal fusion instead).
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@State(Scope.Benchmark)
public class LoweringBenchmark {
    @Param({"concurrent", "serial"})
    public String queues = "concurrent";

    Lowering.Options options;

    @Setup(Level.Trial)
    public void prepare() {
        options = options(queues);
    }

    /** The scheduled mode's default options, with a device that does or does not overlap queues. */
    public static Lowering.Options options(String queues) {
        Lowering.Options d = Lowering.Options.DEFAULT;
        LaunchCostModel c = d.costs();
        boolean concurrent = switch (queues) {
            case "concurrent" -> true;
            case "serial" -> false;
            default -> throw new IllegalArgumentException("queues is concurrent or serial, not " + queues);
        };
        LaunchCostModel costs = new LaunchCostModel(c.overheadUs(), c.gflops(), c.gbPerS(), c.itemNs(), c.eventUs(),
                c.units(), concurrent, c.groupSize(), c.oneGroupGflops(), c.oneGroupRowsGflops(), concurrent ? 1 : 0,
                c.groupOverlap(), c.gemmRates(), c.host(), c.longOverheadUs(), c.small(), c.stepRates(),
                c.source() + ", queues " + queues);
        return new Lowering.Options(d.queues(), d.maxQueues(), costs, d.streams());
    }

    @Benchmark
    public CompiledModel lower(Workload w) {
        return Lowering.lower(w.graph(), io.recurflow.codegen.Mode.SCHEDULED, w.batch, w.seq, options);
    }
}
