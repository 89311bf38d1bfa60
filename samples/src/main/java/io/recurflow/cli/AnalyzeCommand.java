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
            description = "Plan the scheduled mode with the batch split into S streams (at batch S; default 1).")
    int streams;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        Engines.checkStreams(spec, streams, Engines.Kind.scheduled);
        Graph g = Models.load(model);
        if (seq < 1) {
            throw new UserException("--seq must be at least 1, got " + seq);
        }
        Analysis a = new Analysis(g, SccAnalysis.analyze(g), seq, Analysis.Modes.of(g, seq, streams));
        System.out.print(json ? a.json() + System.lineSeparator() : a.text());
        return 0;
    }
}
