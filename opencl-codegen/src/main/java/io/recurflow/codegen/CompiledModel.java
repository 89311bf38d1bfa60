package io.recurflow.codegen;

import io.recurflow.ir.Graph;
import io.recurflow.runtime.program.Program;
import java.util.List;
import java.util.Map;

/**
 * A graph lowered for one mode, batch size and sequence length: the runtime {@link Program} plus how
 * the graph's feeds and outputs map onto the program's host arrays.
 *
 * @param feeds    graph feed name → host array name, for inputs written every run
 * @param params   graph parameter name → host array name, for the setup
 * @param outputs  graph output names in order (the host array of each has the same name)
 * @param predictedUs the cost model's prediction of one run's time, in microseconds
 * @param tasks    the scheduled mode's task graph (null in the other modes)
 * @param schedule the scheduled mode's schedule (null in the other modes)
 * @param notes    what the lowering chose and why (horizontal fusion or not), for {@code analyze}
 * @param launchUs the cost model's time of each launch of the run, in order, in microseconds (its
 *                 overhead included; empty where the lowering did not price them)
 */
public record CompiledModel(Graph graph, Mode mode, int batch, int steps, Program program, Map<String, String> feeds,
                            Map<String, String> params, List<String> outputs, double predictedUs,
                            io.recurflow.scc.schedule.TaskGraph tasks, io.recurflow.scc.schedule.Schedule schedule,
                            List<String> notes, List<Double> launchUs) {
    public CompiledModel {
        launchUs = List.copyOf(launchUs);
    }

    /** The host array holding the sequence lengths. */
    public static final String LENGTHS = "__lengths";
}
