package io.recurflow.bench;

import io.recurflow.cli.Models;
import io.recurflow.ir.Graph;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * What the benchmarks plan for: a model (a sample spec or a graph text file, as every command takes),
 * its sequence length T and batch B. The defaults are issue #4's workload, a 4-layer bidirectional LSTM
 * at T = 100, B = 4; `recurflow bench schedule` overrides them through JMH's parameters.
 */
@State(Scope.Benchmark)
public class Workload {
    public static final String DEFAULT_MODEL = "lstm:layers=4,hidden=256,input=256,bidirectional=true";
    public static final String DEFAULT_SEQ = "100";
    public static final String DEFAULT_BATCH = "4";

    @Param(DEFAULT_MODEL)
    public String model = DEFAULT_MODEL;

    @Param(DEFAULT_SEQ)
    public int seq = Integer.parseInt(DEFAULT_SEQ);

    @Param(DEFAULT_BATCH)
    public int batch = Integer.parseInt(DEFAULT_BATCH);

    Graph graph;

    /** The workload of {@code model} at T = {@code seq}, B = {@code batch}, loaded (for use outside JMH). */
    public static Workload of(String model, int seq, int batch) {
        Workload w = new Workload();
        w.model = model;
        w.seq = seq;
        w.batch = batch;
        w.load();
        return w;
    }

    /** Builds (or parses) the graph once per trial: loading is not what is measured. */
    @Setup(Level.Trial)
    public void load() {
        graph = Models.load(model);
    }

    public Graph graph() {
        return graph;
    }
}
