package io.recurflow.codegen.kernels;

import java.io.IOException;
import org.junit.jupiter.api.Test;

/** Generated GEMM sources, byte for byte; run with {@code -Drecurflow.updateGolden=true} to rewrite them after a deliberate change. */
class GemmGoldenTest {

    /** An LSTM's recurrent product h[t-1] . W_hh^T (4 x 250 gates) with packed weights and masking. */
    @Test
    void recurrentStep() throws IOException {
        GemmSpec spec = new GemmSpec("lstm_hh", 1000, 250, true, true, Activation.NONE, RowMode.STEP_INIT, true, true);
        check("gemm_lstm_hh.cl", GemmKernel.source(spec) + GemmKernel.packSource(spec));
    }

    /** An input projection x . W_ih^T + b with a tanh, B unpacked as [n, k], n not a multiple of the panel. */
    @Test
    void inputProjection() throws IOException {
        GemmSpec spec = new GemmSpec("proj", 100, 37, true, true, Activation.TANH, RowMode.PLAIN, false);
        check("gemm_proj.cl", GemmKernel.source(spec));
    }

    private static void check(String file, String source) throws IOException {
        io.recurflow.testing.Golden.check(file, source);
    }
}
