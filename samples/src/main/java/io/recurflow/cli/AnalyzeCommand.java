package io.recurflow.cli;

import io.recurflow.ir.Graph;
import io.recurflow.scc.SccAnalysis;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code recurflow analyze}: the graph's strongly connected components and their kinds. */
@Command(name = "analyze", description = "Show the strongly connected components of a model in topological order.")
final class AnalyzeCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "MODEL",
            description = "A sample (mlp, rnn, lstm, gru with options, e.g. lstm:layers=2,hidden=64,"
                    + "bidirectional=true) or a graph text file.")
    String model;

    @Option(names = "--json", description = "Print JSON (a `components` array with kind, nodes and inFlight; "
            + "`launches`, a map from mode to launches per run).")
    boolean json;

    @Option(names = "--seq", defaultValue = "10", paramLabel = "T",
            description = "Sequence length for the launch counts (default 10).")
    int seq;

    @Option(names = "--streams", defaultValue = "1", paramLabel = "S",
            description = "Plan the scheduled mode with the batch split into S streams (default 1; the batch "
                    + "defaults to S).")
    int streams;

    @Option(names = "--batch", paramLabel = "B", description = "Sequences per batch for the plans and predictions "
            + "(default: the number of streams, 1).")
    Integer batch;

    @Option(names = "--device", paramLabel = "D", description = "Plan and predict with this OpenCL device's "
            + "calibrated cost model (an index from `devices` or a name substring; measured now if not cached) "
            + "instead of the built-in one.")
    String device;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        Engines.checkStreams(spec, streams, Engines.Kind.scheduled);
        Graph g = Models.load(model);
        if (seq < 1) {
            throw new UserException("--seq must be at least 1, got " + seq);
        }
        int b = batch != null ? batch : streams;
        if (b < 1 || b % streams != 0) {
            throw new UserException("--batch must be a positive multiple of --streams (" + streams + "), got " + b);
        }
        io.recurflow.codegen.LaunchCostModel costs = io.recurflow.codegen.LaunchCostModel.DEFAULT;
        String name = "built-in cost model";
        if (device != null) {
            io.recurflow.runtime.cl.DeviceInfo d = Engines.device(device);
            costs = io.recurflow.codegen.Calibration.forDevice(d);
            name = "calibrated cost model of " + d.name();
        }
        Analysis a = new Analysis(g, SccAnalysis.analyze(g), seq, Analysis.Modes.of(g, seq, b, streams, costs, name));
        System.out.print(json ? a.json() + System.lineSeparator() : a.text());
        return 0;
    }
}
