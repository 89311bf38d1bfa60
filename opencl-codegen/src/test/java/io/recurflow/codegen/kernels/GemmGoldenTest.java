package io.recurflow.codegen.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Generated GEMM sources, byte for byte; run with {@code -Drecurflow.updateGolden=true} to rewrite them after a deliberate change. */
class GemmGoldenTest {
    private static final boolean UPDATE = Boolean.getBoolean("recurflow.updateGolden");
    private static final Path GOLDEN = Path.of("src/test/resources/golden");

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
        Path golden = GOLDEN.resolve(file);
        if (UPDATE) {
            Files.createDirectories(GOLDEN);
            Files.writeString(golden, source, StandardCharsets.UTF_8);
        }
        assertEquals(Files.readString(golden, StandardCharsets.UTF_8), source,
                "rerun with -Drecurflow.updateGolden=true if the change is intended");
    }
}
