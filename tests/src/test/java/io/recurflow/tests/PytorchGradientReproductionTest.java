package io.recurflow.tests;

import io.recurflow.codegen.Lowering;
import io.recurflow.codegen.Mode;
import io.recurflow.codegen.OpenClModel;
import io.recurflow.passes.PytorchGradientTest;
import java.io.IOException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * PyTorch 2.7.1's gradients of its nn.LSTM / nn.GRU (2 layers, bidirectional, lengths 7, 4, 1, given
 * initial states) reproduced by the differentiated graph in every OpenCL mode, to 1e-4 relative to
 * each tensor's largest magnitude; graph-ir's {@link PytorchGradientTest} does the same on the reference
 * interpreter with the same cases and comparison.
 */
class PytorchGradientReproductionTest {
    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"lstm_bi_len, NAIVE", "lstm_bi_len, BATCHED", "lstm_bi_len, SCHEDULED",
        "gru_bi_len, NAIVE", "gru_bi_len, BATCHED", "gru_bi_len, SCHEDULED"})
    void reproducesPytorchGradients(String name, Mode mode) throws IOException {
        var session = OpenCl.session();
        PytorchGradientTest.compareWithPytorch(name, (backward, feeds, lengths) -> {
            var compiled = Lowering.lower(backward, mode, lengths.length, feeds.get("x").dim(0));
            try (OpenClModel m = OpenClModel.load(session, compiled, feeds)) {
                return m.run(feeds, lengths);
            }
        });
    }
}
