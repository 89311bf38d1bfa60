package io.recurflow.codegen;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.recurflow.dsl.GraphBuilder;
import io.recurflow.dsl.Value;
import io.recurflow.ir.Graph;
import io.recurflow.layers.Cells;
import io.recurflow.layers.Layers;
import io.recurflow.layers.RecurrentLayers;
import java.io.IOException;
import org.junit.jupiter.api.Test;

/**
 * The generated OpenCL of a few small models, byte for byte against {@code src/test/resources/golden};
 * run the build with {@code -Drecurflow.updateGolden=true} to rewrite them (then review the diff).
 */
class GoldenKernelTest {
    static void check(String file, String actual) throws IOException {
        io.recurflow.testing.Golden.check(file, actual);
    }

    static Graph gru() {
        GraphBuilder g = new GraphBuilder("gru");
        Value x = g.input("x", 3);
        RecurrentLayers.Result r = RecurrentLayers.stack(g, Cells.GRU, x, 3, 4, 1, true, null);
        g.output("y", r.output());
        return g.build();
    }

    static Graph mlp() {
        GraphBuilder g = new GraphBuilder("mlp");
        Value x = g.input("x", 5);
        Value h = g.relu(Layers.dense(g, "fc0", x, 5, 8));
        g.output("y", g.softmax(Layers.dense(g, "fc1", h, 8, 3)));
        return g.build();
    }

    @Test
    void lstmBatched() throws IOException {
        CompiledModel m = Lowering.lower(LaunchCountTest.lstm(1, false, true), Mode.BATCHED, 2, 3);
        check("lstm_b2_batched.cl", m.program().source());
    }

    /**
     * The batched LSTM run the other way, each step as its GEMM and a fused gate kernel: the choice of a
     * cost model whose one-work-group products are slow.
     */
    @Test
    void lstmBatchedStaged() throws IOException {
        LaunchCostModel slowGroups = new LaunchCostModel(12, 150, 20, 0.5, 5, 2, false, 1, 0.001, 0.001, 0, 1,
                "test: slow one-group products");
        CompiledModel m = Lowering.lower(LaunchCountTest.lstm(1, false, true), Mode.BATCHED, 2, 3,
                new Lowering.Options(0, 4, slowGroups));
        check("lstm_b2_batched_staged.cl", m.program().source());
    }

    @Test
    void bidirectionalGruBatchedAndNaive() throws IOException {
        check("gru_bi_b1_batched.cl", Lowering.lower(gru(), Mode.BATCHED, 1, 4).program().source());
        check("gru_bi_b1_naive.cl", Lowering.lower(gru(), Mode.NAIVE, 1, 4).program().source());
    }

    @Test
    void mlpBatched() throws IOException {
        check("mlp_b4_batched.cl", Lowering.lower(mlp(), Mode.BATCHED, 4, 2).program().source());
    }

    @Test
    void sourceIsDeterministic() {
        assertEquals(Lowering.lower(gru(), Mode.BATCHED, 3, 5).program().source(),
                Lowering.lower(gru(), Mode.BATCHED, 3, 5).program().source());
    }
}
