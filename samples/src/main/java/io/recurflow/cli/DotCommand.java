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

    @Override
    public Integer call() {
        Graph g = Models.load(model);
        SccResult scc = SccAnalysis.analyze(g);
        writeDot(g, scc, output);
        System.out.println("wrote " + output);
        if (svg) {
            Path svgFile = svgPath(output);
            writeSvg(g, scc, svgFile);
            System.out.println("wrote " + svgFile);
        }
        return 0;
    }

    static void writeDot(Graph g, SccResult scc, Path file) {
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            Files.writeString(file, GraphDot.toDot(g, scc));
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
