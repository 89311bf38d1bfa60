package io.recurflow.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.recurflow.ir.Graph;
import io.recurflow.ir.Node;
import io.recurflow.ir.Op;
import io.recurflow.scc.Component;
import io.recurflow.scc.SccResult;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What {@code analyze} reports about a graph, as plain data that prints as text or JSON. */
final class Analysis {
    private final Graph graph;
    private final SccResult scc;
    private final int steps;
    private final Modes modes;

    /** {@code modes}: what each OpenCL mode does at sequence length {@code steps}. */
    Analysis(Graph graph, SccResult scc, int steps, Modes modes) {
        this.graph = graph;
        this.scc = scc;
        this.steps = steps;
        this.modes = modes;
    }

    /**
     * Per OpenCL mode: launches per run and predicted ms under a cost model ({@code costs} names it); and
     * what the batched and scheduled modes chose and why. Empty where the backend cannot lower the graph.
     */
    record Modes(int batch, Map<String, Integer> launches, Map<String, Double> predictedMs, List<String> notes,
                 String costs) {
        /** The figures at batch 1 and {@code steps} steps under the built-in cost model. */
        static Modes of(Graph g, int steps) {
            return of(g, steps, 1, 1, io.recurflow.codegen.LaunchCostModel.DEFAULT, "built-in cost model");
        }

        /**
         * As above at batch {@code batch} under {@code model} (named {@code costs} in the report), with the
         * scheduled mode's batch split into {@code streams} streams.
         */
        static Modes of(Graph g, int steps, int batch, int streams, io.recurflow.codegen.LaunchCostModel model,
                        String costs) {
            Map<String, Integer> launches = new LinkedHashMap<>();
            Map<String, Double> predicted = new LinkedHashMap<>();
            List<String> notes = new ArrayList<>();
            try {
                for (io.recurflow.codegen.Mode m : io.recurflow.codegen.Mode.values()) {
                    io.recurflow.codegen.CompiledModel c = io.recurflow.codegen.Lowering.lower(g, m, batch, steps,
                            new io.recurflow.codegen.Lowering.Options(0, 4, model,
                                    m == io.recurflow.codegen.Mode.SCHEDULED ? streams : 1));
                    launches.put(m.textName(), c.program().launchesPerRun());
                    predicted.put(m.textName(), c.predictedUs() / 1e3);
                    if (m == io.recurflow.codegen.Mode.BATCHED) {
                        c.notes().forEach(n -> notes.add("batched " + n));
                    }
                    if (c.schedule() != null) {
                        notes.add(String.format("scheduled: %d tasks on %d queue(s), %d events%s",
                                c.schedule().taskCount(), c.schedule().queues(), c.schedule().events().size(),
                                streams > 1 ? ", " + streams + " streams" : ""));
                        notes.addAll(c.notes());
                    }
                }
            } catch (io.recurflow.codegen.UnsupportedGraphException e) {
                System.err.println("note: no launch counts: " + e.getMessage());
                return new Modes(batch, Map.of(), Map.of(), List.of(), "");
            }
            return new Modes(batch, launches, predicted, notes, costs);
        }
    }

    private long weights() {
        long total = 0;
        for (Node n : graph.nodesOf(Op.PARAM)) {
            long c = 1;
            for (int s : n.shape().resolve(1, 1)) {
                c *= s;
            }
            total += c;
        }
        return total;
    }

    private List<String> names(Component c) {
        List<String> r = new ArrayList<>();
        for (int id : c.nodes()) {
            r.add(graph.node(id).name());
        }
        return r;
    }

    /** The JSON document: graph counts and the {@code components} array in topological order. */
    Map<String, Object> toJson() {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("graph", graph.name());
        root.put("nodes", graph.size());
        root.put("perStepNodes", graph.nodes().stream().filter(Node::isPerStep).count());
        root.put("parameters", graph.nodesOf(Op.PARAM).size());
        root.put("weights", weights());
        List<Map<String, Object>> comps = new ArrayList<>();
        for (Component c : scc.components()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("index", c.index());
            m.put("kind", c.kind().textName());
            m.put("static", c.isStatic());
            m.put("inFlight", c.inFlight());
            m.put("nodes", names(c));
            m.put("successors", scc.successors(c.index()));
            comps.add(m);
        }
        root.put("components", comps);
        List<String> outs = new ArrayList<>();
        for (Node n : graph.outputNodes()) {
            outs.add(n.name());
        }
        root.put("outputs", outs);
        root.put("seq", steps);
        root.put("launches", modes.launches());
        root.put("batch", modes.batch());
        root.put("predicted_ms", modes.predictedMs());
        root.put("cost_model", modes.costs());
        root.put("scheduling", modes.notes());
        return root;
    }

    String json() {
        try {
            return new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(toJson());
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Human-readable report: counts, then every component that runs per step; static ones summed up. */
    String text() {
        StringBuilder sb = new StringBuilder();
        long perStep = graph.nodes().stream().filter(Node::isPerStep).count();
        sb.append(String.format("graph %s: %d nodes (%d per-step, %d static), %d parameters (%,d weights)%n",
                graph.name(), graph.size(), perStep, graph.size() - perStep, graph.nodesOf(Op.PARAM).size(),
                weights()));
        long statics = scc.components().stream().filter(Component::isStatic).count();
        sb.append(String.format("components in topological order (%d, of which %d static and not listed):%n",
                scc.size(), statics));
        for (Component c : scc.components()) {
            if (c.isStatic()) {
                continue;
            }
            List<String> names = names(c);
            String shown = names.size() <= 6 ? String.join(", ", names)
                    : String.join(", ", names.subList(0, 5)) + ", … (" + (names.size() - 5) + " more)";
            sb.append(String.format("  C%-3d %-18s %3d nodes  in-flight %d  %s%n", c.index(), c.kind().textName(),
                    names.size(), c.inFlight(), shown));
        }
        long recurrent = scc.components().stream().filter(Component::isRecurrent).count();
        sb.append(String.format("recurrent components: %d; outputs: %s%n", recurrent,
                String.join(", ", graph.outputNodes().stream().map(Node::name).toList())));
        if (!modes.launches().isEmpty()) {
            sb.append("launches per run at T=").append(steps).append(':');
            modes.launches().forEach((mode, n) -> sb.append(' ').append(mode).append('=').append(n));
            sb.append(System.lineSeparator());
            sb.append("predicted ms per run at B=").append(modes.batch()).append(" (").append(modes.costs()).append("):");
            modes.predictedMs().forEach((mode, ms) -> sb.append(String.format(" %s=%.3f", mode, ms)));
            sb.append(System.lineSeparator());
            for (String n : modes.notes()) {
                sb.append(n).append(System.lineSeparator());
            }
        }
        return sb.toString();
    }
}
