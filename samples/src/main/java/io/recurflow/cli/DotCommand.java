package io.recurflow.cli;

import io.recurflow.ir.Graph;
import io.recurflow.scc.GraphDot;
import io.recurflow.scc.SccAnalysis;
import io.recurflow.scc.SccResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code recurflow dot}: the graph as DOT, one cluster per component, optionally rendered to SVG. */
@Command(name = "dot", description = "Draw a model's graph as DOT (one cluster per component), optionally SVG.")
final class DotCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "MODEL", description = "A sample or a graph text file.")
    String model;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "FILE", description = "Where to write the DOT.")
    Path output;

    @Option(names = "--svg", description = "Also render FILE.svg (FILE without .dot) through Graphviz.")
    boolean svg;

    @Option(names = "--what", defaultValue = "graph", paramLabel = "graph|schedule",
            description = "The graph (one cluster per component), or the scheduled mode's schedule (one lane per "
                    + "queue, event edges across lanes, the critical path in red).")
    String what;

    @Option(names = "--batch", defaultValue = "1", paramLabel = "B", description = "Batch of the schedule (default 1).")
    int batch;

    @Option(names = "--seq", defaultValue = "10", paramLabel = "T", description = "Steps of the schedule (default 10).")
    int seq;

    @Option(names = "--queues", defaultValue = "auto", paramLabel = "K|auto", description = "Queues of the schedule.")
    String queues;

    @Option(names = "--device", paramLabel = "D", description = "The device whose cost model prices the schedule.")
    String device;

    @Override
    public Integer call() {
        Graph g = Models.load(model);
        SccResult scc = SccAnalysis.analyze(g);
        if (what.equals("schedule")) {
            io.recurflow.codegen.CompiledModel m = io.recurflow.codegen.Lowering.lower(g,
                    io.recurflow.codegen.Mode.SCHEDULED, batch, seq, new io.recurflow.codegen.Lowering.Options(
                            Engines.queues(queues), 4,
                            io.recurflow.codegen.Calibration.forDevice(Engines.device(device))));
            write(output, io.recurflow.scc.schedule.ScheduleDot.toDot(m.tasks(), m.schedule()));
            System.out.printf("schedule: %d tasks on %d queues, %d events, predicted %.3f ms%n",
                    m.schedule().taskCount(), m.schedule().queues(), m.schedule().events().size(),
                    m.predictedUs() / 1e3);
        } else if (what.equals("graph")) {
            writeDot(g, scc, output);
        } else {
            throw new UserException("--what takes graph or schedule, not '" + what + "'");
        }
        System.out.println("wrote " + output);
        if (svg) {
            Path svgFile = svgPath(output);
            try {
                Files.writeString(svgFile, GraphDot.toSvg(Files.readString(output)));
            } catch (IOException e) {
                throw new UserException("cannot write " + svgFile + ": " + e.getMessage(), e);
            }
            System.out.println("wrote " + svgFile);
        }
        return 0;
    }

    static void writeDot(Graph g, SccResult scc, Path file) {
        write(file, GraphDot.toDot(g, scc));
    }

    static void write(Path file, String text) {
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            Files.writeString(file, text);
        } catch (IOException e) {
            throw new UserException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    static void writeSvg(Graph g, SccResult scc, Path file) {
        GraphDot.writeSvg(g, scc, file);
    }

    static Path svgPath(Path dot) {
        String name = dot.getFileName().toString();
        String base = name.endsWith(".dot") ? name.substring(0, name.length() - 4) : name;
        return dot.resolveSibling(base + ".svg");
    }
}
