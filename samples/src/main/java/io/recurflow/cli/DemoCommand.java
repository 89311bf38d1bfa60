package io.recurflow.cli;

import io.recurflow.interp.ReferenceInterpreter;
import io.recurflow.interp.Tensor;
import io.recurflow.ir.Graph;
import io.recurflow.samples.ModelZoo;
import io.recurflow.scc.GraphvizMissingException;
import io.recurflow.scc.SccAnalysis;
import io.recurflow.scc.SccResult;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code recurflow demo}: analyses, draws and runs a bidirectional two-layer LSTM. */
@Command(name = "demo", description = "Analyse, draw and run a bidirectional two-layer LSTM.")
final class DemoCommand implements Callable<Integer> {
    static final String MODEL = "lstm:layers=2,hidden=64,input=32,bidirectional=true";

    @Option(names = "--out", defaultValue = "recurflow-demo", paramLabel = "DIR",
            description = "Where to write the pictures (default: ./recurflow-demo).")
    Path out;

    @Override
    public Integer call() {
        System.out.println("== Model: " + MODEL);
        Graph g = ModelZoo.build(MODEL);
        SccResult scc = SccAnalysis.analyze(g);
        System.out.print(new Analysis(g, scc, 20, Analysis.Modes.of(g, 20)).text());
        System.out.println();
        System.out.println("The two directions of each layer are separate recurrent components with no path");
        System.out.println("between them, so a scheduler may run them side by side; layer 1 waits on layer 0.");
        System.out.println();
        Path dot = out.resolve("lstm-bi2.dot");
        DotCommand.writeDot(g, scc, dot);
        System.out.println("== Graph picture: " + dot);
        try {
            Path svg = DotCommand.svgPath(dot);
            DotCommand.writeSvg(g, scc, svg);
            System.out.println("   rendered:      " + svg);
        } catch (GraphvizMissingException e) {
            System.out.println("   (no SVG: " + e.getMessage() + ")");
        }
        System.out.println();
        int[] lengths = {20, 13, 7, 1};
        Feeds feeds = Feeds.prepare(g, lengths.length, 20, 0, lengths, null, null);
        long start = System.nanoTime();
        Map<String, Tensor> result = new ReferenceInterpreter(g).run(feeds.values(), feeds.lengths());
        double ms = (System.nanoTime() - start) / 1e6;
        System.out.println("== Reference interpreter, batch 4, T=20, lengths " + Arrays.toString(lengths));
        for (Map.Entry<String, Tensor> e : result.entrySet()) {
            System.out.printf("  %-6s f32%s%n", e.getKey(), Arrays.toString(e.getValue().shape()));
        }
        System.out.printf("  time %.1f ms%n", ms);
        System.out.println("checksum=" + RunCommand.formatChecksum(Feeds.checksum(result)));
        System.out.println();
        System.out.println("== OpenCL on " + Engines.device(null).name());
        System.out.printf("  %-8s %9s %11s %11s  %s%n", "mode", "launches", "median ms", "max_rel_err", "checksum");
        double[] medians = new double[3];
        int i = 0;
        for (Engines.Kind kind : new Engines.Kind[] {Engines.Kind.naive, Engines.Kind.batched, Engines.Kind.scheduled}) {
            try (Engines.Engine e = Engines.open(kind, g, lengths.length, 20, feeds.values(), null)) {
                Map<String, Tensor> out = e.run(feeds.values(), feeds.lengths());
                // timed once the JIT compiler has gone quiet, as bench does (its thread would take a core)
                io.recurflow.runtime.JitWarmup.run(() -> e.run(feeds.values(), feeds.lengths()), 2, 1500);
                double[] times = new double[11];
                for (int r = 0; r < times.length; r++) {
                    long t0 = System.nanoTime();
                    e.run(feeds.values(), feeds.lengths());
                    times[r] = (System.nanoTime() - t0) / 1e6;
                }
                Arrays.sort(times);
                medians[i++] = times[times.length / 2];
                System.out.printf("  %-8s %9d %11.2f %11.2e  %s%n", kind, e.launches(), times[times.length / 2],
                        Comparison.of(out, result).maxRel(), RunCommand.formatChecksum(Feeds.checksum(out)));
            }
        }
        System.out.printf("  batched is %.1fx and scheduled %.1fx faster than naive here (median of 11 runs each after a"
                + " warm-up, not interleaved; see `bench` for more)%n", medians[0] / medians[1], medians[0] / medians[2]);
        Path schedule = out.resolve("lstm-bi2-schedule.dot");
        io.recurflow.codegen.CompiledModel m = io.recurflow.codegen.Lowering.lower(g, io.recurflow.codegen.Mode.SCHEDULED,
                lengths.length, 20, new io.recurflow.codegen.Lowering.Options(0, 4,
                        io.recurflow.codegen.Calibration.forDevice(Engines.device(null))));
        DotCommand.write(schedule, io.recurflow.scc.schedule.ScheduleDot.toDot(m.tasks(), m.schedule()));
        System.out.printf("== Schedule picture: %s (%d tasks on %d queues, %d events)%n", schedule,
                m.schedule().taskCount(), m.schedule().queues(), m.schedule().events().size());
        for (String note : m.notes()) {
            System.out.println("   " + note);
        }
        return 0;
    }
}
