package io.recurflow.cli;

import io.recurflow.bench.LoweringBenchmark;
import io.recurflow.bench.SchedulingBenchmark;
import io.recurflow.bench.Workload;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.format.OutputFormatFactory;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;
import org.openjdk.jmh.util.Statistics;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code recurflow bench schedule}: the JMH benchmarks of {@link SchedulingBenchmark} (each stage of
 * scc-scheduler's pipeline, and all of them in a row) and of {@link LoweringBenchmark} (the whole
 * scheduled-mode lowering), run in-process through JMH's Runner; JMH's own report goes to stderr, the
 * summary to stdout.
 */
@Command(name = "schedule", description = {"Time the scheduler with JMH: SCC analysis, task graph, list scheduling",
    "(K=2 and auto), verification, all four together, and the scheduled mode's whole lowering."})
final class BenchScheduleCommand implements Callable<Integer> {
    /** Issue #4's target for the whole scheduling pipeline. */
    static final double TARGET_MS = 50;

    /** Benchmark method → what the summary calls it, in pipeline order. */
    private static final Map<String, String> STAGES = new LinkedHashMap<>();

    static {
        STAGES.put("analyze", "SCC analysis");
        STAGES.put("buildTasks", "task graph");
        STAGES.put("scheduleK2", "list scheduling, K=2");
        STAGES.put("scheduleAuto", "list scheduling, auto K<=" + SchedulingBenchmark.MAX_QUEUES);
        STAGES.put("verify", "verification");
        STAGES.put("pipeline", "all four (auto K)");
        STAGES.put("lower", "Lowering.lower, scheduled");
    }

    /** The benchmarks whose sum the pipeline benchmark runs in one call. */
    private static final List<String> PIPELINE_STAGES = List.of("analyze", "buildTasks", "scheduleAuto", "verify");

    @Option(names = "--model", defaultValue = Workload.DEFAULT_MODEL, paramLabel = "M",
            description = "A sample or a graph text file (default ${DEFAULT-VALUE}).")
    String model;

    @Option(names = "--seq", defaultValue = Workload.DEFAULT_SEQ, paramLabel = "T",
            description = "Steps per sequence (default ${DEFAULT-VALUE}).")
    int seq;

    @Option(names = "--batch", defaultValue = Workload.DEFAULT_BATCH, paramLabel = "B",
            description = "Sequences per batch (default ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--forks", defaultValue = "1", paramLabel = "F",
            description = "JVMs forked per benchmark (default 1; 0 runs in this JVM, sharing its JIT profile).")
    int forks;

    @Option(names = "--warmup", defaultValue = "5", paramLabel = "W",
            description = "Warm-up iterations per benchmark (default ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--iterations", defaultValue = "5", paramLabel = "N",
            description = "Measured iterations per benchmark (default ${DEFAULT-VALUE}).")
    int iterations;

    @Option(names = "--time", defaultValue = "1000", paramLabel = "MS",
            description = "Milliseconds per iteration (default ${DEFAULT-VALUE}).")
    int timeMs;

    @Option(names = "--no-lowering", description = "Leave out the Lowering.lower benchmark.")
    boolean noLowering;

    @Option(names = "--json", paramLabel = "FILE", description = "Also write JMH's results as JSON.")
    Path json;

    @Option(names = "--quiet", description = "Leave out JMH's progress and report (on stderr).")
    boolean quiet;

    @Override
    public Integer call() throws RunnerException {
        if (seq < 1 || batch < 1 || forks < 0 || warmup < 0 || iterations < 1 || timeMs < 1) {
            throw new UserException("--seq, --batch, --iterations and --time must be at least 1, --forks and --warmup"
                    + " at least 0");
        }
        // fail on a bad model here, with one line, rather than inside every benchmark
        Workload check = Workload.of(model, seq, batch);
        SchedulingBenchmark.plan(check.graph(), check);
        if (!noLowering) {
            LoweringBenchmark lowering = new LoweringBenchmark();
            lowering.prepare();
            lowering.lower(check);
        }

        ChainedOptionsBuilder opts = new OptionsBuilder()
                .include(Pattern.quote(SchedulingBenchmark.class.getName()) + "\\.")
                .param("model", model)
                .param("seq", Integer.toString(seq))
                .param("batch", Integer.toString(batch))
                .forks(forks)
                .warmupIterations(warmup)
                .warmupTime(TimeValue.milliseconds(timeMs))
                .measurementIterations(iterations)
                .measurementTime(TimeValue.milliseconds(timeMs))
                .shouldFailOnError(true);
        if (!noLowering) {
            opts.include(Pattern.quote(LoweringBenchmark.class.getName()) + "\\.");
        }
        if (json != null) {
            opts.result(json.toString()).resultFormat(ResultFormatType.JSON);
        }
        VerboseMode verbosity = quiet ? VerboseMode.SILENT : VerboseMode.NORMAL;
        System.err.printf("bench schedule: JMH, %d fork(s), %d x %d ms warm-up and %d x %d ms measured per benchmark%n",
                forks, warmup, timeMs, iterations, timeMs);
        Collection<RunResult> results = new Runner(opts.build(),
                OutputFormatFactory.createFormatInstance(System.err, verbosity)).run();
        return report(results);
    }

    private int report(Collection<RunResult> results) {
        List<RunResult> ordered = new ArrayList<>(results);
        List<String> order = new ArrayList<>(STAGES.keySet());
        ordered.sort(java.util.Comparator.comparingInt(r -> order.indexOf(method(r))));
        System.out.printf("bench schedule %s: batch %d, seq %d; JMH sample time, %d fork(s), %d warm-up + %d measured"
                + " iterations of %d ms%n", model, batch, seq, forks, warmup, iterations, timeMs);
        System.out.printf("  %-44s %10s %10s %10s %9s%n", "stage", "mean ms", "median ms", "p90 ms", "samples");
        Double pipelineMedian = null;
        double stagesMedian = 0;
        for (RunResult r : ordered) {
            String m = method(r);
            String label = STAGES.getOrDefault(m, m);
            String queues = r.getParams().getParam("queues");
            if (queues != null) {
                label += queues.equals("serial") ? ", serial device" : ", queues overlap";
            }
            Statistics s = r.getPrimaryResult().getStatistics();
            double median = s.getPercentile(50);
            System.out.printf("  %-44s %10.3f %10.3f %10.3f %9d%n", label, s.getMean(), median, s.getPercentile(90),
                    s.getN());
            if (m.equals("pipeline")) {
                pipelineMedian = median;
            } else if (PIPELINE_STAGES.contains(m)) {
                stagesMedian += median;
            }
        }
        if (pipelineMedian == null) {
            throw new IllegalStateException("JMH returned no result for the pipeline benchmark");
        }
        System.out.printf("the four stages' medians add up to %.3f ms%n", stagesMedian);
        System.out.printf("scheduling (analysis + task graph + auto list scheduling + verification): median %.3f ms,"
                + " %s the %.0f ms target%n", pipelineMedian, pipelineMedian < TARGET_MS ? "under" : "NOT under",
                TARGET_MS);
        return 0;
    }

    private static String method(RunResult r) {
        String name = r.getParams().getBenchmark();
        return name.substring(name.lastIndexOf('.') + 1);
    }
}
